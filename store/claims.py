"""One grader per run: a claim row in the database says who is grading a run right now, so a
bench and `ponder grade --auto` (or two of anything) never grade the same run twice."""

from __future__ import annotations

import os
import socket
import threading
import time

import sqlite_utils

# A claim older than this, or whose process is gone, is abandoned: another grader may take it.
CLAIM_STALE_S = 120.0


def grader_id(role: str | None = None) -> str:
    """Who grades: this process and thread, on this machine; `role` tells apart graders of one
    thread (each judge call on an event loop is its own grader)."""
    who = f"{os.getpid()}:{threading.get_ident()}"
    if role:
        who += f":{role}"
    return f"{who}@{socket.gethostname()}"


def claim(db: sqlite_utils.Database, run_id: int, owner: str | None = None) -> bool:
    """Take the run for grading; False while another live grader holds it."""
    owner = owner or grader_id()
    now = time.time()
    conn = db.conn
    conn.execute("begin immediate")
    try:
        row = conn.execute(
            "select owner, claimed_at from grading_claims where run_id = ?", (run_id,)
        ).fetchone()
        if row is not None and row[0] != owner and not _abandoned(row[0], row[1], now):
            conn.execute("rollback")
            return False
        conn.execute(
            "insert into grading_claims (run_id, owner, claimed_at) values (?, ?, ?)"
            " on conflict (run_id) do update set owner = excluded.owner,"
            " claimed_at = excluded.claimed_at",
            (run_id, owner, now),
        )
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise
    conn.execute("commit")
    return True


def release(db: sqlite_utils.Database, run_id: int, owner: str | None = None) -> None:
    """Give the run back (only if this grader still holds it)."""
    db.execute(
        "delete from grading_claims where run_id = ? and owner = ?", (run_id, owner or grader_id())
    )


def renew(db: sqlite_utils.Database, run_id: int, owner: str | None = None) -> bool:
    """Say the grader is still at it (a long judge call), so the claim does not go stale; False
    if this grader no longer holds it."""
    cur = db.execute(
        "update grading_claims set claimed_at = ? where run_id = ? and owner = ?",
        (time.time(), run_id, owner or grader_id()),
    )
    return cur.rowcount > 0


def held_by_other(db: sqlite_utils.Database, run_id: int, owner: str | None = None) -> bool:
    """Is another live grader grading this run now?"""
    row = db.execute(
        "select owner, claimed_at from grading_claims where run_id = ?", (run_id,)
    ).fetchone()
    if row is None or row[0] == (owner or grader_id()):
        return False
    return not _abandoned(row[0], row[1], time.time())


def _abandoned(owner: str, claimed_at: float, now: float) -> bool:
    if now - claimed_at > CLAIM_STALE_S:
        return True
    from store.owner import pid_alive

    pid, _, host = owner.partition("@")
    if host != socket.gethostname():
        return False
    try:
        return not pid_alive(int(pid.partition(":")[0]))
    except ValueError:
        return True
