"""Copying from the TUI: the answer, a step, the whole transcript or the run id (Solve's F7),
and a run's id from History and Grade (c). Asserts on what the app put on its clipboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_tui_screens import make_db, seed_runs
from test_tui_solve import GOOD_RUN, PROBLEM, feed, run_events, settle, solve_screen
from tui_helpers import SIZE, fixed_app, notes_of, wait_for

from store.queries import get_run
from tui.screens.copy_modal import CopyModal
from tui.widgets.step_block import StepBlock
from tui.widgets.step_list import StepList


async def finished_run(pilot: Any) -> None:
    await feed(pilot.app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
    await settle(pilot)


async def copy(pilot: Any, letter: str) -> None:
    await pilot.press("f7")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CopyModal))
    await pilot.press(letter)
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CopyModal))


async def test_f7_t_copies_the_whole_transcript_as_markdown() -> None:
    app = fixed_app()
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await finished_run(pilot)
        await copy(pilot, "t")
        text = app.clipboard
        assert text.startswith("dcot")  # the run's header line
        assert f"## Prompt\n\n{PROBLEM}" in text
        # Every step in order, under its label, with budget and reward; LaTeX as written.
        heads = [line for line in text.splitlines() if line.startswith("## ")][1:]
        assert heads == [
            "## Thinking",
            "## Step 1 · Subtract 3 — budget 19",
            "## Reflection — reward 0.90",
            "## Step 2 · Double — budget 18",
            "## Reflection — reward 0.60",
            "## Answer",
            "## Final reflection — reward 0.95",
        ]
        assert "$\\frac{x}{2} = 4$" in text
        assert text.rstrip().endswith("12.5 s")  # how it ended
        assert "✓ done" in text
        assert notes[-1].startswith("Copied the transcript (7 steps) to the clipboard (")


async def test_f7_s_copies_the_step_whose_header_has_the_focus_else_the_picked_or_last() -> None:
    app = fixed_app()
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await finished_run(pilot)
        await copy(pilot, "s")  # nothing picked: the latest step
        assert app.clipboard == "Checked: $8/2 + 3 = 7$."
        assert notes[-1].startswith("Copied Final reflection — reward 0.95 to the clipboard")
        blocks = {b.index: b for b in app.screen.query(StepBlock)}
        blocks[2].header.focus()
        await pilot.pause()
        await copy(pilot, "s")
        assert app.clipboard == "**Subtract 3**\n$\\frac{x}{2} = 4$"
        assert notes[-1].startswith("Copied Step 1 · Subtract 3 — budget 19 to the clipboard")
        step_list = app.screen.query_one(StepList)
        step_list.focus()
        step_list.highlighted = 2  # the first reflection, picked in the sidebar
        await pilot.pause()
        await copy(pilot, "s")
        assert app.clipboard == "Correct so far."


async def test_f7_a_and_f8_copy_the_answer() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await finished_run(pilot)
        await copy(pilot, "a")
        assert app.clipboard == "$x = 8$"
        app.copy_to_clipboard("")
        await pilot.press("f8")
        assert app.clipboard == "$x = 8$"


async def test_the_run_id_of_an_opened_run_and_none_for_an_unstored_one(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await finished_run(pilot)  # fed by hand: never stored
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, CopyModal))
        await pilot.press("i")  # not offered: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, CopyModal) and app.clipboard == ""
        await pilot.press("escape")
        detail = get_run(db, ids["j1"])
        assert detail is not None
        solve_screen(app).show_stored(detail)
        await settle(pilot)
        await copy(pilot, "i")
        assert app.clipboard == str(ids["j1"])
        assert notes[-1] == f"Copied run id {ids['j1']} to the clipboard (1 character)."
        await copy(pilot, "t")
        assert f"run #{ids['j1']}" in app.clipboard.splitlines()[0]


async def test_c_copies_the_run_id_in_history_and_grade(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: app.screen.id == "history")
        await pilot.press("j", "c")  # the second newest
        assert app.clipboard == str(ids["j2"])
        assert notes[-1] == f"Copied run id {ids['j2']} to the clipboard."
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.screen.id == "grade")
        await pilot.press("c")
        assert app.clipboard == str(ids["free"])


async def test_the_copy_keys_are_in_the_footer_and_the_palette(tmp_path: Path) -> None:
    from test_tui_keys import shown_keys, wait_footer

    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_footer(pilot)
        assert "f7" in shown_keys(app)
        await finished_run(pilot)
        names = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Copy answer", "Copy…", "Copy step", "Copy transcript"):
            assert title in names
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: app.screen.id == "history")
        await wait_footer(pilot)
        assert "c" in shown_keys(app)
        assert "Copy run id" in [c.title for c in app.get_system_commands(app.screen)]
