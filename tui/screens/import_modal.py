"""Import problems from a spreadsheet or JSON file, from anywhere in the app."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, DirectoryTree, Input, Label

from ponder.text import safe_text
from tui.screens.ask import AskModal, Field

SUFFIXES = (".xlsx", ".csv", ".jsonl", ".json", ".parquet")


class ProblemFiles(DirectoryTree):
    """Folders and the files Ponder can import; hidden ones left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.suffix.lower() in SUFFIXES or _is_dir(p))
        ]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder we may not read: left out
        return False


class ImportModal(AskModal):
    """The file (typed, or picked in the tree below it) and the dataset name."""

    def __init__(self, fields: list[Field], root: Path, **kwargs: Any) -> None:
        super().__init__("Import problems", fields, **kwargs)
        self.root = root
        self.add_class("import-modal")

    def compose(self) -> ComposeResult:
        file_field, name_field = self.fields
        with Vertical(classes="modal-box"):
            yield Label(Content(self.title_text), classes="modal-title", markup=False)
            yield Label(Content(file_field.label), classes="modal-label", markup=False)
            yield Input(file_field.value, placeholder=file_field.placeholder, id="field-0")
            yield ProblemFiles(self.root, id="import-tree")
            yield Label(Content(name_field.label), classes="modal-label", markup=False)
            yield Input(name_field.value, placeholder=name_field.placeholder, id="field-1")
            yield Label("", id="modal-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(DirectoryTree.FileSelected, "#import-tree")
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        """A file picked in the tree fills the path; the name is next."""
        event.stop()
        self.query_one("#field-0", Input).value = str(_shown_path(event.path))
        self.query_one("#field-1", Input).focus()


def _shown_path(path: Path) -> Path:
    """The path relative to here when it is below here (shorter to read), else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path.resolve()


def ask_and_import(app: App[Any], db: Any) -> None:
    """Ask for a file (and a dataset name), import it all or nothing, say what happened."""

    def check(values: tuple[str, ...]) -> str | None:
        path = Path(values[0].strip()).expanduser()
        if not values[0].strip():
            return "Give the path of a .xlsx, .csv, .jsonl or .json file."
        if not path.is_file():
            return f"No such file: {safe_text(str(path))}"
        if path.suffix.lower() not in SUFFIXES:
            return "Ponder imports .xlsx, .csv, .jsonl, .json and .parquet files."
        return None

    def done(values: tuple[str, ...] | None) -> None:
        if values is not None:
            import_now(app, db, Path(values[0].strip()).expanduser(), values[1].strip() or None)

    app.push_screen(
        ImportModal(
            [
                Field(
                    "File (.xlsx .csv .jsonl .json .parquet), or Tab to browse",
                    "",
                    placeholder="~/exams/jee-2024.xlsx",
                ),
                Field("Dataset name (empty: the file's name)", ""),
            ],
            Path.cwd(),
            validate=check,
        ),
        done,
    )


def import_now(app: App[Any], db: Any, path: Path, dataset: str | None) -> bool:
    """Import `path`; a bad file is one error line and nothing imported."""
    from store.problems import ImportProblem, import_file

    try:
        result = import_file(db, path, dataset)
    except ImportProblem as exc:
        app.notify(safe_text(str(exc)), severity="error", markup=False, timeout=10)
        return False
    except (OSError, ValueError) as exc:
        app.notify(
            safe_text(f"Cannot import {path}: {exc}"), severity="error", markup=False, timeout=10
        )
        return False
    line = f"{result.dataset}: {result.added} added, {result.updated} updated" + (
        f", {result.skipped} empty rows skipped" if result.skipped else ""
    )
    if result.format != "columns":
        line += f" ({result.format_label})"
    app.notify(safe_text(line), markup=False, timeout=8)
    for warning in result.warnings[:3]:
        app.notify(safe_text(warning), severity="warning", markup=False, timeout=8)
    changed = getattr(app.screen, "datasets_changed", None)
    if changed is not None:
        changed()
    return True
