"""Import problems from a spreadsheet or JSON file, from anywhere in the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App

from tui.screens.ask import AskModal, Field
from tui.text import safe_text

SUFFIXES = (".xlsx", ".csv", ".jsonl", ".json")


def ask_and_import(app: App[Any], db: Any) -> None:
    """Ask for a file (and a dataset name), import it all or nothing, say what happened."""

    def check(values: tuple[str, ...]) -> str | None:
        path = Path(values[0].strip()).expanduser()
        if not values[0].strip():
            return "Give the path of a .xlsx, .csv, .jsonl or .json file."
        if not path.is_file():
            return f"No such file: {safe_text(str(path))}"
        if path.suffix.lower() not in SUFFIXES:
            return "Ponder imports .xlsx, .csv, .jsonl and .json files."
        return None

    def done(values: tuple[str, ...] | None) -> None:
        if values is not None:
            import_now(app, db, Path(values[0].strip()).expanduser(), values[1].strip() or None)

    app.push_screen(
        AskModal(
            "Import problems",
            [
                Field(
                    "File (.xlsx .csv .jsonl .json .parquet)",
                    "",
                    placeholder="~/exams/jee-2024.xlsx",
                ),
                Field("Dataset name (empty: the file's name)", ""),
            ],
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
