"""A damaged database: SQLite's integrity check, and recovery of what can still be read.

Recovery copies row by row into a new database made by the migrations, through SQLite where it
reads (stepping over pages that cannot be read), then page by page (store/pagescan.py) for what
SQLite refused: a destroyed header or schema, a table whose pages SQLite gave up on. The damaged
file is only read, never changed. What could not be read is counted from the b-trees' own keys:
a lost page's rows lie between its neighbours' rowids, so the count is "up to N" (rows deleted
before the damage leave gaps too), or unknown when the page's bounds are lost with it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Ponder's tables, parents first (a row's run must exist before its steps).
TABLES = ("datasets", "problems", "runs", "steps", "calls", "grades", "judge_calls")
# Children whose run was lost are dropped (nothing could show them).
_CHILDREN = ("steps", "calls", "grades", "judge_calls")
MAX_PROBLEMS_SHOWN = 20
_GAP_LOOKUPS = 20_000  # rowids tried one by one around a page that cannot be read


class RecoverError(Exception):
    """Recovery cannot start (the target exists, nothing of the source reads...)."""


@dataclass(frozen=True)
class Unreadable:
    """Rows of one table that could not be read: at most `at_most` (None: unknown), with the
    rowid ranges they lie in, and `at_least` known from the rows that name them."""

    at_most: int | None
    ranges: tuple[tuple[int, int], ...] = ()
    at_least: int = 0

    def words(self, noun: str = "rows") -> str:
        """`up to 10 runs unreadable (ids 56-65)`, `an unknown number of runs unreadable...`."""
        if self.at_most is None:
            text = f"an unknown number of {noun} unreadable"
        else:
            text = f"up to {self.at_most} {noun} unreadable"
            if self.at_least == self.at_most:
                text = f"{self.at_most} {noun} unreadable"
        shown = [f"{a}" if a == b else f"{a}-{b}" for a, b in self.ranges[:5]]
        if shown:
            more = ", ..." if len(self.ranges) > 5 else ""
            text += f" (ids {', '.join(shown)}{more})"
        if self.at_least and self.at_least != self.at_most:
            text += f", at least {self.at_least} of them named by other rows"
        return text


@dataclass
class Recovery:
    """What a recovery copied, and what it could not read, per table."""

    copied: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, Unreadable] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # children whose run was lost
    damaged: list[str] = field(default_factory=list)  # tables where a read failed
    page_scan: bool = False  # rows were read page by page (SQLite refused some or all)
    header_lost: bool = False  # SQLite could not open the file at all


def _connect_read_only(path: Path) -> sqlite3.Connection:
    from store.db import _connect_read_only as connect

    return connect(path)


def integrity_problems(path: str | Path, limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """SQLite's `integrity_check` of the file: [] when it is sound, else its findings."""
    conn = _connect_read_only(Path(path))
    try:
        rows = [r[0] for r in conn.execute(f"pragma integrity_check({int(limit)})")]
    finally:
        conn.close()
    return [] if rows == ["ok"] else rows


def recover(source: str | Path, target: str | Path) -> Recovery:
    """Copy every readable row of `source` into a new database at `target`."""
    from store.db import open_db
    from store.pagescan import PageError, PageFile

    source, target = Path(source), Path(target)
    if target.exists():
        raise RecoverError(f"{target} already exists: name a new file")
    if source.resolve() == target.resolve():
        raise RecoverError("the recovered copy must be a new file, not the original")
    report = Recovery()
    src: sqlite3.Connection | None
    try:
        src = _connect_read_only(source)
        names = {r[0] for r in src.execute("select name from sqlite_master where type='table'")}
    except sqlite3.DatabaseError:
        src, names = None, set()
        report.header_lost = True
    pages: PageFile | None = None
    schema: dict[str, tuple[int, str]] = {}
    try:
        pages = PageFile(source)
        schema = pages.schema()
    except (OSError, PageError, IndexError, ValueError):
        pages = None
    if src is None and not schema:
        raise RecoverError(f"nothing of {source} reads as a SQLite database, page by page either")
    dst = open_db(target, recover=False)
    try:
        dst.conn.execute("pragma foreign_keys = off")
        for table in TABLES:
            sql_ids: set[int] = set()
            if src is not None and table in names:
                sql_ids = _copy_table(src, dst.conn, table, report)
            if table in schema and pages is not None:
                _top_up(pages, schema[table], dst.conn, table, sql_ids, report)
            elif table in names and table in report.damaged:
                report.unreadable[table] = Unreadable(None)
        _drop_orphans(dst.conn, report)
        dst.conn.commit()
        dst.conn.execute("pragma foreign_keys = on")
    finally:
        dst.close()
        if src is not None:
            src.close()
    return report


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info({table})")]


def _insert_sql(table: str, cols: list[str]) -> str:
    col_sql = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" for _ in cols)
    return f"insert or ignore into {table} (rowid, {col_sql}) values (?, {marks})"


