"""Export runs or the score table to CSV from a screen: ask where and what, write, say so."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from textual.screen import Screen

from ponder.text import safe_text
from tui.screens.ask import AskModal, Field

What = Literal["runs", "scores"]
_HELP = {"runs": "runs (each run with its grade)", "scores": "scores (the score table)"}


def ask_and_export(
    screen: Screen[Any],
    db: sqlite_utils.Database,
    dataset: str | None,
    default: What,
    suffix: str,
) -> None:
    """Ask for a file and runs/scores (default first), then export; errors are notified."""
    other: What = "scores" if default == "runs" else "runs"
    from store.problems import file_part

    stem = f"ponder-{file_part(dataset)}" if dataset else "ponder"

    def check(values: tuple[str, ...]) -> str | None:
        if not values[0]:
            return "Give a file name."
        if values[1] not in ("runs", "scores"):
            return f"What to export: {default} or {other}."
        return None

    def done(values: tuple[str, ...] | None) -> None:
        if values is not None:
            export(screen, db, Path(values[0]).expanduser(), values[1], dataset)  # type: ignore[arg-type]

    screen.app.push_screen(
        AskModal(
            "Export to CSV",
            [
                Field("File", f"{stem}-{suffix}.csv"),
                Field(
                    f"{_HELP[default]} or {_HELP[other]}"
                    + (f" — dataset {dataset}" if dataset else " — every dataset"),
                    default,
                ),
            ],
            validate=check,
        ),
        done,
    )


def export(
    screen: Screen[Any], db: sqlite_utils.Database, path: Path, what: What, dataset: str | None
) -> None:
    from store.export import export_runs_csv
    from workbench.scores import export_scores_csv

    try:
        if what == "scores":
            count = export_scores_csv(db, path, dataset)
        else:
            count = export_runs_csv(db, path, dataset)
    except OSError as exc:
        screen.notify(safe_text(f"Export failed: {exc}"), severity="error", markup=False)
        return
    # The full path: a relative one is relative to wherever `ponder` was started.
    where = path.resolve()
    screen.notify(safe_text(f"Wrote {count:,} {what} rows to {where}"), markup=False, timeout=8)
