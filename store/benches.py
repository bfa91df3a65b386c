"""Benches as things of their own: what each was asked to run, how it last ended, and which
process drives it now (a lease renewed by a heartbeat), so `bench --resume` continues the right
bench and refuses one another live process runs, and `ponder benches` lists them."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.clock import now_iso
from store.owner import is_dead

BENCH_STATUSES = ("running", "paused", "done", "failed")


@dataclass(frozen=True)
class Owner:
    """The process driving a bench."""

    pid: int
    host: str
    heartbeat_at: float
    token: str | None = None  # store.owner.owner_token(): tells a reused pid from the driver


@dataclass(frozen=True)
class BenchRecord:
    """A bench's row: its plan (JSON object), as it last ended, and its driver if any."""

    id: str
    dataset: str
    plan: dict[str, Any]
    jobs: int
    status: str
    started_at: str | None
    finished_at: str | None
    owner: Owner | None


@dataclass(frozen=True)
class BenchListing:
    """One line of `ponder benches`."""

    id: str
    dataset: str | None
    paradigms: tuple[str, ...]
    models: tuple[str, ...]
    status: str  # running / waiting / paused / done / failed
    jobs: int | None  # jobs in its plan (None: a bench recorded before benches had rows)
    done: int  # jobs whose latest run is done
    failed: int  # jobs whose latest run failed
    runs: int
    cost_usd: float | None  # None: some run's price is unknown
    started_at: str | None
    batches_waiting: int = 0  # provider batches submitted and not collected yet


def alive(owner: Owner | None, now: float | None = None) -> bool:
    """Is this driver still at it? Its process on this machine (known by its start time, as a
    run's owner is: store.owner), elsewhere a recent heartbeat."""
    if owner is None:
        return False
    now = time.time() if now is None else now
    return not is_dead(
        owner.pid,
        owner.host,
        owner.heartbeat_at,
        now=now,
        here=socket.gethostname(),
        owner=owner.token,
    )


def _record(row: Any) -> BenchRecord:
    bench_id, dataset, plan, jobs, status, started, finished, owner, pid, host, beat = row
    return BenchRecord(
        id=bench_id,
        dataset=dataset,
        plan=json.loads(plan or "{}"),
        jobs=jobs or 0,
        status=status or "paused",
        started_at=started,
        finished_at=finished,
        owner=Owner(pid, host or "", beat or 0.0, owner) if owner and pid else None,
    )


_COLUMNS = (
    "id, dataset, plan, jobs, status, started_at, finished_at, owner, pid, host, heartbeat_at"
)


def get_bench(db: sqlite_utils.Database, bench_id: str) -> BenchRecord | None:
    row = db.conn.execute(f"select {_COLUMNS} from benches where id = ?", [bench_id]).fetchone()
    return None if row is None else _record(row)


def benches_of(db: sqlite_utils.Database, dataset: str) -> list[BenchRecord]:
    """A dataset's benches, the most recently started first."""
    rows = db.conn.execute(
        f"select {_COLUMNS} from benches where dataset = ? order by started_at desc, rowid desc",
        [dataset],
    ).fetchall()
    return [_record(r) for r in rows]


def claim_bench(
    db: sqlite_utils.Database,
    bench_id: str,
    *,
    dataset: str,
    plan: dict[str, Any],
    jobs: int,
    owner: str,
    pid: int,
) -> Owner | None:
    """Take the bench for this invocation (its row made if new, its plan updated); the other
    live driver, and nothing taken, while one holds it."""
    now, host = time.time(), socket.gethostname()
    conn = db.conn
    conn.execute("begin immediate")
    try:
        row = conn.execute(f"select {_COLUMNS} from benches where id = ?", [bench_id]).fetchone()
        if row is not None:
            held = _record(row)
            if held.owner is not None and row[7] != owner and alive(held.owner, now):
                conn.execute("rollback")
                return held.owner
            conn.execute(
                "update benches set plan = ?, jobs = ?, status = 'running', finished_at = null,"
                " owner = ?, pid = ?, host = ?, heartbeat_at = ? where id = ?",
                [json.dumps(plan), jobs, owner, pid, host, now, bench_id],
            )
        else:
            conn.execute(
                f"insert into benches ({_COLUMNS}) values (?, ?, ?, ?, 'running', ?, null, ?, ?,"
                " ?, ?)",
                [bench_id, dataset, json.dumps(plan), jobs, now_iso(), owner, pid, host, now],
            )
    except BaseException:
        if conn.in_transaction:
            conn.execute("rollback")
        raise
    conn.execute("commit")
    return None


