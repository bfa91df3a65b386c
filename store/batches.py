"""A batched bench's provider batches: each request stored before its batch is submitted (with
a custom id that a resume finds again), the provider's batch id after, and each result as it is
collected. Reads and writes in lists, so a batch of 1,000 requests is a few statements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.clock import now_iso

# Batch states: stored (not known to be submitted), submitted, then as it ended (ended, expired,
# cancelled, failed), and collected once every result is stored.
OPEN_STATES = ("stored", "submitted")


@dataclass(frozen=True)
class NewRequest:
    custom_id: str
    body: dict[str, Any]
    run_id: int | None
    call_idx: int | None


@dataclass(frozen=True)
class KnownRequest:
    """A request stored earlier: its result if collected, else the batch it went in."""

    custom_id: str
    state: str  # stored / succeeded / errored / expired / cancelled
    result: dict[str, Any] | None
    error: str | None
    batch_id: int | None
    provider_batch_id: str | None
    batch_state: str | None


@dataclass(frozen=True)
class StoredBatch:
    id: int
    provider: str
    provider_batch_id: str | None
    state: str
    requests: int
    created_at: str | None


def known_requests(
    db: sqlite_utils.Database, bench_id: str, custom_ids: Sequence[str]
) -> dict[str, KnownRequest]:
    """The requests among these that are stored already."""
    found: dict[str, KnownRequest] = {}
    ids = list(custom_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = db.conn.execute(
            "select r.custom_id, r.state, r.result, r.error, r.batch_id, b.provider_batch_id,"
            " b.state from batch_requests r left join batches b on b.id = r.batch_id"
            f" where r.bench_id = ? and r.custom_id in ({marks})",
            [bench_id, *chunk],
        ).fetchall()
        for cid, state, result, error, batch_id, provider_id, batch_state in rows:
            found[cid] = KnownRequest(
                cid,
                state,
                json.loads(result) if result else None,
                error,
                batch_id,
                provider_id,
                batch_state,
            )
    return found


def store_batch(
    db: sqlite_utils.Database,
    bench_id: str,
    provider: str,
    endpoint: str | None,
    requests: Sequence[NewRequest],
) -> int:
    """A new batch and its requests, stored before it is submitted; its local id. A request
    stored before (in a batch never submitted) moves to this one."""
    with db.conn:
        cur = db.conn.execute(
            "insert into batches (bench_id, provider, endpoint, state, requests, created_at)"
            " values (?, ?, ?, 'stored', ?, ?)",
            [bench_id, provider, endpoint, len(requests), now_iso()],
        )
        batch_id = int(cur.lastrowid or 0)
        db.conn.executemany(
            "insert into batch_requests (bench_id, custom_id, batch_id, run_id, call_idx, body,"
            " state) values (?, ?, ?, ?, ?, ?, 'stored') on conflict (bench_id, custom_id) do"
            " update set batch_id = excluded.batch_id, run_id = excluded.run_id,"
            " call_idx = excluded.call_idx, state = 'stored', result = null, error = null",
            [
                (bench_id, r.custom_id, batch_id, r.run_id, r.call_idx, json.dumps(r.body))
                for r in requests
            ],
        )
    return batch_id


def batch_submitted(db: sqlite_utils.Database, batch_id: int, provider_batch_id: str) -> None:
    with db.conn:
        db.conn.execute(
            "update batches set provider_batch_id = ?, state = 'submitted', submitted_at = ?"
            " where id = ?",
            [provider_batch_id, now_iso(), batch_id],
        )


def batch_seen(db: sqlite_utils.Database, batch_id: int, counts: dict[str, int]) -> None:
    """The provider's request counts as last polled (what the Bench screen shows)."""
    with db.conn:
        db.conn.execute(
            "update batches set counts = ? where id = ?", [json.dumps(counts), batch_id]
        )


def batch_collected(
    db: sqlite_utils.Database,
    batch_id: int,
    state: str,
    results: Sequence[tuple[str, str, dict[str, Any] | None, str | None]],
    bench_id: str,
) -> None:
    """A batch ended (`state`: ended / expired / cancelled / failed) and its results, each
    (custom_id, state, response body, error), stored in one transaction."""
    with db.conn:
        db.conn.executemany(
            "update batch_requests set state = ?, result = ?, error = ?"
            " where bench_id = ? and custom_id = ?",
            [
                (st, json.dumps(body) if body is not None else None, error, bench_id, cid)
                for cid, st, body, error in results
            ],
        )
        db.conn.execute(
            "update batches set state = ?, ended_at = ? where id = ?",
            [state if state != "ended" else "collected", now_iso(), batch_id],
        )


def tie_requests(
    db: sqlite_utils.Database, bench_id: str, ties: Sequence[tuple[str, int | None, int | None]]
) -> None:
    """Requests asked for again by a resumed run: tied to that run and call now."""
    with db.conn:
        db.conn.executemany(
            "update batch_requests set run_id = coalesce(?, run_id), call_idx = coalesce(?,"
            " call_idx) where bench_id = ? and custom_id = ?",
            [(run_id, idx, bench_id, cid) for cid, run_id, idx in ties],
        )


def open_batches(db: sqlite_utils.Database, bench_id: str) -> list[StoredBatch]:
    """A bench's batches stored or submitted and not collected yet."""
    rows = db.conn.execute(
        "select id, provider, provider_batch_id, state, requests, created_at from batches"
        " where bench_id = ? and state in ('stored', 'submitted') order by id",
        [bench_id],
    ).fetchall()
    return [StoredBatch(*r) for r in rows]


def batch_states(db: sqlite_utils.Database, bench_id: str) -> list[dict[str, Any]]:
    """A bench's batches for a display: id, provider id, state, request counts."""
    rows = db.conn.execute(
        "select id, provider, provider_batch_id, state, requests, counts from batches"
        " where bench_id = ? order by id",
        [bench_id],
    ).fetchall()
    return [
        {
            "id": r[0],
            "provider": r[1],
            "provider_batch_id": r[2],
            "state": r[3],
            "requests": r[4],
            "counts": json.loads(r[5]) if r[5] else {},
        }
        for r in rows
    ]
