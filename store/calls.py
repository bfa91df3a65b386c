"""A call's stored request: what it adds to the call it continues, and the whole request rebuilt.

A multi-call run re-sends its conversation at every call (g1: every step), so storing each
request whole grows with the square of the run's length. A `calls` row stores instead the part of
its request that differs from an earlier row's of the same run (`request_base`): the
`request_head` characters it shares with the start of that request and the `request_tail` it
shares with its end are left out, and `request` holds what lies between (for a conversation that
grew, its new messages; for a changed parameter, the few characters around it). A row whose
`request_base` is NULL holds its request whole. The request is rebuilt exactly, byte for byte,
from the chain of rows it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

# Below this many shared characters a request is stored whole: a reference would save nothing.
MIN_SHARED = 64


@dataclass(frozen=True)
class RequestDelta:
    """A request written against a base request: base[:head] + middle + base[len - tail:]."""

    head: int
    middle: str
    tail: int


def request_delta(base: str, text: str) -> RequestDelta | None:
    """`text` as a delta on `base`, or None when they share too little to be worth it."""
    limit = min(len(base), len(text))
    head = _common_prefix(base, text, limit)
    tail = _common_prefix(base[::-1], text[::-1], limit - head)
    if head + tail < MIN_SHARED:
        return None
    return RequestDelta(head, text[head : len(text) - tail], tail)


def _common_prefix(a: str, b: str, limit: int) -> int:
    """How many leading characters `a` and `b` share, at most `limit` (compared by halves)."""
    low, high = 0, limit
    while low < high:  # invariant: a[:low] == b[:low]
        mid = (low + high + 1) // 2
        if a[low:mid] == b[low:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def apply_delta(base: str, head: int, middle: str, tail: int) -> str:
    """The request a delta row stands for."""
    return base[:head] + middle + base[len(base) - tail :]


@dataclass(frozen=True)
class StoredRequest:
    """A `calls` row's request as stored: whole (`base` None) or as a delta on row `base`."""

    call_id: int
    text: str | None
    base: int | None
    head: int
    tail: int


def rebuild_requests(rows: Iterable[StoredRequest]) -> dict[int, str | None]:
    """Every row's whole request, by calls row id (None: unknown, or its base row is lost).
    Rows may come in any order; a base is always an earlier row of the same run."""
    stored = sorted(rows, key=lambda r: r.call_id)
    whole: dict[int, str | None] = {}
    for r in stored:
        if r.base is None:
            whole[r.call_id] = r.text
            continue
        base = whole.get(r.base)
        whole[r.call_id] = (
            None if base is None or r.text is None else apply_delta(base, r.head, r.text, r.tail)
        )
    return whole


_STORED = (
    "select id, request, request_base, coalesce(request_head, 0), coalesce(request_tail, 0)"
    " from calls"
)


def run_requests(db: sqlite_utils.Database, run_id: int) -> dict[int, str | None]:
    """The whole request of every call of a run, by calls row id (the audit trail, resume)."""
    rows = db.execute(f"{_STORED} where run_id = ? order by id", (run_id,)).fetchall()
    return rebuild_requests(StoredRequest(*row) for row in rows)


def call_request(db: sqlite_utils.Database, call_id: int) -> str | None:
    """One call's whole request (None: no such call, or no request recorded)."""
    row = db.execute("select run_id from calls where id = ?", (call_id,)).fetchone()
    if row is None:
        return None
    rows = db.execute(
        f"{_STORED} where run_id = ? and id <= ? order by id", (row[0], call_id)
    ).fetchall()
    return rebuild_requests(StoredRequest(*r) for r in rows).get(call_id)


def delta_columns(base: tuple[int, str] | None, text: str) -> tuple[str, int | None, int, int]:
    """(request, request_base, request_head, request_tail) to store `text`, given the run's
    previous request (its calls row id and whole text), if any."""
    if base is not None:
        delta = request_delta(base[1], text)
        if delta is not None:
            return delta.middle, base[0], delta.head, delta.tail
    return text, None, 0, 0


def convert_run(db: sqlite_utils.Database, run_id: int) -> int:
    """Store a run's whole requests as deltas on the one before (the migration's work for one
    run); returns the characters saved."""
    rows = db.execute(
        "select id, request from calls where run_id = ? and request_base is null order by id",
        (run_id,),
    ).fetchall()
    saved = 0
    previous: tuple[int, str] | None = None
    for call_id, text in rows:
        if text is None:
            continue
        middle, base, head, tail = delta_columns(previous, text)
        if base is not None:
            db.execute(
                "update calls set request = ?, request_base = ?, request_head = ?,"
                " request_tail = ? where id = ?",
                (middle, base, head, tail, call_id),
            )
            saved += len(text) - len(middle)
        previous = (call_id, text)
    return saved


@dataclass(frozen=True)
class StoredCall:
    """One attempt of a provider request as recorded, its request rebuilt whole (the audit)."""

    call_id: int
    idx: int
    attempt: int | None
    request: str | None  # JSON text, exactly as the call sent it (keys redacted)
    response: str | None
    stop_reason: str | None
    input_tokens: int | None
    output_tokens: int | None
    status: int | None
    error: str | None
    started_at: str | None
    elapsed_s: float | None


def run_calls(db: sqlite_utils.Database, run_id: int) -> list[StoredCall]:
    """Every call of a run in the order made, each with its whole request."""
    requests = run_requests(db, run_id)
    rows = db.execute(
        "select id, idx, attempt, response, stop_reason, input_tokens, output_tokens, status,"
        " error, started_at, elapsed_s from calls where run_id = ? order by id",
        (run_id,),
    ).fetchall()
    return [StoredCall(r[0], r[1], r[2], requests.get(r[0]), *r[3:]) for r in rows]
