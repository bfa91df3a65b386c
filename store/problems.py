"""Problem sets: import from spreadsheets and JSON, the bundled sets, lookups."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from store.sheets import ImportProblem, Table, read_table

__all__ = [
    "ImportProblem",
    "ImportResult",
    "Problem",
    "bundled_data_dir",
    "ensure_bundled",
    "get_problem",
    "import_file",
    "list_datasets",
    "list_problems",
]

KINDS = ("choice_single", "choice_multi", "integer", "numeric", "expression", "proof", "text")
# Words people put in a kind column, mapped to the grader's kinds.
_KIND_ALIASES = {
    "single": "choice_single",
    "single choice": "choice_single",
    "mcq": "choice_single",
    "multi": "choice_multi",
    "multiple": "choice_multi",
    "multi correct": "choice_multi",
    "multiple correct": "choice_multi",
    "int": "integer",
    "number": "numeric",
    "float": "numeric",
    "decimal": "numeric",
    "expr": "expression",
    "latex": "expression",
    "math": "expression",
    "set": "expression",
    "interval": "expression",
}

# Header names (normalised: lower case, single spaces, no surrounding punctuation), by role.
_ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("question", "questions", "problem", "problems", "prompt", "prompts", "text"),
    "reference": (
        "answer",
        "answers",
        "gold",
        "gold answer",
        "reference",
        "reference answer",
        "solution",
        "correct answer",
        "correct option",
        "correct options",
        "final answer",
        "ans",
    ),
    "key": (
        "id",
        "key",
        "no",
        "#",
        "qno",
        "q no",
        "sno",
        "s no",
        "number",
        "question no",
        "question number",
        "question id",
        "problem id",
    ),
    "kind": ("kind", "answer kind", "answer type", "type"),
    "subject": ("subject", "topic"),
    "source": ("source",),
    "max_points": ("max_points", "max points", "marks", "max marks", "full marks", "points"),
}


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    dataset: str
    added: int
    updated: int
    skipped: int
    warnings: tuple[str, ...] = ()
    unchanged: int = 0


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


@dataclass(frozen=True)
class _Row:
    key: str
    text: str
    reference: str | None
    kind: str | None
    subject: str | None
    source: str | None
    max_points: float | None
    meta: str | None


def _norm_header(name: str) -> str:
    name = re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip(" .:")
    return "max_points" if name == "max points" else name


def _find_roles(headers: list[str]) -> dict[str, int]:
    """Map each role to the first column whose header names it, preferring earlier synonyms."""
    normed = [_norm_header(h) for h in headers]
    squeezed = [re.sub(r"[^a-z0-9#]", "", h) for h in normed]
    roles: dict[str, int] = {}
    taken: set[int] = set()
    for role, names in _ROLE_NAMES.items():
        for name in names:
            squeezed_name = re.sub(r"[^a-z0-9#]", "", name)
            for col, (h, sq) in enumerate(zip(normed, squeezed, strict=True)):
                if col in taken:
                    continue
                # "Q.No" and "S. No." match by their letters; plain words match exactly.
                if h == name or (role == "key" and sq == squeezed_name):
                    roles[role] = col
                    taken.add(col)
                    break
            if role in roles:
                break
    return roles


def _warn_unused_synonyms(headers: list[str], roles: dict[str, int], warnings: list[str]) -> None:
    """Say so when a second question or answer column is kept aside, so nothing is lost silently."""
    for role, label in (("text", "question"), ("reference", "answer")):
        if role not in roles:
            continue
        for col, h in enumerate(headers):
            if col != roles[role] and _norm_header(h) in _ROLE_NAMES[role]:
                warnings.append(
                    f"column {h.strip()!r} kept in meta: {headers[roles[role]].strip()!r}"
                    f" is the {label} column"
                )


def header_has_question(cells: list[str]) -> bool:
    """True when a row of cells looks like a header with a question column."""
    return "text" in _find_roles(cells)


def _cell_text(value: Any) -> str | None:
    """A cell as text: numbers without float noise, blanks as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        parts = [t for t in (_cell_text(v) for v in value) if t]
        return ",".join(parts) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


