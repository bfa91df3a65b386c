"""Queries for benchmarks: which jobs are already done, and a bench's progress read from its runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlite_utils

from store.arms import arm_sql
from store.grades import EFFECTIVE_GRADE_ID

FINAL = ("done", "failed")  # a run in one of these ended by itself (not cancelled or interrupted)


@dataclass(frozen=True)
class JobKey:
    """One benchmark job: a problem under one paradigm and one model."""

    problem_id: int
    paradigm: str
    model: str


@dataclass(frozen=True)
class JobState:
    """What the store knows of a job: its latest run (or attempt group) and whether it is complete."""

    status: str  # "done" | "failed" | "cancelled" | "interrupted" | "running" | "new"
    run_ids: tuple[int, ...] = ()
    bench_id: str | None = None


@dataclass(frozen=True)
class ConfigTotals:
    """One configuration (model x paradigm) of a bench: its runs, tokens and cost."""

    model: str
    paradigm: str
    runs: int
    done: int
    failed: int
    stopped: int  # cancelled or interrupted
    running: int
    tokens: int
    cost_usd: float | None  # None when some run's price is unknown
    cost_unknown: int  # runs with calls whose cost is unknown


@dataclass(frozen=True)
class BenchStatus:
    """A bench as the store sees it (for a watcher in another process): runs by status and totals."""

    bench_id: str
    dataset: str | None
    started_at: str | None
    runs: int
    done: int
    failed: int
    stopped: int
    running: int
    tokens: int
    cost_usd: float | None
    cost_unknown: int
    configs: tuple[ConfigTotals, ...]


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def job_states(
    db: sqlite_utils.Database,
    dataset: str,
    paradigms: Sequence[str],
    models: Sequence[str],
    attempts: int = 1,
) -> dict[JobKey, JobState]:
    """The state of every job of a dataset that has runs, from its latest run (or attempt group).

    A job is "done" when its latest run is done; with attempts > 1, when its latest attempt group
    holds at least `attempts` runs, all ended by themselves, one of them done.
    """
    if not paradigms or not models:
        return {}
    arm = arm_sql("r")
    rows = db.conn.execute(
        f"select r.problem_id, {arm}, r.model, r.id, r.status, r.attempt_group, r.bench_id"
        " from runs r join problems p on p.id = r.problem_id"
        f" where p.dataset = ? and {arm} in ({_placeholders(paradigms)})"
        f" and r.model in ({_placeholders(models)}) order by r.id",
        [dataset, *paradigms, *models],
    ).fetchall()
    by_job: dict[JobKey, list[tuple[int, str, str | None, str | None]]] = {}
    for problem_id, paradigm, model, run_id, status, group, bench_id in rows:
        by_job.setdefault(JobKey(problem_id, paradigm, model), []).append(
            (run_id, status, group, bench_id)
        )
    return {key: _state(runs, attempts) for key, runs in by_job.items()}


def _state(runs: list[tuple[int, str, str | None, str | None]], attempts: int) -> JobState:
    _, status, group, bench_id = runs[-1]
    members = [runs[-1]] if group is None else [r for r in runs if r[2] == group]
    ids = tuple(r[0] for r in members)
    statuses = [r[1] for r in members]
    if "running" in statuses:
        return JobState("running", ids, bench_id)
    if attempts <= 1 and group is None:
        return JobState(status, ids, bench_id)
    complete = len(members) >= attempts and all(s in FINAL for s in statuses)
    if complete and "done" in statuses:
        return JobState("done", ids, bench_id)
    # The group's worst state says why it must run again.
    for worst in ("interrupted", "cancelled", "failed"):
        if worst in statuses:
            return JobState(worst, ids, bench_id)
    return JobState("failed", ids, bench_id)  # too few attempts recorded


def latest_bench_id(db: sqlite_utils.Database, run_ids: Iterable[int]) -> str | None:
    """The bench id of the newest of these runs that has one."""
    ids = sorted(set(run_ids), reverse=True)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        row = db.conn.execute(
            f"select bench_id from runs where id in ({_placeholders(chunk)})"
            " and bench_id is not null order by id desc limit 1",
            chunk,
        ).fetchone()
        if row is not None:
            return str(row[0])
    return None


_CONFIG_SQL = f"""
select coalesce(r.model, '?'), coalesce({arm_sql("r")}, '?') as arm, count(*),
       sum(r.status = 'done'), sum(r.status = 'failed'),
       sum(r.status in ('cancelled', 'interrupted')), sum(r.status = 'running'),
       total(coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0)),
       total(r.cost_usd), sum(r.cost_usd is null and coalesce(r.calls, 0) > 0)