def renew_bench(db: sqlite_utils.Database, bench_id: str, owner: str) -> bool:
    """The driver's heartbeat; False if it no longer holds the bench."""
    cur = db.execute(
        "update benches set heartbeat_at = ? where id = ? and owner = ?",
        [time.time(), bench_id, owner],
    )
    return cur.rowcount > 0


def release_bench(db: sqlite_utils.Database, bench_id: str, owner: str, status: str) -> None:
    """The invocation ends: how the bench ended, and the lease given back."""
    db.execute(
        "update benches set status = ?, finished_at = ?, owner = null, pid = null,"
        " heartbeat_at = null where id = ? and owner = ?",
        [status, now_iso(), bench_id, owner],
    )


_LIST_SQL = """
with ids as (
    select id as bench_id from benches
    union select distinct bench_id from runs where bench_id is not null
),
latest as (
    select r.bench_id, r.status,
           row_number() over (
               partition by r.bench_id, r.model, r.paradigm, coalesce(r.problem_id, -r.id)
               order by r.id desc
           ) as rn
    from runs r where r.bench_id is not null
),
jobs as (
    select bench_id, sum(status = 'done') as done, sum(status = 'failed') as failed,
           count(*) as seen
    from latest where rn = 1 group by bench_id
),
spend as (
    select bench_id, count(*) as runs, total(cost_usd) as cost,
           sum(cost_usd is null and coalesce(calls, 0) > 0) as unknown,
           min(started_at) as started, max(id) as newest,
           group_concat(distinct paradigm) as paradigms, group_concat(distinct model) as models,
           min(problem_id) as problem_id
    from runs where bench_id is not null group by bench_id
)
select ids.bench_id, b.dataset, b.plan, b.jobs, b.status, b.owner, b.pid, b.host,
       b.heartbeat_at, coalesce(b.started_at, s.started), coalesce(j.done, 0),
       coalesce(j.failed, 0), coalesce(j.seen, 0), coalesce(s.runs, 0), s.cost, s.unknown,
       s.paradigms, s.models, (select dataset from problems where id = s.problem_id)
from ids left join benches b on b.id = ids.bench_id
left join jobs j on j.bench_id = ids.bench_id
left join spend s on s.bench_id = ids.bench_id
order by coalesce(b.started_at, s.started) desc, s.newest desc
limit ?
"""


_NO_BENCHES = (
    "select null as id, null as dataset, null as plan, null as jobs, null as status,"
    " null as owner, null as pid, null as host, null as heartbeat_at, null as started_at"
    " where 0"
)


def list_benches(db: sqlite_utils.Database, limit: int = 100) -> list[BenchListing]:
    """Benches, the most recently started first, with their status, progress and spend."""
    waiting = batches_waiting(db)
    now = time.time()
    found = []
    sql = _LIST_SQL
    if not db["benches"].exists():  # an older store opened read-only: its runs say it all
        sql = sql.replace("select id as bench_id from benches\n    union ", "").replace(
            "left join benches b", f"left join ({_NO_BENCHES}) b"
        )
    for row in db.conn.execute(sql, [limit]).fetchall():
        (bench_id, dataset, plan, jobs, status, owner, pid, host, beat, started) = row[:10]
        done, failed, seen, runs, cost, unknown, paradigms, models, run_dataset = row[10:]
        plan_obj = json.loads(plan) if plan else {}
        driver = Owner(pid, host or "", beat or 0.0, owner) if owner and pid else None
        held = alive(driver, now)
        n_waiting = waiting.get(bench_id, 0)
        if held:
            state = "running"
        elif n_waiting:
            state = "waiting"
        elif status in ("done", "failed"):
            state = status
        elif status is None:  # recorded before benches had rows: read from its runs
            state = "done" if seen and done == seen else "paused"
        else:
            state = "paused"
        found.append(
            BenchListing(
                id=bench_id,
                dataset=dataset or run_dataset,
                paradigms=tuple(plan_obj.get("paradigms") or _names(paradigms)),
                models=tuple(plan_obj.get("models") or _names(models)),
                status=state,
                jobs=jobs,
                done=done,
                failed=failed,
                runs=runs,
                cost_usd=None if unknown else float(cost or 0.0),
                started_at=started,
                batches_waiting=n_waiting,
            )
        )
    return found


def batches_waiting(db: sqlite_utils.Database) -> dict[str, int]:
    """Per bench, its provider batches submitted and not collected yet (none before batch mode)."""
    if not db["batches"].exists():
        return {}
    rows = db.conn.execute(
        "select bench_id, count(*) from batches where state in ('stored', 'submitted')"
        " group by bench_id"
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _names(joined: str | None) -> list[str]:
    return sorted(n for n in (joined or "").split(",") if n)
