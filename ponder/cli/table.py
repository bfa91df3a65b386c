"""Plain aligned tables that fit the terminal: on a narrow one the columns of lowest priority
narrow, then go (ponder.columns), so `runs` and `scores` read at 80 columns."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence

from ponder.columns import Fit, fit_columns

GAP = 2
# What a column is worth keeping, by header (higher stays longer); a header not named here
# ranks below these, earlier columns above later ones. The paradigm stays with the model: it
# is what tells a bench's rows apart.
PRIORITY: Mapping[str, int] = {
    "id": 100,
    "dataset": 95,
    "paradigm": 95,
    "technique": 95,
    "model": 90,
    "status": 80,
    "problem": 75,
    "total/scored": 85,
    "mean": 80,
    "with": 85,
    "without": 85,
    "grade": 70,
    "mean diff": 75,
    "paired on": 70,
    "answer": 60,
    "pending": 60,
    "protocol": 58,
    "failed": 55,
    "planned": 52,
    "done": 52,
    "95% CI": 50,
    "p": 50,
    "verdict": 45,
    "reward": 40,
    "cost": 40,
    "marks": 35,
    "full/part/zero": 30,
    "started": 30,
}
# The narrowest a text column is still of use at (the others keep their width or go).
LEAST: Mapping[str, int] = {"model": 12, "problem": 12, "answer": 12, "verdict": 24}


def terminal_width() -> int | None:
    """The terminal's columns (COLUMNS when set) when the output is read there; None for a
    pipe or a file, whose reader is a program: it gets every column."""
    if not sys.stdout.isatty():
        return None
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size((120, 24)).columns


def fitted(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None
) -> tuple[list[int], list[int]]:
    """The indexes of the columns kept and their widths, for `width` columns (None: all)."""
    natural = [max(len(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    if width is None:
        return list(range(len(headers))), natural
    n = len(headers)
    fits = [
        Fit(
            str(i),
            natural[i],
            min(natural[i], max(len(h), LEAST.get(h, natural[i]))),
            PRIORITY.get(h, 10) * 100 + (n - i),  # ties: the earlier column first
        )
        for i, h in enumerate(headers)
    ]
    kept = fit_columns(fits, width, gap=GAP)
    return [int(k) for k in kept], list(kept.values())


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def table_lines(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: set[int],
    width: int | None,
) -> list[str]:
    """The table's lines: columns in `right` right-aligned (numbers), fitted to `width`."""
    keep, widths = fitted(headers, rows, width)
    lines = []
    for row in (headers, *rows):
        parts = [
            cut(row[i], w).rjust(w) if i in right else cut(row[i], w).ljust(w)
            for i, w in zip(keep, widths, strict=True)
        ]
        lines.append((" " * GAP).join(parts).rstrip())
    return lines
