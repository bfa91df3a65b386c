"""Problem sets: import from files (see store/importers), the bundled sets, lookups."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlite_utils

from store.clock import now_iso
from store.importers import (
    COLUMNS,
    FORMAT_LABELS,
    RESULTS,
    ImportProblem,
    NewProblem,
    ReadSet,
    read_bytes,
    read_set,
)
from store.importers.rows import Warnings, is_content_key, stored_meta, worked_solution
from store.recorded import RecordedCounts, store_recorded

__all__ = [
    "FORMAT_LABELS",
    "ImportProblem",
    "ImportResult",
    "NewProblem",
    "Problem",
    "bundled_data_dir",
    "ensure_bundled",
    "get_problem",
    "import_file",
    "list_datasets",
    "list_problems",
]


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with dry_run, would do)."""

    dataset: str
    added: int
    updated: int
    skipped: int
    warnings: tuple[str, ...] = ()
    unchanged: int = 0
    format: str = COLUMNS  # the published format recognised, or "columns"
    recognised: str = ""  # one line: the format and the fields or columns it used
    absent: int = 0  # problems of the dataset not in this file: kept as they were
    kinds: tuple[tuple[str, int], ...] = ()  # problems per kind ("-": left to the grader)
    examples: tuple[NewProblem, ...] = ()  # the first few problems read
    dry_run: bool = False
    recorded: RecordedCounts | None = None  # recorded results stored as runs, if the file had any

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged

    @property
    def format_label(self) -> str:
        """The format as shown: JEEBench, MATH, GSM8K... or columns."""
        return FORMAT_LABELS.get(self.format, self.format)


@dataclass(frozen=True)
class Problem:
    """One stored problem."""

    id: int
    dataset: str
    key: str
    text: str
    reference: str | None
    kind: str | None
    subject: str | None
    source: str | None
    max_points: float | None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def solution(self) -> str | None:
        """The set's worked solution, when it has one (MATH, GSM8K...): for graders and judges."""
        return worked_solution(self.meta)


