"""Versioned migrations: a list of small named steps, applied in order and tracked in a table.

Never edit a migration that has shipped; add a new one.
"""

# db["name"] is typed Table | View; every name used here is a table.
# mypy: disable-error-code="union-attr"

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlite_utils

from store.calls import convert_run
from store.clock import now_iso

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


@migration
def m003_runs_fts_update_on_text(db: sqlite_utils.Database) -> None:
    # sqlite-utils' update trigger re-indexed a run on *every* update (heartbeats, token counts):
    # re-index only when an indexed column changes.
    db.execute("drop trigger if exists runs_au")
    db.execute(
        """
        create trigger runs_au after update of prompt, answer, model on runs begin
          insert into runs_fts (runs_fts, rowid, prompt, answer, model)
            values ('delete', old.rowid, old.prompt, old.answer, old.model);
          insert into runs_fts (rowid, prompt, answer, model)
            values (new.rowid, new.prompt, new.answer, new.model);
        end
        """
    )


@migration
def m004_runs_host(db: sqlite_utils.Database) -> None:
    # A pid means something only on the machine that recorded it (a database may be shared).
    db.table("runs").add_column("host", str)


@migration
def m005_runs_selected(db: sqlite_utils.Database) -> None:
    # Within an attempt group: 1 for the selected attempt, 0 for the others (NULL: not settled).
    db.table("runs").add_column("selected", int)