def _copy_table(
    src: sqlite3.Connection, dst: sqlite3.Connection, table: str, report: Recovery
) -> set[int]:
    """Copy what SQLite reads of one table; the rowids copied."""
    try:
        theirs = _columns(src, table)
    except sqlite3.DatabaseError:
        report.damaged.append(table)
        return set()
    ours = set(_columns(dst, table))
    cols = [c for c in theirs if c in ours]
    if not cols:
        return set()
    col_sql = ", ".join(f'"{c}"' for c in cols)
    insert = _insert_sql(table, cols)
    copied: set[int] = set()
    next_id = -(2**63)
    while True:
        try:
            for row in src.execute(
                f"select rowid, {col_sql} from {table} where rowid >= ? order by rowid", (next_id,)
            ):
                dst.execute(insert, row)
                copied.add(row[0])
                next_id = row[0] + 1
            break
        except sqlite3.DatabaseError:
            if table not in report.damaged:
                report.damaged.append(table)
            resume = _next_readable(src, table, next_id)
            end = resume if resume is not None else next_id + _GAP_LOOKUPS
            # Around the bad page, single rows may still read (a failed lookup is not a row).
            for rowid in range(next_id, min(end, next_id + _GAP_LOOKUPS)):
                try:
                    row = src.execute(
                        f"select rowid, {col_sql} from {table} where rowid = ?", (rowid,)
                    ).fetchone()
                except sqlite3.DatabaseError:
                    continue
                if row is not None:
                    dst.execute(insert, row)
                    copied.add(row[0])
            if resume is None:
                break
            next_id = resume
    report.copied[table] = len(copied)
    return copied


def _next_readable(src: sqlite3.Connection, table: str, start: int) -> int | None:
    """The first rowid past `start` from which the table reads again, or None (the end)."""
    gap = 1
    while gap < 2**62:
        try:
            row = src.execute(
                f"select rowid from {table} where rowid >= ? order by rowid limit 1",
                (start + gap,),
            ).fetchone()
        except sqlite3.DatabaseError:
            gap *= 2
            continue
        return None if row is None else int(row[0])
    return None


def _top_up(
    pages: Any,
    entry: tuple[int, str],
    dst: sqlite3.Connection,
    table: str,
    copied: set[int],
    report: Recovery,
) -> None:
    """Rows the page scan reads that SQLite did not give, and the count of those unreadable."""
    from store.pagescan import columns_of

    root, create_sql = entry
    try:
        names, alias = columns_of(create_sql)
    except sqlite3.Error:
        return
    scan = pages.walk(root)
    ours = set(_columns(dst, table))
    keep = [i for i, name in enumerate(names) if name in ours]
    cols = [names[i] for i in keep]
    insert = _insert_sql(table, cols)
    added = 0
    for rowid, values in scan.rows:
        if rowid in copied:
            continue
        values = values + [None] * (len(names) - len(values))
        if alias is not None:
            values[names.index(alias)] = rowid
        dst.execute(insert, (rowid, *(values[i] for i in keep)))
        copied.add(rowid)
        added += 1
    if added:
        report.page_scan = True
    report.copied[table] = len(copied)
    if scan.lost:
        if table not in report.damaged:
            report.damaged.append(table)
        report.unreadable[table] = _unreadable(scan.lost, copied)


def _unreadable(lost: list[tuple[int | None, int | None]], copied: set[int]) -> Unreadable:
    """The rows in the rowid ranges of unreadable pages that were not copied anyway."""
    ranges: list[tuple[int, int]] = []
    at_most: int | None = 0
    for low, high in lost:
        if low is None and high is None:
            return Unreadable(None)
        if low is None or high is None:  # the first or last page of the table: unbounded
            at_most = None
            continue
        missing = [i for i in range(low + 1, min(high, low + 1_000_000) + 1) if i not in copied]
        if missing:
            ranges.append((missing[0], missing[-1]))
            if at_most is not None:
                at_most += len(missing)
    return Unreadable(at_most, tuple(ranges))


def _drop_orphans(dst: sqlite3.Connection, report: Recovery) -> None:
    """Children whose run was lost are dropped; the runs they name are counted as unreadable."""
    orphans = "select distinct run_id from {} where run_id not in (select id from runs)"
    named = {r[0] for table in _CHILDREN for r in dst.execute(orphans.format(table))}
    if named:
        was = report.unreadable.get("runs", Unreadable(None))
        at_most = None if was.at_most is None else max(was.at_most, len(named))
        report.unreadable["runs"] = Unreadable(at_most, was.ranges, len(named))
    for table in _CHILDREN:
        gone = dst.execute(
            f"delete from {table} where run_id not in (select id from runs)"
        ).rowcount
        if gone:
            report.dropped[table] = gone
            report.copied[table] = report.copied.get(table, 0) - gone
