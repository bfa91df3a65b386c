"""A damaged database: SQLite's integrity check, and recovery of what can still be read.

Recovery copies row by row into a new database made by the migrations, stepping over pages that
cannot be read; the damaged file is only read, never changed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

# Ponder's tables, parents first (a row's run must exist before its steps).
TABLES = ("datasets", "problems", "runs", "steps", "calls", "grades", "judge_calls")
# Children whose run or problem was lost are dropped (nothing could show them).
_ORPHANS = {
    "steps": "run_id not in (select id from runs)",
    "calls": "run_id not in (select id from runs)",
    "grades": "run_id not in (select id from runs)",
    "judge_calls": "run_id not in (select id from runs)",
}
MAX_PROBLEMS_SHOWN = 20
_GAP_LOOKUPS = 20_000  # rowids tried one by one around a page that cannot be read


class RecoverError(Exception):
    """Recovery cannot start (the target exists, the source has no readable schema...)."""


@dataclass
class Recovery:
    """What a recovery copied, and how many rows it could not read, per table."""

    copied: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)  # rows known lost (unreadable or orphaned)
    damaged: list[str] = field(default_factory=list)  # tables where a read failed


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

    source, target = Path(source), Path(target)
    if target.exists():
        raise RecoverError(f"{target} already exists: name a new file")
    if source.resolve() == target.resolve():
        raise RecoverError("the recovered copy must be a new file, not the original")
    src = _connect_read_only(source)
    try:
        try:
            names = {r[0] for r in src.execute("select name from sqlite_master where type='table'")}
        except sqlite3.DatabaseError as exc:
            raise RecoverError(f"cannot read the list of tables of {source}: {exc}") from None
        dst = open_db(target, recover=False)
        report = Recovery()
        try:
            dst.conn.execute("pragma foreign_keys = off")
            for table in TABLES:
                if table in names:
                    _copy_table(src, dst.conn, table, report)
            for table, where in _ORPHANS.items():
                gone = dst.conn.execute(f"delete from {table} where {where}").rowcount
                if gone:
                    report.lost[table] = report.lost.get(table, 0) + gone
                    report.copied[table] -= gone
            dst.conn.commit()
            dst.conn.execute("pragma foreign_keys = on")
        finally:
            dst.close()
    finally:
        src.close()
    return report


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"pragma table_info({table})")]


def _copy_table(
    src: sqlite3.Connection, dst: sqlite3.Connection, table: str, report: Recovery
) -> None:
    try:
        theirs = _columns(src, table)
    except sqlite3.DatabaseError:
        report.damaged.append(table)
        return
    ours = set(_columns(dst, table))
    cols = [c for c in theirs if c in ours]
    if not cols:
        return
    col_sql = ", ".join(f'"{c}"' for c in cols)
    insert = (
        f"insert or ignore into {table} (rowid, {col_sql})"
        f" values (?, {', '.join('?' for _ in cols)})"
    )
    copied = lost = 0
    next_id = -(2**63)
    while True:
        try:
            for row in src.execute(
                f"select rowid, {col_sql} from {table} where rowid >= ? order by rowid", (next_id,)
            ):
                dst.execute(insert, row)
                copied += 1
                next_id = row[0] + 1
            break
        except sqlite3.DatabaseError:
            if table not in report.damaged:
                report.damaged.append(table)
            resume = _next_readable(src, table, next_id)
            end = resume if resume is not None else next_id + _GAP_LOOKUPS
            # Around the bad page, single rows may still read.
            for rowid in range(next_id, min(end, next_id + _GAP_LOOKUPS)):
                try:
                    row = src.execute(
                        f"select rowid, {col_sql} from {table} where rowid = ?", (rowid,)
                    ).fetchone()
                except sqlite3.DatabaseError:
                    lost += 1
                    continue
                if row is not None:
                    dst.execute(insert, row)
                    copied += 1
            if resume is None:
                break
            next_id = resume
    report.copied[table] = copied
    if lost:
        report.lost[table] = lost


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
