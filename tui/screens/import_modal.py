"""Import problems from a spreadsheet or JSON file, from anywhere in the app."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DirectoryTree, Input, Label

from ponder.text import safe_text
from tui.screens.ask import AskModal, Field

SUFFIXES = (".xlsx", ".csv", ".jsonl", ".json", ".parquet")


class ProblemFiles(DirectoryTree):
    """Folders and the files Ponder can import; hidden ones left out. Backspace goes up to
    the folder above."""

    BINDINGS = [Binding("backspace", "up", "Up a folder")]

    class Rooted(Message):
        """The tree now shows another folder."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.suffix.lower() in SUFFIXES or _is_dir(p))
        ]

    def action_up(self) -> None:
        self.show(Path(self.path).resolve().parent)

    def show(self, folder: Path) -> None:
        """Show `folder` (a folder the path names, the one above)."""
        folder = folder.resolve()
        if folder != Path(self.path).resolve():
            self.path = folder
            self.post_message(self.Rooted())


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder we may not read: left out
        return False


def complete_path(typed: str) -> tuple[str, list[str]]:
    """Tab in the path: the path completed as far as the folder's entries agree (a folder ends
    in '/'), and the names that still match when more than one does."""
    path = Path(typed).expanduser()
    folder, prefix = (
        (path, "")
        if typed.endswith(("/", os.sep)) or not typed
        else (
            path.parent,
            path.name,
        )
    )
    try:
        entries = sorted(
            e
            for e in folder.iterdir()
            if e.name.startswith(prefix)
            and (prefix.startswith(".") or not e.name.startswith("."))
            and (_is_dir(e) or e.suffix.lower() in SUFFIXES)
        )
    except OSError:
        return typed, []
    names = [e.name + ("/" if _is_dir(e) else "") for e in entries]
    if not names:
        return typed, []
    common = os.path.commonprefix(names)  # noqa: RUF071 (names in one folder: by character)
    head = typed[: len(typed) - len(prefix)] if prefix else typed
    return head + common, names if len(names) > 1 else []


class PathInput(Input):
    """The file's path: Tab completes it (a second Tab, with nothing to complete, goes on to
    the tree)."""

    class Completed(Message):
        """Tab completed the path as far as it could; `choices` when more than one name fits."""

        def __init__(self, path_input: PathInput, choices: list[str]) -> None:
            super().__init__()
            self.path_input = path_input
            self.choices = choices

    _tabbed: str | None = None  # the text the last Tab left

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab" and self.value:
            completed, choices = complete_path(self.value)
            again = self._tabbed == self.value  # nothing typed since the last Tab
            if completed != self.value or (choices and not again):
                event.stop()
                event.prevent_default()
                self.value = completed
                self.cursor_position = len(completed)
                self._tabbed = completed
                self.post_message(self.Completed(self, choices))
                return
        self._tabbed = None
        await super()._on_key(event)


class ImportModal(AskModal):
    """The file (typed, completed with Tab, or picked in the tree below it) and the dataset
    name. A folder typed (Enter) or completed is shown in the tree; Backspace in the tree, or
    its Up button, goes to the folder above."""

    def __init__(self, fields: list[Field], root: Path, **kwargs: Any) -> None:
        super().__init__("Import problems", fields, **kwargs)
        self.root = root
        self.add_class("import-modal")

    def compose(self) -> ComposeResult:
        file_field, name_field = self.fields
        with Vertical(classes="modal-box"):
            yield Label(Content(self.title_text), classes="modal-title", markup=False)
            yield Label(Content(file_field.label), classes="modal-label", markup=False)
            yield PathInput(file_field.value, placeholder=file_field.placeholder, id="field-0")
            with Horizontal(id="import-where"):
                yield Label("", id="import-folder", markup=False)
                yield Button("Up", id="import-up", compact=True)
            yield ProblemFiles(self.root, id="import-tree")
            yield Label(Content(name_field.label), classes="modal-label", markup=False)
            yield Input(name_field.value, placeholder=name_field.placeholder, id="field-1")
            yield Label("", id="modal-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("OK", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:  # AskModal's on_mount (the first field's focus) runs too
        # Tab goes from the path to the list; the list's Backspace does what Up does.
        self.query_one("#import-up", Button).can_focus = False
        self._show_folder()

    @property
    def files(self) -> ProblemFiles:
        return self.query_one("#import-tree", ProblemFiles)

    def _show_folder(self) -> None:
        folder = Path(self.files.path)
        self.query_one("#import-folder", Label).update(
            Content(f"In {_folder_shown(folder)} (Backspace in the list: up)")
        )

    @on(ProblemFiles.Rooted)
    def _rooted(self, event: ProblemFiles.Rooted) -> None:
        event.stop()
        self._show_folder()

    @on(DirectoryTree.FileSelected, "#import-tree")
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        """A file picked in the tree fills the path; the name is next."""
        event.stop()
        self.query_one("#field-0", Input).value = str(_shown_path(event.path))
        self.query_one("#field-1", Input).focus()

    @on(PathInput.Completed)
    def _completed(self, event: PathInput.Completed) -> None:
        event.stop()
        folder = _folder_of(event.path_input.value)
        if folder is not None:
            self.files.show(folder)
        error = self.query_one("#modal-error", Label)
        shown = "  ".join(event.choices[:12]) + ("  …" if len(event.choices) > 12 else "")
        error.update(Content(safe_text(shown)) if event.choices else "")

    # Textual calls AskModal's handlers of these messages too, after these, unless prevented.
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "field-0":
            path = Path(event.value.strip() or ".").expanduser()
            if _is_dir(path):  # a folder: show it, and pick a file in it
                event.stop()
                event.prevent_default()
                self.files.show(path)
                self.query_one("#modal-error", Label).update("")
                self.files.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-up":
            event.stop()
            event.prevent_default()
            self.files.action_up()


def _folder_of(typed: str) -> Path | None:
    """The folder a typed path is in (itself when it names one), if it exists."""
    path = Path(typed).expanduser()
    for candidate in (path, path.parent):
        if str(candidate) and _is_dir(candidate):
            return candidate
    return None


def _folder_shown(path: Path) -> str:
    """A folder as a person reads it: from here (./, exams/, ../data/) when that is short,
    else from the home folder (~/) or the root."""
    path = path.resolve()
    rel = os.path.relpath(path, Path.cwd().resolve())
    if rel.split(os.sep).count("..") <= 2:
        return "./" if rel == "." else rel + "/"
    try:
        return "~/" + str(path.relative_to(Path.home())) + "/"
    except ValueError:
        return str(path).rstrip("/") + "/"


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
        if _is_dir(path):
            return "That is a folder: pick a file in the list, or type its name."
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
                    "File (.xlsx .csv .jsonl .json .parquet) · Tab completes",
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
    if result.recorded is not None:  # a sheet's verdict columns, or a results file
        line += (
            f"; {result.recorded.total} recorded results graded by {result.recorded.source}"
            f" ({result.recorded.added} new)"
        )
    app.notify(safe_text(line), markup=False, timeout=8)
    for warning in result.warnings[:3]:
        app.notify(safe_text(warning), severity="warning", markup=False, timeout=8)
    changed = getattr(app.screen, "datasets_changed", None)
    if changed is not None:
        changed()
    return True
