"""The import dialog (F10) has a file picker: a tree of folders and importable files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input
from tui_helpers import fixed_app, screen_text, wait_for

from store.db import open_db
from store.problems import list_problems
from tui.screens.import_modal import ImportModal, ProblemFiles


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder to start in: a sheet, a folder, and files Ponder cannot import."""
    (tmp_path / "exams").mkdir()
    (tmp_path / "exams" / "later.jsonl").write_text('{"question": "q", "answer": "1"}\n')
    (tmp_path / "algebra.csv").write_text("question,answer\nWhat is 2+3?,5\nWhat is 7-4?,3\n")
    (tmp_path / "notes.txt").write_text("not a problem set")
    (tmp_path / ".hidden.csv").write_text("question,answer\nq,1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def open_import(pilot: Pilot[Any]) -> ImportModal:
    await pilot.press("f10")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ImportModal))
    modal = pilot.app.screen
    assert isinstance(modal, ImportModal)
    tree = modal.query_one(ProblemFiles)
    await wait_for(pilot, lambda: len(tree.root.children) > 0)
    return modal


async def test_the_tree_lists_folders_and_importable_files_only(here: Path, tmp_path: Path):
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(160, 48)) as pilot:
        modal = await open_import(pilot)
        tree = modal.query_one(ProblemFiles)
        names = [str(node.label) for node in tree.root.children]
        assert names == ["exams", "algebra.csv"]


async def test_picking_a_file_in_the_tree_fills_the_path_and_imports_it(here: Path, tmp_path: Path):
    db = open_db(tmp_path / "p.db")
    app = fixed_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        await pilot.press("tab")  # from the path to the tree
        assert isinstance(app.focused, DirectoryTree)
        await pilot.press("down", "down", "enter")  # root -> exams -> algebra.csv
        await wait_for(pilot, lambda: modal.query_one("#field-0", Input).value == "algebra.csv")
        assert app.focused is modal.query_one("#field-1", Input)
        await pilot.press(*"alg", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportModal))
        assert [p.text for p in list_problems(db, "alg")] == ["What is 2+3?", "What is 7-4?"]


async def test_a_typed_path_still_works_and_a_bad_one_is_refused(here: Path, tmp_path: Path):
    db = open_db(tmp_path / "p.db")
    app = fixed_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        modal = await open_import(pilot)
        await pilot.press(*"notes.txt", "enter", "enter")
        await wait_for(pilot, lambda: "Ponder imports" in screen_text(app))
        modal.query_one("#field-0", Input).value = "exams/later.jsonl"
        modal.query_one("#field-0", Input).focus()
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportModal))
        assert len(list_problems(db, "later")) == 1


def _snapshot(snap_compare: Any, here: Path, tmp_path: Path, size: tuple[int, int]) -> bool:
    async def before(pilot: Pilot[Any]) -> None:
        await open_import(pilot)
        await pilot.pause()

    return bool(
        snap_compare(fixed_app(open_db(tmp_path / "p.db")), terminal_size=size, run_before=before)
    )


def test_snapshot_import_dialog_80x24(snap_compare: Any, here: Path, tmp_path: Path) -> None:
    assert _snapshot(snap_compare, here, tmp_path, (80, 24))


def test_snapshot_import_dialog_160x48(snap_compare: Any, here: Path, tmp_path: Path) -> None:
    assert _snapshot(snap_compare, here, tmp_path, (160, 48))
