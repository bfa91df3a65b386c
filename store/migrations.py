"""Versioned migrations: a list of small named steps, applied in order and tracked in a table.

Never edit a migration that has shipped; add a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlite_utils

MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = []


def migration(
    fn: Callable[[sqlite_utils.Database], None],
) -> Callable[[sqlite_utils.Database], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["problems"].create(
        {
            "id": int,
            "dataset": str,
            "key": str,
            "text": str,
            "reference": str,
            "kind": str,
            "subject": str,
            "source": str,
            "meta": str,  # JSON object: the other columns of an imported sheet
            "max_points": float,
            "created_at": str,
        },
        pk="id",
        not_null={"dataset", "key", "text"},
    )
    db["problems"].create_index(["dataset", "key"], unique=True)

    db["runs"].create(
        {
            "id": int,
            "problem_id": int,
            "prompt": str,
            "paradigm": str,
            "provider": str,
            "model": str,
            "base_url": str,
            "params": str,  # JSON of RunSettings
            "status": str,
            "stop_reason": str,
            "answer": str,
            "final_reward": float,
            "error": str,
            "input_tokens": int,
            "output_tokens": int,
            "cache_read_tokens": int,
            "cache_write_tokens": int,
            "cost_usd": float,
            "calls": int,
            "started_at": str,  # ISO 8601, UTC
            "finished_at": str,
            "elapsed_s": float,
            "attempt_group": str,
            "bench_id": str,
            "pid": int,
            "heartbeat_at": float,
        },
        pk="id",
        foreign_keys=[("problem_id", "problems", "id")],
        defaults={
            "status": "running",
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
            "calls": 0,
        },
    )
    db["runs"].create_index(["started_at"])
    db["runs"].create_index(["problem_id"])
    db["runs"].create_index(["status"])
    db["runs"].create_index(["attempt_group"])
    db["runs"].create_index(["bench_id"])

    db["steps"].create(
        {
            "id": int,
            "run_id": int,
            "idx": int,
            "kind": str,
            "title": str,
            "content": str,
            "reward": float,
            "budget_left": int,
            "backtrack": int,
            "partial": int,  # 1 while the step is still streaming
            "started_at": float,
            "finished_at": float,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
        defaults={"backtrack": 0, "partial": 0},
    )
    db["steps"].create_index(["run_id", "idx"], unique=True)

    db["calls"].create(
        {
            "id": int,
            "run_id": int,
            "idx": int,
            "request": str,  # JSON: messages and parameters, never a key
            "response": str,
            "stop_reason": str,
            "input_tokens": int,
            "output_tokens": int,
            "cache_read_tokens": int,
            "cache_write_tokens": int,
            "started_at": str,
            "elapsed_s": float,
            "error": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["calls"].create_index(["run_id", "idx"])

    db["grades"].create(
        {
            "id": int,
            "run_id": int,
            "grader": str,  # auto | human | llm
            "grader_name": str,
            "score": float,
            "verdict": str,  # full | partial | zero | needs_human
            "points": float,
            "max_points": float,
            "extracted": str,
            "note": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["grades"].create_index(["run_id", "id"])

    db["problems"].enable_fts(["key", "text", "reference"], create_triggers=True, tokenize="porter")
    db["runs"].enable_fts(["prompt", "answer", "model"], create_triggers=True, tokenize="porter")


@migration
def m002_datasets(db: sqlite_utils.Database) -> None:
    # Dataset-level facts (bundled or imported, from which file, at which content hash) so that
    # the bundled sets load once per version and `ponder datasets` can say where each came from.
    db["datasets"].create(
        {
            "name": str,
            "source": str,  # bundled | imported
            "origin": str,  # file name it came from
            "content_hash": str,  # sha256 of the file's bytes at the last load
            "loaded_at": str,
        },
        pk="name",
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet applied; return the names applied now."""
    table = db["_ponder_migrations"]
    if not table.exists():
        db["_ponder_migrations"].create({"name": str, "applied_at": str}, pk="name")
    done = {row["name"] for row in db.query("select name from _ponder_migrations")}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.conn:
            fn(db)
            db["_ponder_migrations"].insert({"name": name, "applied_at": _now()})
        applied.append(name)
    return applied
