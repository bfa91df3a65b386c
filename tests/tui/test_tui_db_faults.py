"""The database failing under the TUI: a read-only one refuses a solve (and a grade) up front in
one line while reading still works; a damaged one met in History is one line (the file, SQLite's
verdict, `ponder db check`), never a traceback."""

from __future__ import annotations

from pathlib import Path

from test_db_faults import damage_a_page_of_runs, record_runs
from test_tui_solve import solve_screen
from textual.widgets import Label
from tui_helpers import SIZE, fixed_app, screen_text, wait_for

from store.db import open_db
from tui.app import PonderApp
from tui.screens.history import HistoryScreen
from tui.widgets.prompt_box import PromptBox
from tui.widgets.run_view import RunView


def errors_of(app: PonderApp) -> list[str]:
    errors: list[str] = []

    def notify(message: object, **kw: object) -> None:
        if kw.get("severity") == "error":
            errors.append(str(message))

    app.notify = notify  # type: ignore[method-assign,assignment]
    return errors


async def test_a_read_only_database_refuses_a_solve_up_front_and_still_reads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ponder.db"
    record_runs(path, 3)
    app = fixed_app(open_db(path, read_only=True))  # its provider is never called
    errors = errors_of(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = solve_screen(app)
        box = app.screen.query_one(PromptBox)
        box.load_text("What is 2 + 2?")
        box.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.state == "idle" and not list(app.screen.query(RunView))
        (line,) = errors
        assert "\n" not in line and str(path) in line and "read-only" in line
        assert box.text == "What is 2 + 2?"  # kept, not sent
        await pilot.press("ctrl+f")  # reading still works
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await wait_for(pilot, lambda: list(history.table.keys()) == [3, 2, 1])
        await pilot.press("r")  # a re-run from History is refused the same way
        await pilot.pause()
        assert len(errors) == 2 and errors[1] == line
        await pilot.press("ctrl+g", "f")  # and a grade, in one line too
        await pilot.pause()
        assert "read-only: grades cannot be recorded" in errors[-1]
        assert str(path) in errors[-1]
    assert open_db(path).execute("select count(*) from grades").fetchone()[0] == 0


async def test_a_damaged_page_met_in_history_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "ponder.db"
    record_runs(path)
    damage_a_page_of_runs(path)
    app = fixed_app(open_db(path))
    errors = errors_of(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.pause()
        if not errors:  # the first page was readable: scroll into the damage, or search it
            await pilot.press("end")
            await pilot.pause()
        if not errors:
            await pilot.press("/", *"problem", "enter")
            await wait_for(pilot, lambda: bool(errors))
        (line,) = set(errors)  # said once, however often browsing meets it
        assert "\n" not in line and str(path) in line
        assert "malformed" in line and "ponder db check" in line
        status = app.screen.query_one("#history-status", Label)
        assert "ponder db check" in str(status.render())
        assert "Traceback" not in screen_text(app)
        await pilot.press("ctrl+s")  # the app goes on
        await pilot.pause()
        assert app.is_running and type(app.screen).__name__ == "SolveScreen"


async def test_a_database_from_a_newer_ponder_is_said_at_the_start(tmp_path: Path) -> None:
    from test_store_migrations import newer_database

    path = tmp_path / "newer.db"
    newer_database(path)
    db = open_db(path)
    app = fixed_app(db)
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("newer Ponder" in n and "read-only" in n for n in notes), notes
