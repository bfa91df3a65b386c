"""Importing a problem set without leaving the TUI (F10 or the palette)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select

from store.db import open_db
from store.problems import list_datasets
from tui.app import PonderApp, ProviderState
from tui.screens.ask import AskModal

SEED = Path(__file__).resolve().parents[3] / "shared" / "data" / "seed" / "putnam_dataset.xlsx"


def app_for(db) -> PonderApp:
    return PonderApp(
        db=db, provider_state=ProviderState(problem="no provider here", resolving=False)
    )


async def fill_and_send(pilot, app: PonderApp, path: str, dataset: str = "") -> None:
    await pilot.press("f10")
    await pilot.pause()
    assert isinstance(app.screen, AskModal)
    app.screen.query_one("#field-0", Input).value = path
    app.screen.query_one("#field-1", Input).value = dataset
    await pilot.press("enter", "enter")
    await pilot.pause()


@pytest.mark.skipif(not SEED.exists(), reason="the seed spreadsheets are beside the checkout in CI")
async def test_f10_imports_a_seed_spreadsheet_and_the_bench_screen_offers_it(tmp_path):
    db = open_db(tmp_path / "t.db")
    app = app_for(db)
    notes: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("ctrl+b")
        await pilot.pause()
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await fill_and_send(pilot, app, str(SEED), "putnam")
        assert any("putnam: 28 added" in n for n in notes), notes
        options = [str(v) for _, v in app.screen.query_one("#bench-dataset", Select)._options]
        assert "putnam" in options
    assert {d["name"]: d["problems"] for d in list_datasets(db)}["putnam"] == 28


WRITE_UP = SEED.with_name("experiment-o1.xlsx")


@pytest.mark.skipif(not WRITE_UP.exists(), reason="the seed spreadsheets are beside the checkout")
async def test_f10_says_what_a_sheets_verdict_columns_became(tmp_path):
    db = open_db(tmp_path / "t.db")
    app = app_for(db)
    notes: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await fill_and_send(pilot, app, str(WRITE_UP), "jee")
        line = (
            "jee: 47 added, 0 updated; 140 recorded results graded by experiment-o1.xlsx (140 new)"
        )
        assert line in notes, notes


async def test_a_broken_file_is_one_error_and_nothing_imported(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("title,notes\nx,y\n")  # no question column
    db = open_db(tmp_path / "t.db")
    app = app_for(db)
    errors: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        app.notify = lambda message, severity="information", **kw: (  # type: ignore[method-assign]
            errors.append(message) if severity == "error" else None
        )
        await fill_and_send(pilot, app, str(bad))
    assert len(errors) == 1 and "question" in errors[0].lower()
    assert "broken" not in {d["name"] for d in list_datasets(db)}


async def test_a_missing_file_is_refused_in_the_modal(tmp_path):
    db = open_db(tmp_path / "t.db")
    app = app_for(db)
    async with app.run_test(size=(160, 48)) as pilot:
        await fill_and_send(pilot, app, str(tmp_path / "nope.xlsx"))
        assert isinstance(app.screen, AskModal)  # still open, saying why
