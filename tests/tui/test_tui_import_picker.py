"""The import dialog (F10) has a file picker: a tree of folders and importable files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input
from tui_helpers import fixed_app, screen_text, still_cursors, wait_for

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
        still_cursors(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()

    return bool(
        snap_compare(fixed_app(open_db(tmp_path / "p.db")), terminal_size=size, run_before=before)
    )


def test_snapshot_import_dialog_80x24(snap_compare: Any, here: Path, tmp_path: Path) -> None:
    assert _snapshot(snap_compare, here, tmp_path, (80, 24))


def test_snapshot_import_dialog_160x48(snap_compare: Any, here: Path, tmp_path: Path) -> None:
    assert _snapshot(snap_compare, here, tmp_path, (160, 48))


# ---- going up, typed folders, Tab completion, 80x24 ----------------------------------------


async def test_backspace_in_the_tree_goes_up_a_folder(
    here: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(here / "exams")  # started below the sheet: it is one folder up
    db = open_db(tmp_path / "p.db")
    app = fixed_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        tree = modal.query_one(ProblemFiles)
        assert [str(n.label) for n in tree.root.children] == ["later.jsonl"]
        tree.focus()
        await pilot.press("backspace")
        await wait_for(pilot, lambda: [str(n.label) for n in tree.root.children][:1] == ["exams"])
        assert "In ../" in screen_text(app)
        await pilot.press("down", "down", "enter")  # root -> exams -> algebra.csv
        field = modal.query_one("#field-0", Input)
        await wait_for(pilot, lambda: field.value.endswith("algebra.csv"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportModal))
        assert len(list_problems(db, "algebra")) == 2


async def test_the_up_button_goes_up_a_folder(
    here: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(here / "exams")
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(160, 48)) as pilot:
        modal = await open_import(pilot)
        tree = modal.query_one(ProblemFiles)
        await pilot.click("#import-up")
        await wait_for(pilot, lambda: "algebra.csv" in [str(n.label) for n in tree.root.children])


async def test_enter_on_a_typed_folder_shows_it_in_the_tree(
    here: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(here / "exams")
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        tree = modal.query_one(ProblemFiles)
        await pilot.press(*"../", "enter")
        await wait_for(pilot, lambda: "algebra.csv" in [str(n.label) for n in tree.root.children])
        assert app.focused is tree
        assert "No such file" not in screen_text(app)


async def test_tab_completes_a_file_and_a_folder(here: Path, tmp_path: Path) -> None:
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        field = modal.query_one("#field-0", Input)
        await pilot.press(*"alg", "tab")
        await wait_for(pilot, lambda: field.value == "algebra.csv")
        assert app.focused is field
        field.value = ""
        await pilot.press(*"ex", "tab")
        await wait_for(pilot, lambda: field.value == "exams/")
        tree = modal.query_one(ProblemFiles)
        await wait_for(pilot, lambda: [str(n.label) for n in tree.root.children] == ["later.jsonl"])
        await pilot.press("tab")  # the one name in it
        await wait_for(pilot, lambda: field.value == "exams/later.jsonl")


async def test_tab_with_several_names_lists_them_then_goes_on_to_the_tree(
    here: Path, tmp_path: Path
) -> None:
    (here / "algebra2.jsonl").write_text('{"question": "q", "answer": "1"}\n')
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        field = modal.query_one("#field-0", Input)
        await pilot.press(*"a", "tab")
        await wait_for(pilot, lambda: field.value == "algebra")
        text = screen_text(app)
        assert "algebra.csv" in text and "algebra2.jsonl" in text
        await pilot.press("tab")
        await wait_for(pilot, lambda: isinstance(app.focused, ProblemFiles))


async def test_ok_and_cancel_are_on_screen_at_80x24(here: Path, tmp_path: Path) -> None:
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await open_import(pilot)
        for button in ("#ok", "#cancel", "#import-up"):
            region = modal.query_one(button).region
            assert region.height > 0 and region.bottom <= 24 and region.right <= 80, button
        await pilot.click("#cancel")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportModal))


async def test_ok_on_a_folder_says_to_pick_a_file(here: Path, tmp_path: Path) -> None:
    app = fixed_app(open_db(tmp_path / "p.db"))
    async with app.run_test(size=(160, 48)) as pilot:
        modal = await open_import(pilot)
        modal.query_one("#field-0", Input).value = "exams"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: "That is a folder" in screen_text(app))
        assert isinstance(app.screen, ImportModal)
