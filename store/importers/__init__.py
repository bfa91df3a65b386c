"""Reading problem sets from files: the container (files), then a published format by its fields
(published) or any table by its column names (columns), into problems to store (rows)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from store.importers.columns import find_roles, from_columns, header_has_question
from store.importers.files import EXTENSIONS, ImportProblem, read_table
from store.importers.published import LABELS, from_published, recognise
from store.importers.recorded import (
    RecordedResult,
    from_results,
    is_results_header,
    verdict_columns,
)
from store.importers.rows import NewProblem, Warnings

__all__ = [
    "COLUMNS",
    "EXTENSIONS",
    "FORMAT_LABELS",
    "ImportProblem",
    "NewProblem",
    "ReadSet",
    "RecordedResult",
    "read_bytes",
    "read_set",
]

COLUMNS = "columns"  # the format of a table read by its column names
RESULTS = "results"  # a file of recorded results (key, model, verdict...), no problems
FORMAT_LABELS = {**LABELS, COLUMNS: "columns", RESULTS: "recorded results"}


@dataclass(frozen=True)
class ReadSet:
    """A problem set read from a file, not yet stored."""

    problems: list[NewProblem]
    skipped: int
    format: str  # a published format's name, or "columns"
    recognised: str  # one line: the format recognised and the fields or columns it used
    warnings: tuple[str, ...]
    content_hash: str
    # Results recorded elsewhere: a sheet's verdict columns, or a whole results file.
    recorded: tuple[RecordedResult, ...] = ()


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or one line saying why they cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportProblem(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ImportProblem(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_set(path: Path, data: bytes) -> ReadSet:
    """Read a file's problems: a published set by its fields, else a table by its columns
    (with the results of its verdict columns), else a file of recorded results."""
    warnings = Warnings()
    decode_warnings: list[str] = []
    table = read_table(path, data, decode_warnings, _is_header)
    warnings.extend(decode_warnings)
    digest = hashlib.sha256(data).hexdigest()
    recorded: list[RecordedResult] = []
    try:
        if not header_has_question(table.headers) and is_results_header(table.headers):
            recorded = from_results(table, warnings)
            recognised = f"recorded results ({len(recorded)} results)"
            return ReadSet([], 0, RESULTS, recognised, warnings.lines(), digest, tuple(recorded))
        found = recognise(table)
        if found is not None:
            fmt, records = found
            problems, skipped = from_published(fmt, table, records, warnings)
            name, recognised = fmt.name, f"{fmt.label} (fields {fmt.fields})"
        else:
            keys: dict[int, str] = {}
            problems, skipped, used = from_columns(table, warnings, keys)
            roles = set(find_roles(table.headers).values())
            recorded = verdict_columns(table, keys, roles, warnings)
            name, recognised = COLUMNS, f"a table read by its column names ({used})"
    except RecursionError:  # cells nested deeper than Python can turn into text
        raise ImportProblem("JSON nested too deeply") from None
    return ReadSet(problems, skipped, name, recognised, warnings.lines(), digest, tuple(recorded))


def _is_header(cells: list[str]) -> bool:
    return header_has_question(cells) or is_results_header(cells)
