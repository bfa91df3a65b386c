"""Keys typed right after a key that switches screens, opens a modal or moves the focus are not
lost: each waits for the one before to take effect (tui/key_order.py)."""

from __future__ import annotations

from pathlib import Path

from test_tui_screens import grades, make_db, seed_runs
from test_tui_solve import GOOD_RUN, PROBLEM, feed, run_events, settle, solve_screen
from textual.widgets import Input
from tui_helpers import SIZE, fixed_app, screen_text, type_at_once, wait_for

from tui.screens.grade import save_grader_name
from tui.widgets.prompt_box import PromptBox
from tui.widgets.step_block import StepHeader


async def test_grade_keys_right_after_ctrl_g(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    save_grader_name("Ada")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+g", "f", "p")
        await wait_for(pilot, lambda: len(grades(db)) == 2)
        assert [(g[0], g[3]) for g in grades(db)] == [(ids["free"], "full"), (ids["j2"], "partial")]


async def test_the_grader_name_typed_as_the_modal_opens(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+g", "f", *"Ada", "enter")
        await wait_for(pilot, lambda: len(grades(db)) == 1)
        assert [(g[2], g[3]) for g in grades(db)] == [("Ada", "full")]


async def test_a_note_typed_through_both_fields_at_once(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    save_grader_name("Ada")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+g", "n", *"full", "enter", *"nice", "enter")
        await wait_for(pilot, lambda: len(grades(db)) == 1)
        assert [(g[3], g[7]) for g in grades(db)] == [("full", "nice")]


async def test_points_typed_at_once(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    save_grader_name("Ada")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+g", "7", "enter", "enter")
        await wait_for(pilot, lambda: len(grades(db)) == 1)
        assert [(g[5], g[6]) for g in grades(db)] == [(7.0, 10.0)]


async def test_history_search_typed_right_after_slash(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+f", "/", *"zebra")
        await wait_for(
            pilot, lambda: len(app.screen.query_one("#history-search", Input).value) == 5
        )
        assert app.screen.query_one("#history-search", Input).value == "zebra"


async def test_typing_right_after_opening_a_run_from_history_goes_to_the_prompt(
    tmp_path: Path,
) -> None:
    # Enter switches to the Solve screen, which takes its focus a paint later: the keys behind
    # it wait for the new focus chain to settle too.
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+f", "j", "enter", *"hello")

        def typed() -> str | None:
            boxes = app.screen.query(PromptBox)  # none while History is still on screen
            return boxes.first().text if boxes else None

        await wait_for(pilot, lambda: typed() == "hello")
        assert f"run #{ids['j2']}" in screen_text(app)


async def test_a_model_name_typed_as_the_picker_opens() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "f2", "ctrl+u", *"tiny", "enter")
        await pilot.pause()
        await wait_for(pilot, lambda: app.session.model is not None)
        assert app.session.model == "tiny"


async def test_a_run_id_typed_as_the_open_dialog_opens(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "ctrl+o", *str(ids["p1"]), "enter")
        await wait_for(pilot, lambda: f"run #{ids['p1']}" in screen_text(app))
        assert solve_screen(app).state == "read-only"


async def test_a_search_typed_as_the_problem_picker_opens(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await type_at_once(pilot, "f6", *"sum")
        await wait_for(pilot, lambda: len(app.screen.query("#problem-search").first().value) == 3)  # type: ignore[attr-defined]
        assert app.screen.query_one("#problem-search", Input).value == "sum"


async def test_ctrl_n_from_a_step_header_then_typing_goes_to_the_prompt() -> None:
    app = fixed_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(app, run_events(PROBLEM, GOOD_RUN, answer="8"))
        await settle(pilot)
        app.screen.query(StepHeader).first().focus()
        await pilot.pause()
        await type_at_once(pilot, "ctrl+n", *"hello")
        await wait_for(pilot, lambda: len(app.screen.query_one(PromptBox).text) == 5)
        assert app.screen.query_one(PromptBox).text == "hello"