from runs r where r.bench_id = ?
group by r.model, arm order by r.model, arm
"""


def config_totals(db: sqlite_utils.Database, bench_id: str) -> list[ConfigTotals]:
    """Per model x paradigm: the bench's runs by status, tokens and cost (failed runs included)."""
    return [
        ConfigTotals(
            model=r[0],
            paradigm=r[1],
            runs=r[2],
            done=r[3] or 0,
            failed=r[4] or 0,
            stopped=r[5] or 0,
            running=r[6] or 0,
            tokens=int(r[7] or 0),
            cost_usd=None if r[9] else float(r[8] or 0.0),
            cost_unknown=r[9] or 0,
        )
        for r in db.conn.execute(_CONFIG_SQL, [bench_id]).fetchall()
    ]


def bench_status(db: sqlite_utils.Database, bench_id: str) -> BenchStatus | None:
    """A bench's progress from its runs (what a TUI watching a CLI bench shows), or None."""
    configs = config_totals(db, bench_id)
    if not configs:
        return None
    head = db.conn.execute(
        "select min(r.started_at), min(p.dataset) from runs r"
        " left join problems p on p.id = r.problem_id where r.bench_id = ?",
        [bench_id],
    ).fetchone()
    unknown = sum(c.cost_unknown for c in configs)
    return BenchStatus(
        bench_id=bench_id,
        dataset=head[1],
        started_at=head[0],
        runs=sum(c.runs for c in configs),
        done=sum(c.done for c in configs),
        failed=sum(c.failed for c in configs),
        stopped=sum(c.stopped for c in configs),
        running=sum(c.running for c in configs),
        tokens=sum(c.tokens for c in configs),
        cost_usd=None if unknown else sum(c.cost_usd or 0.0 for c in configs),
        cost_unknown=unknown,
        configs=tuple(configs),
    )


def ungraded_runs(db: sqlite_utils.Database, bench_id: str) -> list[int]:
    """A bench's done runs with no grade yet (a process killed between the two leaves some)."""
    rows = db.conn.execute(
        "select r.id from runs r where r.bench_id = ? and r.status = 'done'"
        " and not exists (select 1 from grades g where g.run_id = r.id) order by r.id",
        [bench_id],
    ).fetchall()
    return [r[0] for r in rows]


def recent_benches(db: sqlite_utils.Database, limit: int = 20) -> list[str]:
    """Bench ids, the most recently started first."""
    rows = db.conn.execute(
        "select bench_id from runs where bench_id is not null"
        " group by bench_id order by max(id) desc limit ?",
        [limit],
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class ConfigProgress:
    """One configuration of a bench: its problems by the state of their latest run."""

    model: str
    paradigm: str
    problems: int  # problems with a run in this bench
    done: int
    failed: int
    running: int
    stopped: int  # cancelled or interrupted, to be run again on resume
    graded: int  # done runs whose grade counts: full, partial or zero
    needs_human: int  # done runs the automatic graders left to a person

    @property
    def finished(self) -> int:
        return self.done + self.failed


# The latest run per problem counts, so a resumed bench's re-runs replace what they redo.
_PROGRESS_SQL = """
with latest as (
    select id, coalesce(model, '?') as model, coalesce({arm}, '?') as paradigm, status,
           row_number() over (
               partition by model, {arm}, coalesce(problem_id, -id) order by id desc
           ) as rn
    from runs r where bench_id = ?
),
counted as (
    select l.model, l.paradigm, l.status, g.verdict
    from latest l left join grades g on g.id = {effective}
    where l.rn = 1
)
select model, paradigm, count(*), sum(status = 'done'), sum(status = 'failed'),
       sum(status = 'running'), sum(status in ('cancelled', 'interrupted')),
       sum(status = 'done' and verdict in ('full', 'partial', 'zero')),
       sum(status = 'done' and verdict = 'needs_human')
from counted group by model, paradigm order by model, paradigm
""".format(effective=EFFECTIVE_GRADE_ID.format(run="l.id"), arm=arm_sql("r"))


def bench_progress(db: sqlite_utils.Database, bench_id: str) -> list[ConfigProgress]:
    """Per model x paradigm, the bench's problems by the state of their latest run."""
    return [
        ConfigProgress(r[0], r[1], r[2], *(int(v or 0) for v in r[3:9]))
        for r in db.conn.execute(_PROGRESS_SQL, [bench_id]).fetchall()
    ]


def running_bench(db: sqlite_utils.Database) -> str | None:
    """The bench id of a run in progress (this process or another), newest first."""
    row = db.conn.execute(
        "select bench_id from runs where status = 'running' and bench_id is not null"
        " order by id desc limit 1"
    ).fetchone()
    return None if row is None else str(row[0])


def latest_bench(db: sqlite_utils.Database) -> str | None:
    """The bench id of the newest bench run."""
    row = db.conn.execute(
        "select bench_id from runs where id = (select max(id) from runs where bench_id is not null)"
    ).fetchone()
    return None if row is None else str(row[0])


def bench_dataset(db: sqlite_utils.Database, bench_id: str) -> str | None:
    """The dataset a bench runs (None if none of its runs is tied to a problem)."""
    row = db.conn.execute(
        "select p.dataset from runs r join problems p on p.id = r.problem_id"
        " where r.bench_id = ? limit 1",
        [bench_id],
    ).fetchone()
    return row[0] if row else None