def _meta_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _kind(value: str | None, where: str, warnings: list[str]) -> str | None:
    if value is None:
        return None
    k = re.sub(r"[\s_\-]+", " ", value.strip().lower())
    if k.replace(" ", "_") in KINDS:
        return k.replace(" ", "_")
    if k in _KIND_ALIASES:
        return _KIND_ALIASES[k]
    warnings.append(f"{where}: unknown kind {value!r}; the grader will infer it")
    return None


def _points(value: Any, where: str, warnings: list[str]) -> float | None:
    text = _cell_text(value)
    if text is None:
        return None
    try:
        points = float(text)
    except ValueError:
        points = -1.0
    if not points > 0:
        warnings.append(f"{where}: max_points {text!r} is not a positive number; ignored")
        return None
    return points


def _rows(table: Table, warnings: list[str]) -> tuple[list[_Row], int]:
    """Turn a table into problem rows; return them and the number of rows skipped."""
    roles = _find_roles(table.headers)
    if "text" not in roles:
        raise ImportProblem(
            "no question column (looked for a header named question, problem, prompt or text)"
        )
    has_reference = "reference" in roles
    _warn_unused_synonyms(table.headers, roles, warnings)
    role_cols = set(roles.values())
    meta_names: dict[int, str] = {}
    used: set[str] = set()
    width = max([len(table.headers), *(len(r) for _, r in table.rows)], default=0)
    for col in range(width):
        if col in role_cols:
            continue
        name = table.headers[col].strip() if col < len(table.headers) else ""
        name = name or f"column {col + 1}"
        base, n = name, 2
        while name in used:
            name, n = f"{base} ({n})", n + 1
        used.add(name)
        meta_names[col] = name

    def cell(row: list[Any], role: str) -> Any:
        col = roles.get(role)
        return row[col] if col is not None and col < len(row) else None

    rows: list[_Row] = []
    seen: dict[str, int] = {}
    skipped = 0
    no_reference = 0
    for number, raw in table.rows:
        where = table.where(number)
        if all(_cell_text(v) is None for v in raw):
            skipped += 1
            continue
        text = _cell_text(cell(raw, "text"))
        if text is None:
            warnings.append(f"{where}: no question text; skipped")
            skipped += 1
            continue
        key = _cell_text(cell(raw, "key")) or str(number)
        if key in seen:
            warnings.append(
                f"{where}: key {key!r} already used in {table.where(seen[key])}; skipped"
            )
            skipped += 1
            continue
        seen[key] = number
        reference = _cell_text(cell(raw, "reference"))
        kind = _kind(_cell_text(cell(raw, "kind")), where, warnings)
        if not has_reference and kind is None:
            kind = "proof"  # a sheet of questions only: a proof set, graded by hand
        if has_reference and reference is None and kind not in ("proof", "text"):
            no_reference += 1
        meta = {
            name: _meta_value(raw[col])
            for col, name in meta_names.items()
            if col < len(raw) and _cell_text(raw[col]) is not None
        }
        rows.append(
            _Row(
                key=key,
                text=text,
                reference=reference,
                kind=kind,
                subject=_cell_text(cell(raw, "subject")),
                source=_cell_text(cell(raw, "source")),
                max_points=_points(cell(raw, "max_points"), where, warnings),
                meta=json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
            )
        )
    if not rows:
        raise ImportProblem("no problems found: every row under the header is empty")
    if no_reference:
        warnings.append(
            f"{no_reference} problem(s) have no reference answer: they need a human grade"
        )
    return rows, skipped


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


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
        if self.nested:
            if exc_type is not None:
                self.conn.execute("ROLLBACK TO ponder_import")
            self.conn.execute("RELEASE ponder_import")
        elif exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _dataset_name(name: str | None, path: Path) -> str:
    if name is not None:
        name = name.strip()
        if not name:
            raise ImportProblem("the dataset name is empty")
        if ":" in name:
            raise ImportProblem(f"dataset name {name!r} may not contain ':' (DATASET:KEY uses it)")
        if _CONTROL.search(name):
            raise ImportProblem(f"dataset name {name!r} may not contain control characters")
        return name
    # A file name may hold anything: tabs and escapes are dropped from the name shown everywhere.
    stem = " ".join(_CONTROL.sub("", _display_name(path.stem).replace("\t", " ")).split())
    return stem.replace(":", "-") or "dataset"


