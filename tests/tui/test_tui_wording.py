"""The TUI's own wording: auto-grading that graded nothing says so (Grade), an export counts its
runs in words that agree with the number (History)."""

from __future__ import annotations

from pathlib import Path

from test_tui_screens import make_db, open_mode, record_run, seed_runs
from textual.widgets import Input
from tui_helpers import SIZE, fixed_app, notes_of, wait_for

from tui.screens.ask import AskModal


async def test_auto_grading_a_proof_says_nothing_was_graded(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+g")
        screen.table.select_key(ids["p2"])  # a proof: no automatic grader can mark it
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: bool(notes))
        assert notes == [  # not "Auto-graded: 1 needs human"
            "1 run needs a human: none could be graded automatically. Grade with f/p/z or points."
        ]


async def test_auto_grading_every_run_counts_what_it_graded(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_mode(pilot, "ctrl+g")
        await pilot.press("A")
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: any(n.startswith("Auto-graded") for n in notes))
        # p1, j1, j2 full; p3 zero; the proof and the free prompt need a human.
        assert notes[-1] == "Auto-graded 6 runs: 3 full, 0 partial, 1 zero, 2 need a human."
        await pilot.press("A")  # nothing left: said so, no grading
        await pilot.pause()
        assert notes[-1] == "Every run here has a grade already."


async def export_csv(pilot, path: Path) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AskModal))
    pilot.app.screen.query_one("#field-0", Input).value = str(path)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, AskModal))


async def test_history_export_says_wrote_1_run_and_wrote_n_runs(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    record_run(db, "Find the sum of 2 and 3.", "5", problem=("putnam_mini", "1"))
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await open_mode(pilot, "ctrl+f")
        one = tmp_path / "one.csv"
        await export_csv(pilot, one)
        assert notes[-1] == f"Wrote 1 run to {one.resolve()}"
        record_run(db, "Compute 7 times 6.", "42", problem=("putnam_mini", "3"))
        two = tmp_path / "two.csv"
        await export_csv(pilot, two)
        assert notes[-1] == f"Wrote 2 runs to {two.resolve()}"
