"""Solve a stored problem from the TUI: F6 picks a dataset and a problem (with a search), the
run is tied to the problem, and Ctrl+R keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLM, dcot_responder
from textual.pilot import Pilot
from textual.widgets import OptionList, Select
from tui_helpers import fixed_app, screen_text, wait_for

from store.db import open_db
from store.problems import ensure_bundled, get_problem
from tui.app import PonderApp
from tui.screens.pick_problem import ProblemPickerModal
from tui.screens.solve import SolveScreen

SIZE = (160, 48)


@pytest.fixture
def openai_env(openai_env: FakeLLM) -> FakeLLM:
    """conftest's, answering every request with a dcot transcript."""
    openai_env.responder = dcot_responder
    return openai_env


def runs(db: Any) -> list[tuple[Any, ...]]:
    return db.execute("select id, problem_id, prompt, status from runs order by id").fetchall()


async def ready(pilot: Pilot[Any]) -> SolveScreen:
    app = pilot.app
    await wait_for(pilot, lambda: not app.provider_state.resolving)  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, SolveScreen)
    return screen


async def test_f6_searches_a_dataset_and_solves_the_problem_tied_to_it(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    db = open_db(tmp_path / "p.db")
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProblemPickerModal))
        modal = app.screen
        assert isinstance(modal, ProblemPickerModal)
        assert modal.dataset == "ponder-mixed"
        await pilot.press(*"resistors")  # the search box has the focus
        await wait_for(pilot, lambda: len(modal.shown) == 1)
        assert "1 of 38 match" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.state == "done")
        problem = get_problem(db, "ponder-mixed", "6")
        assert problem is not None
        ((run_id, problem_id, prompt, status),) = runs(db)
        assert (problem_id, prompt, status) == (problem.id, problem.text, "done")
        # The run's header names the problem (the chat followed the run to its answer: up).
        app.screen.query_one("#chat").scroll_home(animate=False)
        await wait_for(pilot, lambda: "ponder-mixed:6" in screen_text(app))
        # Ctrl+R solves it again, still tied to the problem (so both can be graded).
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(runs(db)) == 2 and screen.state == "done")
        assert [r[1] for r in runs(db)] == [problem.id, problem.id]


async def test_rerun_of_an_opened_stored_run_keeps_its_problem(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    db = open_db(tmp_path / "p.db")
    ensure_bundled(db)
    problem = get_problem(db, "ponder-mixed", "3")
    assert problem is not None
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.start_run(problem.text, problem_id=problem.id)
        await wait_for(pilot, lambda: screen.state == "done")
        await pilot.press("ctrl+n")
        first = runs(db)[0][0]
        from store.queries import get_run

        detail = get_run(db, first)
        assert detail is not None
        screen.show_stored(detail)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(runs(db)) == 2 and screen.state == "done")
        assert runs(db)[1][1] == problem.id


async def test_switching_dataset_lists_its_problems_and_esc_cancels(tmp_path: Path) -> None:
    db = open_db(tmp_path / "p.db")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, ProblemPickerModal))
        modal = app.screen
        assert isinstance(modal, ProblemPickerModal)
        modal.query_one(Select).value = "ponder-proofs"
        await wait_for(pilot, lambda: modal.dataset == "ponder-proofs")
        assert len(modal.shown) == 10
        assert modal.query_one(OptionList).option_count == 10
        await pilot.press("down", "down")
        assert modal.query_one(OptionList).highlighted == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SolveScreen))
        assert runs(db) == []


async def test_without_datasets_the_picker_says_how_to_import(tmp_path: Path) -> None:
    modal = ProblemPickerModal([], lambda name: [])
    app = fixed_app(None)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(modal)
        await pilot.pause()
        assert "F10 imports a sheet" in screen_text(app)


def _picker_snapshot(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> bool:
    db = open_db(tmp_path / "p.db")

    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProblemPickerModal))
        await pilot.press(*"option")
        await pilot.pause()

    return bool(snap_compare(fixed_app(db), terminal_size=size, run_before=before))


def test_snapshot_problem_picker_80x24(snap_compare: Any, tmp_path: Path) -> None:
    assert _picker_snapshot(snap_compare, tmp_path, (80, 24))


def test_snapshot_problem_picker_160x48(snap_compare: Any, tmp_path: Path) -> None:
    assert _picker_snapshot(snap_compare, tmp_path, (160, 48))