def _display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (lone surrogates here) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _store(
    db: sqlite_utils.Database,
    dataset: str,
    rows: list[_Row],
    *,
    source: str,
    origin: str,
    content_hash: str,
) -> tuple[int, int, int]:
    """Upsert rows by (dataset, key) in the caller's transaction; return added, updated, unchanged."""
    existing = {
        r[0]: r[1:]
        for r in db.conn.execute(
            "select key, text, reference, kind, subject, source, max_points, meta"
            " from problems where dataset = ?",
            [dataset],
        )
    }
    now = _now()
    added = updated = unchanged = 0
    for r in rows:
        values = (r.text, r.reference, r.kind, r.subject, r.source, r.max_points, r.meta)
        old = existing.get(r.key)
        if old is None:
            db.conn.execute(
                "insert into problems (dataset, key, text, reference, kind, subject, source,"
                " max_points, meta, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [dataset, r.key, *values, now],
            )
            added += 1
        elif tuple(old) != values:
            db.conn.execute(
                "update problems set text = ?, reference = ?, kind = ?, subject = ?, source = ?,"
                " max_points = ?, meta = ? where dataset = ? and key = ?",
                [*values, dataset, r.key],
            )
            updated += 1
        else:
            unchanged += 1
    db.conn.execute(
        "insert into datasets (name, source, origin, content_hash, loaded_at)"
        " values (?, ?, ?, ?, ?) on conflict(name) do update set source = excluded.source,"
        " origin = excluded.origin, content_hash = excluded.content_hash,"
        " loaded_at = excluded.loaded_at",
        [dataset, source, origin, content_hash, now],
    )
    return added, updated, unchanged


def _read(path: Path) -> tuple[bytes, Table, list[str]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportProblem(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ImportProblem(f"{path}: cannot read ({exc.strerror or exc})") from None
    warnings: list[str] = []
    try:
        table = read_table(path, data, warnings, header_has_question)
    except ImportProblem as exc:
        raise ImportProblem(f"{path.name}: {exc}") from None
    return data, table, warnings


def import_file(
    db: sqlite_utils.Database, path: str | Path, dataset: str | None = None
) -> ImportResult:
    """Import problems from .xlsx .csv .jsonl .json, updating by (dataset, key); all or nothing."""
    path = Path(path)
    data, table, warnings = _read(path)
    try:
        name = _dataset_name(dataset, path)
        rows, skipped = _rows(table, warnings)
    except ImportProblem as exc:
        raise ImportProblem(f"{path.name}: {exc}") from None
    except RecursionError:  # cells nested deeper than Python can turn into text
        raise ImportProblem(f"{path.name}: JSON nested too deeply") from None
    digest = hashlib.sha256(data).hexdigest()
    with _Immediate(db):
        added, updated, unchanged = _store(
            db, name, rows, source="imported", origin=_display_name(path.name), content_hash=digest
        )
    return ImportResult(name, added, updated, skipped, tuple(warnings), unchanged)


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
        warnings: list[str] = []
        try:
            table = read_table(path, data, warnings, header_has_question)
            rows, skipped = _rows(table, warnings)
        except ImportProblem as exc:
            raise ImportProblem(f"bundled {path.name}: {exc}") from None
        with _Immediate(db):
            added, updated, unchanged = _store(
                db, name, rows, source="bundled", origin=path.name, content_hash=digest
            )
        results.append(ImportResult(name, added, updated, skipped, tuple(warnings), unchanged))
    return results


def list_datasets(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every dataset with its problem count and source (bundled or imported), by name."""
    rows = db.conn.execute(
        "select p.dataset, count(*), coalesce(d.source, 'imported') from problems p"
        " left join datasets d on d.name = p.dataset group by p.dataset order by p.dataset"
    )
    return [{"name": r[0], "problems": r[1], "source": r[2]} for r in rows]


_COLUMNS = "id, dataset, key, text, reference, kind, subject, source, max_points, meta"


def _problem(r: tuple[Any, ...]) -> Problem:
    try:
        meta = json.loads(r[9]) if r[9] else {}
    except ValueError:
        meta = {}
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
        meta=meta if isinstance(meta, dict) else {},
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
    """The problems of a dataset, in natural key order (2 before 10)."""
    rows = db.conn.execute(f"select {_COLUMNS} from problems where dataset = ?", [dataset])
    return sorted((_problem(r) for r in rows), key=lambda p: _natural(p.key))
