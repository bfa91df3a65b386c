"""Keys a demanding user leans on: a Footer that fits, Esc that does the right thing, the palette."""

from __future__ import annotations

from typing import Any

import pytest
from test_tui_solve import (
    GOOD_RUN,
    PROBLEM,
    feed,
    fixed_app,
    run_events,
    screen_text,
    settle,
    solve_screen,
    wait_for,
)
from textual.command import CommandPalette
from textual.widgets._footer import FooterKey

from reasoning.events import RunSettings
from tui.app import PonderApp
from tui.widgets.calm_footer import CalmFooter
from tui.widgets.prompt_box import PromptBox
from tui.widgets.step_block import StepHeader
from tui.widgets.step_list import StepList


def footer_keys(app: PonderApp) -> list[FooterKey]:
    return list(app.screen.query_one(CalmFooter).query(FooterKey))


def shown_keys(app: PonderApp) -> list[str]:
    return [k.key for k in footer_keys(app) if not k.has_class("-command-palette")]


async def wait_footer(pilot: Any) -> None:
    """The Footer rebuilds after a refresh: let it."""
    await pilot.pause()
    await pilot.pause(0.05)
    await pilot.pause()


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_every_footer_key_shown_fits_and_the_palette_key_is_there(
    size: tuple[int, int],
) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        for key in ("ctrl+s", "ctrl+g", "ctrl+b", "ctrl+f"):
            await pilot.press(key)
            await wait_footer(pilot)
            footer = app.screen.query_one(CalmFooter)
            keys = footer_keys(app)
            assert any(k.has_class("-command-palette") for k in keys)
            for k in keys:
                assert k.region.right <= footer.region.right, (key, k.key)
            palette = next(k for k in keys if k.has_class("-command-palette"))
            for k in keys:
                if k is not palette:  # nothing hides under the docked palette key
                    assert k.region.right <= palette.region.x, (key, k.key)


async def test_the_solve_footer_shows_the_first_run_keys_and_not_the_rest() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_footer(pilot)
        keys = shown_keys(app)
        for key in ("ctrl+n", "ctrl+t", "f2", "ctrl+o", "ctrl+g", "ctrl+b", "ctrl+f"):
            assert key in keys
        for key in ("escape", "f4", "f5", "f8", "f9"):
            assert key not in keys  # Esc only while a run goes; the rest in the palette
        assert keys[-1] == "ctrl+q"  # how to quit is always in view, last
        screen = solve_screen(app)
        screen.begin_run(PROBLEM, RunSettings())
        await wait_footer(pilot)
        assert shown_keys(app)[0] == "escape"
        disabled = [k.key for k in footer_keys(app) if k.has_class("-disabled")]
        assert disabled == ["ctrl+o"]  # no opening a stored run over a live one


async def test_at_80_columns_the_footer_keeps_the_solve_keys_first() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_footer(pilot)
        keys = shown_keys(app)
        assert keys[:4] == ["ctrl+n", "ctrl+t", "f2", "ctrl+o"]
        assert "ctrl+f" not in keys  # no room: the palette has it
        await pilot.resize_terminal(160, 48)
        await wait_footer(pilot)
        assert "ctrl+f" in shown_keys(app)


async def test_esc_without_a_run_brings_the_focus_back_to_the_prompt() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await feed(app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
        await settle(pilot)
        app.screen.query(StepHeader).last().focus()
        await pilot.pause()
        await pilot.press("escape")
        assert isinstance(app.focused, PromptBox)
        app.screen.query_one(StepList).focus()
        await pilot.press("escape")
        assert isinstance(app.focused, PromptBox)
        assert screen.state == "done"


async def test_esc_during_a_run_cancels_it_and_a_second_esc_goes_to_the_prompt() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = solve_screen(app)
        screen.begin_run(PROBLEM, RunSettings())
        app.screen.query_one(StepList).focus()
        await pilot.press("escape")
        assert screen.state == "cancelled"
        await pilot.press("escape")
        assert isinstance(app.focused, PromptBox)


async def run_palette(pilot: Any, query: str) -> None:
    """Open the palette, type, and take the first hit."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    palette = app.screen
    await wait_for(pilot, lambda: palette.query_one("CommandList").option_count > 0)
    await pilot.pause(0.2)  # the search settles
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))


@pytest.mark.parametrize(
    ("query", "paradigm", "reinforce"),
    [("g1", "g1", "self"), ("direct", "direct", "self"), ("guided", "dcot", "guided")],
)
async def test_the_palette_finds_paradigms_and_guided_by_name(
    query: str, paradigm: str, reinforce: str
) -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await run_palette(pilot, query)
        await wait_for(
            pilot,
            lambda: (
                (app.session.settings.paradigm, app.session.settings.reinforce)
                == (paradigm, reinforce)
            ),
        )
        assert f"paradigm {paradigm}" in screen_text(app)


async def test_palette_commands_name_their_keys() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert helps["Set model"].startswith("F2")
        assert helps["Set budget"].startswith("F4")
        assert helps["Toggle raw math"].startswith("F9")
        assert helps["Grade screen"].startswith("Ctrl+G")


async def test_a_typed_model_name_in_the_palette_help_stays_text() -> None:
    from textual.content import Content

    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        evil = "[@click=app.quit]x[/] [bold]b"
        app.set_model(evil)
        await pilot.pause()
        helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
        # The palette renders help as markup (Content.from_markup): it must read as typed.
        assert evil in Content.from_markup(helps["Set model"]).plain
        await run_palette(pilot, "Set model")
        assert app.is_running


@pytest.mark.parametrize("key", ["ctrl+s", "ctrl+g", "ctrl+b", "ctrl+f"])
async def test_esc_closes_the_keys_panel_on_every_screen(key: str) -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        app.action_show_help_panel()
        await pilot.pause()
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_typing_on_the_transcript_or_step_list_goes_to_the_prompt() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await feed(app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
        await settle(pilot)
        header = app.screen.query(StepHeader).first()
        header.focus()
        await pilot.press("space")  # space still folds the step
        assert header.parent.collapsed  # type: ignore[union-attr]
        await pilot.press(*"Why")
        box = app.screen.query_one(PromptBox)
        assert app.focused is box and box.text == "Why"
        app.screen.query_one(StepList).focus()
        await pilot.press(*"?")
        assert app.focused is box and box.text == "Why?"


async def test_at_80_columns_the_grade_footer_keeps_every_grading_key() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+g")
        await wait_footer(pilot)
        keys = shown_keys(app)
        for key in ("f", "p", "z", "colon", "n", "u", "right_square_bracket"):
            assert key in keys