class _Immediate:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock before reading what exists."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.conn = db.conn
        self.nested = False

    def __enter__(self) -> None:
        # Inside a caller's transaction, a savepoint keeps it all-or-nothing all the same.
        self.nested = self.conn.in_transaction
        self.conn.execute("SAVEPOINT ponder_import" if self.nested else "BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("RELEASE ponder_import" if self.nested else "COMMIT")
        elif self.conn.in_transaction:
            # SQLite has already rolled back by itself on some errors (a full disk): rolling
            # back again would fail and hide the real error behind "no transaction is active".
            if self.nested:
                self.conn.execute("ROLLBACK TO ponder_import")
                self.conn.execute("RELEASE ponder_import")
            else:
                self.conn.execute("ROLLBACK")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PATHLIKE = re.compile(r"[/\\]|\.\.+")


def _dataset_name(name: str | None, path: Path) -> str:
    if name is not None:
        name = name.strip()
        if not name:
            raise ImportProblem("the dataset name is empty")
        if ":" in name:
            raise ImportProblem(f"dataset name {name!r} may not contain ':' (DATASET:KEY uses it)")
        if _CONTROL.search(name):
            raise ImportProblem(f"dataset name {name!r} may not contain control characters")
        if _PATHLIKE.search(name):
            # A dataset's name is part of the file names proposed for its exports and reports.
            raise ImportProblem(f"dataset name {name!r} may not contain '/', '\\' or '..'")
        return name
    # A file name may hold anything: tabs and escapes are dropped from the name shown everywhere.
    stem = " ".join(_CONTROL.sub("", _display_name(path.stem).replace("\t", " ")).split())
    return file_part(stem.replace(":", "-")) or "dataset"


def file_part(name: str) -> str:
    """A name made fit to be part of a file name: no folder separators, no '..'."""
    return _PATHLIKE.sub("-", name)


def _display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (lone surrogates here) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


_STORED = "key, text, reference, kind, subject, source, max_points, meta"


def _values(p: NewProblem) -> tuple[Any, ...]:
    return (p.text, p.reference, p.kind, p.subject, p.source, p.max_points, p.meta_json())


def _existing(db: sqlite_utils.Database, dataset: str) -> dict[str, tuple[Any, ...]]:
    return {
        r[0]: tuple(r[1:])
        for r in db.conn.execute(f"select {_STORED} from problems where dataset = ?", [dataset])
    }


def _compare(
    existing: dict[str, tuple[Any, ...]], problems: list[NewProblem]
) -> tuple[list[NewProblem], list[NewProblem], int, int]:
    """New problems, changed ones, the number unchanged, and the number not in this file."""
    new, changed, unchanged = [], [], 0
    for p in problems:
        old = existing.get(p.key)
        if old is None:
            new.append(p)
        elif old != _values(p):
            changed.append(p)
        else:
            unchanged += 1
    keys = {p.key for p in problems}
    return new, changed, unchanged, sum(1 for k in existing if k not in keys)


def _store(
    db: sqlite_utils.Database, dataset: str, read: ReadSet, *, source: str, origin: str
) -> tuple[int, int, int, int]:
    """Upsert by (dataset, key) in the caller's transaction: added, updated, unchanged, absent.

    A problem keeps its row (and so its runs) when an updated file changes it.
    """
    new, changed, unchanged, absent = _compare(_existing(db, dataset), read.problems)
    now = now_iso()
    for p in new:
        db.conn.execute(
            "insert into problems (dataset, key, text, reference, kind, subject, source,"
            " max_points, meta, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [dataset, p.key, *_values(p), now],
        )
    for p in changed:
        db.conn.execute(
            "update problems set text = ?, reference = ?, kind = ?, subject = ?, source = ?,"
            " max_points = ?, meta = ? where dataset = ? and key = ?",
            [*_values(p), dataset, p.key],
        )
    db.conn.execute(
        "insert into datasets (name, source, origin, content_hash, loaded_at, format)"
        " values (?, ?, ?, ?, ?, ?) on conflict(name) do update set source = excluded.source,"
        " origin = excluded.origin, content_hash = excluded.content_hash,"
        " loaded_at = excluded.loaded_at, format = excluded.format",
        [dataset, source, origin, read.content_hash, now, read.format],
    )
    return len(new), len(changed), unchanged, absent


def _read(path: Path) -> ReadSet:
    data = read_bytes(path)
    try:
        return read_set(path, data)
    except ImportProblem as exc:
        raise ImportProblem(f"{path.name}: {exc}") from None


EXAMPLES = 3


def import_file(
    db: sqlite_utils.Database | None,
    path: str | Path,
    dataset: str | None = None,
    *,
    dry_run: bool = False,
    source: str | None = None,
) -> ImportResult:
    """Import problems from .xlsx .csv .jsonl .json .parquet, updating by (dataset, key).

    Recorded results in the file (a sheet's verdict columns, or a whole results file) are stored
    as runs graded `human` by `source` (default: the file's name). All or nothing. With
    `dry_run`, nothing is written: the result says what would be (against `db`'s problems, or as
    if the dataset were new when `db` is None).
    """
    path = Path(path)
    read = _read(path)
    source = " ".join((source or "").split()) or _display_name(path.name)
    if read.format == RESULTS:
        return _import_results(db, path, read, dataset, source, dry_run=dry_run)
    try:
        name = _dataset_name(dataset, path)
    except ImportProblem as exc:
        raise ImportProblem(f"{path.name}: {exc}") from None
    warnings = Warnings()
    recorded: RecordedCounts | None = None
    if dry_run or db is None:
        existing = _existing(db, name) if db is not None else {}
        new, changed, unchanged, absent = _compare(existing, read.problems)
        counts, dry_run = (len(new), len(changed), unchanged, absent), True
        if read.recorded:
            recorded = RecordedCounts(added=len(read.recorded), source=source)
    else:
        with _Immediate(db):
            counts = _store(db, name, read, source="imported", origin=_display_name(path.name))
            if read.recorded:
                recorded = store_recorded(db, name, list(read.recorded), source, warnings)
    kinds = Counter(p.kind or "-" for p in read.problems).most_common()
    return replace(
        _result(name, read, counts),
        kinds=tuple(kinds),
        examples=tuple(read.problems[:EXAMPLES]),
        dry_run=dry_run,
        recorded=recorded,
        warnings=read.warnings + warnings.lines(),
    )


def _import_results(
    db: sqlite_utils.Database | None,
    path: Path,
    read: ReadSet,
    dataset: str | None,
    source: str,
    *,
    dry_run: bool,
) -> ImportResult:
    """A results file: its results stored as runs of an existing dataset's problems."""
    named = {r.dataset for r in read.recorded}
    if dataset is None and (len(named) != 1 or None in named):
        raise ImportProblem(
            f"{path.name}: recorded results need the dataset they are for: --dataset NAME"
            " (or a dataset field on every line, the same on all)"
        )
    name = dataset.strip() if dataset is not None else str(next(iter(named)))
    if (
        db is None
        or not db.conn.execute(
            "select 1 from problems where dataset = ? limit 1", [name]
        ).fetchone()
    ):
        raise ImportProblem(
            f"{path.name}: no dataset {name!r} to record results for: import its problems first"
        )
    warnings = Warnings()
    results = list(read.recorded)
    if dry_run:
        recorded = store_recorded(db, name, results, source, warnings, write=False)
    else:
        with _Immediate(db):
            recorded = store_recorded(db, name, results, source, warnings)
    return ImportResult(
        name,
        0,
        0,
        recorded.skipped,
        read.warnings + warnings.lines(),
        format=read.format,
        recognised=read.recognised,
        dry_run=dry_run,
        recorded=recorded,
    )


def _result(name: str, read: ReadSet, counts: tuple[int, int, int, int]) -> ImportResult:
    """What storing `read` as `name` did (or would do): `counts` as `_store` returns them."""
    added, updated, unchanged, absent = counts
    return ImportResult(
        name,
        added,
        updated,
        read.skipped,
        read.warnings,
        unchanged,
        format=read.format,
        recognised=read.recognised,
        absent=absent,
    )


def bundled_data_dir() -> Path | None:
    """The folder of the problem sets shipped with Ponder (installed copy first, then the repo)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data", here.parent / "data"):
        if candidate.is_dir():
            return candidate
    return None


def _bundled_files() -> Iterator[Path]:
    folder = bundled_data_dir()
    if folder is not None:
        yield from sorted(folder.glob("*.jsonl"))


def ensure_bundled(db: sqlite_utils.Database) -> list[ImportResult]:
    """Load the bundled problem sets that are missing or changed; cheap when all are current."""
    files = list(_bundled_files())
    if not files:
        return []
    known = {
        r[0]: (r[1], r[2])
        for r in db.conn.execute("select name, source, content_hash from datasets")
    }
    results = []
    for path in files:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        name = path.stem
        if known.get(name) == ("bundled", digest):
            continue
        if name in known and known[name][0] != "bundled":
            continue  # the user imported a set of the same name: theirs wins
        try:
            read = read_set(path, data)
        except ImportProblem as exc:
            raise ImportProblem(f"bundled {path.name}: {exc}") from None
        with _Immediate(db):
            counts = _store(db, name, read, source="bundled", origin=path.name)
        results.append(_result(name, read, counts))
    return results


def list_datasets(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every dataset by name: problem count, source (bundled or imported), format, file."""
    rows = db.conn.execute(
        "select p.dataset, count(*), coalesce(d.source, 'imported'), d.format, d.origin"
        " from problems p left join datasets d on d.name = p.dataset"
        " group by p.dataset order by p.dataset"
    )
    return [
        {"name": r[0], "problems": r[1], "source": r[2], "format": r[3], "origin": r[4]}
        for r in rows
    ]


def bundled_datasets() -> list[dict[str, Any]]:
    """The bundled sets as list_datasets gives them, read from their files: for a listing
    where there is no database (and none can be made)."""
    found = []
    for path in _bundled_files():
        try:
            read = read_set(path, path.read_bytes())
        except (OSError, ImportProblem):
            continue
        found.append(
            {
                "name": path.stem,
                "problems": len(read.problems),
                "source": "bundled",
                "format": read.format,
                "origin": path.name,
            }
        )
    return found


_COLUMNS = "id, dataset, key, text, reference, kind, subject, source, max_points, meta"


def _problem(r: tuple[Any, ...]) -> Problem:
    return Problem(
        id=r[0],
        dataset=r[1],
        key=r[2],
        text=r[3],
        reference=r[4],
        kind=r[5],
        subject=r[6],
        source=r[7],
        max_points=r[8],
        meta=stored_meta(r[9]),
    )


def get_problem(db: sqlite_utils.Database, dataset: str, key: str) -> Problem | None:
    """One problem by dataset and key, or None."""
    r = db.conn.execute(
        f"select {_COLUMNS} from problems where dataset = ? and key = ?", [dataset, str(key)]
    ).fetchone()
    return _problem(r) if r else None


def get_problem_by_id(db: sqlite_utils.Database, problem_id: int) -> Problem | None:
    """One problem by its row id, or None."""
    r = db.conn.execute(f"select {_COLUMNS} from problems where id = ?", [problem_id]).fetchone()
    return _problem(r) if r else None


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key.lower()))


def list_problems(db: sqlite_utils.Database, dataset: str) -> list[Problem]:
    """The problems of a dataset, in natural key order (2 before 10).

    A set keyed by content hashes (it had no ids) is listed in the order it was imported.
    """
    rows = db.conn.execute(f"select {_COLUMNS} from problems where dataset = ?", [dataset])
    problems = [_problem(r) for r in rows]
    if problems and all(is_content_key(p.key) for p in problems):
        return sorted(problems, key=lambda p: p.id)
    return sorted(problems, key=lambda p: _natural(p.key))