@migration
def m006_judge_calls(db: sqlite_utils.Database) -> None:
    # The LLM judge's calls: its audit trail (request, raw reply) and its spend, per grade.
    db["judge_calls"].create(
        {
            "id": int,
            "run_id": int,  # the run judged
            "grade_id": int,  # the grade the call produced (a needs_human one when it failed)
            "provider": str,
            "model": str,
            "request": str,  # JSON: messages and parameters, never a key
            "response": str,
            "stop_reason": str,
            "input_tokens": int,
            "output_tokens": int,
            "cache_read_tokens": int,
            "cache_write_tokens": int,
            "cost_usd": float,  # NULL: the model has no known price
            "started_at": str,
            "elapsed_s": float,
            "error": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id"), ("grade_id", "grades", "id")],
        defaults={
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_write_tokens": 0,
        },
    )
    db["judge_calls"].create_index(["run_id"])
    db["judge_calls"].create_index(["grade_id"])


@migration
def m007_datasets_format(db: sqlite_utils.Database) -> None:
    # Which published format a set was recognised as (jeebench, math, gsm8k...) or "columns";
    # every set loaded before this was read by its column names.
    db.table("datasets").add_column("format", str)
    db.execute("update datasets set format = 'columns'")


@migration
def m008_calls_attempts(db: sqlite_utils.Database) -> None:
    # Every attempt of a provider request is its own row: a retried call has one row per try,
    # the same idx, attempt 1, 2, ... and the HTTP status of each failure.
    db.table("calls").add_column("attempt", int)
    db.table("calls").add_column("status", int)


@migration
def m009_grading_claims(db: sqlite_utils.Database) -> None:
    # Who is auto-grading a run right now (store/claims.py): one grader per run across processes.
    db["grading_claims"].create(
        {"run_id": int, "owner": str, "claimed_at": float},
        pk="run_id",
    )


@migration
def m010_runs_price(db: sqlite_utils.Database) -> None:
    # The model's price as the run was recorded (JSON of reasoning.events.Price; NULL: not
    # priced, or recorded before this): what the store costs a cut-off run's tokens by.
    db.table("runs").add_column("price", str)


@migration
def m011_calls_request_delta(db: sqlite_utils.Database) -> None:
    # A call stores what its request adds to the run's previous one (store/calls.py): g1's
    # requests re-send the conversation at every step, which grew a run's rows with the square
    # of its steps. request_base is the calls row it extends (NULL: `request` is whole).
    calls = db.table("calls")
    calls.add_column("request_base", int)
    calls.add_column("request_head", int)
    calls.add_column("request_tail", int)
    for (run_id,) in db.execute("select distinct run_id from calls").fetchall():
        convert_run(db, run_id)


@migration
def m012_runs_owner(db: sqlite_utils.Database) -> None:
    # The one process driving a run (store/owner.py): written as it starts or resumes, checked
    # before each write, so that two processes never drive the same run.
    db.table("runs").add_column("owner", str)


@migration
def m013_benches(db: sqlite_utils.Database) -> None:
    # A bench as it was asked for (its plan, JSON: arms, models, limit, attempts, endpoint, never
    # a key), how it last ended, and the process driving it now (pid, host, heartbeat): what
    # `ponder benches` lists, `bench --resume` continues, and a second resume is refused by.
    db["benches"].create(
        {
            "id": str,
            "dataset": str,
            "plan": str,
            "jobs": int,  # jobs in its plan
            "status": str,  # running / paused / done / failed, as it last ended
            "started_at": str,
            "finished_at": str,
            "owner": str,  # the invocation driving it now (NULL: none)
            "pid": int,
            "host": str,
            "heartbeat_at": float,
        },
        pk="id",
    )
    db["benches"].create_index(["dataset"])


@migration
def m014_batches(db: sqlite_utils.Database) -> None:
    # A batched bench's provider batches (store/batches.py) and their requests: each request is
    # stored, with a custom id stable across resumes (job, attempt, request), before its batch
    # is submitted, and the provider's batch id after, so a resume never submits one twice.
    db["batches"].create(
        {
            "id": int,
            "bench_id": str,
            "provider": str,  # the protocol: openai | anthropic
            "endpoint": str,  # the base URL, without a key
            "provider_batch_id": str,  # NULL: stored, not (known to be) submitted yet
            "state": str,  # stored / submitted / ended / expired / cancelled / failed / collected
            "requests": int,
            "counts": str,  # JSON: the provider's request counts, as last seen
            "created_at": str,
            "submitted_at": str,
            "ended_at": str,
            "error": str,
        },
        pk="id",
    )
    db["batches"].create_index(["bench_id", "state"])
    db["batch_requests"].create(
        {
            "id": int,
            "bench_id": str,
            "custom_id": str,
            "batch_id": int,
            "run_id": int,  # the run whose call it is (the latest to ask for it)
            "call_idx": int,  # that run's call number, from 1
            "body": str,  # JSON: the request as sent, never a key
            "state": str,  # stored / succeeded / errored / expired / cancelled
            "result": str,  # JSON: the provider's response body
            "error": str,
        },
        pk="id",
    )
    db["batch_requests"].create_index(["bench_id", "custom_id"], unique=True)
    db["batch_requests"].create_index(["batch_id"])


def migrate(
    db: sqlite_utils.Database,
    migrations: Sequence[tuple[str, Callable[[sqlite_utils.Database], None]]] | None = None,
) -> list[str]:
    """Apply every migration not yet applied; return the names applied now.

    Pending migrations run in one `BEGIN IMMEDIATE` transaction, re-checked under the lock, so
    two processes opening a new database at once do not both apply them, and a failure
    leaves the database as it was.
    """
    steps = MIGRATIONS if migrations is None else list(migrations)
    db.execute(
        "create table if not exists _ponder_migrations (name text primary key, applied_at text)"
    )
    if not _pending(db, steps):
        return []
    db.conn.execute("begin immediate")
    try:
        applied = []
        for name, fn in _pending(db, steps):
            fn(db)
            db.execute(
                "insert into _ponder_migrations (name, applied_at) values (?, ?)", (name, now_iso())
            )
            applied.append(name)
        db.conn.execute("commit")
    except BaseException:
        if db.conn.in_transaction:  # SQLite rolls back by itself on a full disk
            db.conn.execute("rollback")
        raise
    return applied


def _pending(
    db: sqlite_utils.Database,
    steps: Sequence[tuple[str, Callable[[sqlite_utils.Database], None]]],
) -> list[tuple[str, Callable[[sqlite_utils.Database], None]]]:
    done = {row["name"] for row in db.query("select name from _ponder_migrations")}
    return [(name, fn) for name, fn in steps if name not in done]
