"""Reading runs back: the history list, one run in full, its `--json` form, crash recovery."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

import sqlite_utils

from reasoning.events import Price, RunSettings, Step, Transcript, Usage
from store.clock import now_iso
from store.owner import is_dead


class NoSuchRun(LookupError):
    """The run id is not in the database."""

    def __init__(self, run_id: int):
        super().__init__(f"no run {run_id}")
        self.run_id = run_id


@dataclass(frozen=True)
class RunSummary:
    """One line of the history: what a list of runs shows."""

    run_id: int
    status: str
    paradigm: str | None
    provider: str | None
    model: str | None
    problem: str | None  # "dataset:key", or None for a free prompt
    answer: str | None
    started_at: str | None
    final_reward: float | None
    stop_reason: str | None = None
    grade: float | None = None  # effective grade: latest human, else latest automatic
    grade_verdict: str | None = None
    prompt: str | None = None  # the start of the prompt (PROMPT_HEAD characters)

    def as_json(self) -> dict[str, Any]:
        """The `ponder runs --json` object: the pinned fields first, then the extras."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RunDetail:
    """One run in full: summary, prompt, steps, usage and why it stopped."""

    summary: RunSummary
    prompt: str
    steps: tuple[Step, ...]  # finished steps, and a last unfinished one if the run was cut
    partial_steps: tuple[int, ...]  # indexes of steps that never finished
    usage: Usage
    calls: int
    cost_usd: float | None
    error: str | None
    elapsed_s: float | None
    finished_at: str | None
    base_url: str | None
    params: dict[str, Any]
    problem_id: int | None
    attempt_group: str | None
    bench_id: str | None

    @property
    def run_id(self) -> int:
        return self.summary.run_id

    @property
    def status(self) -> str:
        return self.summary.status

    @property
    def stop_reason(self) -> str | None:
        return self.summary.stop_reason

    def settings(self) -> RunSettings:
        """The run's settings as recorded (unknown keys from other versions ignored)."""
        known = {f.name for f in fields(RunSettings)}
        return RunSettings(**{k: v for k, v in self.params.items() if k in known})


PROMPT_HEAD = 200  # characters of the prompt a summary carries

# The effective grade in the same query: a human grade outranks any automatic one.
_SUMMARY_COLUMNS = f"""
    r.id, r.status, r.paradigm, r.provider, r.model,
    case when p.id is null then null else p.dataset || ':' || p.key end,
    r.answer, r.started_at, r.final_reward, r.stop_reason, g.score, g.verdict,
    substr(r.prompt, 1, {PROMPT_HEAD}),
    r.pid, r.host, r.heartbeat_at, r.owner
"""
_SUMMARY_JOINS = """
    left join problems p on p.id = r.problem_id
    left join grades g on g.id = (
        select g2.id from grades g2 where g2.run_id = r.id
        order by g2.grader = 'human' desc, g2.id desc limit 1
    )
"""


def fts_query(text: str) -> str | None:
    """User text as a safe FTS5 query: every word must match, the last one as a prefix."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(frozen=True)
class RunFilter:
    """What `ponder runs` narrows the list to besides the search and the dataset (None: any).
    `paradigm` is a paradigm (every dcot run for "dcot") or the arm "dcot+guided"; `status`
    the stored one ("running" also finds runs now read as interrupted)."""

    model: str | None = None
    paradigm: str | None = None
    status: str | None = None
    bench: str | None = None


NO_FILTER = RunFilter()


def _filters(
    search: str | None, dataset: str | None, more: RunFilter = NO_FILTER
) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if more.model is not None:
        where.append("r0.model = ?")
        params.append(more.model)
    if more.paradigm is not None:
        from store.arms import arm_sql

        where.append(f"{arm_sql('r0')} = ?" if "+" in more.paradigm else "r0.paradigm = ?")
        params.append(more.paradigm)
    if more.status is not None:
        # A run left running by a dead process is stored 'running' until the next start.
        statuses = ("running", "interrupted") if more.status == "interrupted" else (more.status,)
        where.append(f"r0.status in ({', '.join('?' * len(statuses))})")
        params += statuses
    if more.bench is not None:
        where.append("r0.bench_id = ?")
        params.append(more.bench)
    match = fts_query(search) if search and search.strip() else None
    if search and search.strip() and match is None:
        where.append("0")  # a search with no words in it matches nothing
    elif match is not None:
        where.append(
            "(r0.id in (select rowid from runs_fts where runs_fts match ?)"
            " or r0.problem_id in (select rowid from problems_fts where problems_fts match ?))"
        )
        params += [match, match]
    if dataset is not None:
        where.append("r0.problem_id in (select id from problems where dataset = ?)")
        params.append(dataset)
    return (" where " + " and ".join(where)) if where else "", params


def list_runs(
    db: sqlite_utils.Database,
    *,
    limit: int = 50,
    offset: int = 0,
    search: str | None = None,
    dataset: str | None = None,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
    more: RunFilter = NO_FILTER,
) -> list[RunSummary]:
    """Runs newest first, a page at a time; `search` is full-text over the run and its problem.

    Pages by key for a long list: `after=ID` the runs listed after run ID (older), `before=ID`
    the `limit` runs listed just before it (newer), `last` the list's last page; each page in
    list order. (`offset` walks every row it skips: for short lists only.)"""
    where, params = _filters(search, dataset, more)
    backward = before is not None or last
    if after is not None or before is not None:
        where += " and" if where else " where"
        where += " r0.id < ?" if after is not None else " r0.id > ?"
        params.append(after if after is not None else before)
    # Pick the page's ids first, so the joins and the grade lookup run for those rows only.
    sql = f"""
        select {_SUMMARY_COLUMNS} from runs r {_SUMMARY_JOINS}
        where r.id in (
            select r0.id from runs r0{where}
            order by r0.id {"asc" if backward else "desc"} limit ? offset ?
        )
        order by r.id desc
    """
    rows = db.execute(sql, [*params, max(0, limit), max(0, offset)]).fetchall()
    now, here = time.time(), socket.gethostname()
    return [_summary(row, now, here) for row in rows]


def _summary(row: Any, now: float, here: str) -> RunSummary:
    """A summary from a row of _SUMMARY_COLUMNS. A run `running` in a dead process reads as
    `interrupted` on every read path, whether or not a writer has marked it yet (a read-only
    store never will)."""
    *columns, pid, host, heartbeat_at, owner = row
    summary = RunSummary(*columns)
    if summary.status == "running" and is_dead(
        pid, host, heartbeat_at, now=now, here=here, owner=owner
    ):
        summary = replace(summary, status="interrupted", stop_reason="interrupted")
    return summary


def count_runs(
    db: sqlite_utils.Database,
    *,
    search: str | None = None,
    dataset: str | None = None,
    more: RunFilter = NO_FILTER,
) -> int:
    """How many runs `list_runs` would page through."""
    where, params = _filters(search, dataset, more)
    return int(db.execute(f"select count(*) from runs r0{where}", params).fetchone()[0])


def get_summary(db: sqlite_utils.Database, run_id: int) -> RunSummary | None:
    """One run's summary line, or None."""
    row = db.execute(
        f"select {_SUMMARY_COLUMNS} from runs r {_SUMMARY_JOINS} where r.id = ?", (run_id,)
    ).fetchone()
    return None if row is None else _summary(row, time.time(), socket.gethostname())


def get_run(db: sqlite_utils.Database, run_id: int) -> RunDetail | None:
    """One run in full, or None if there is no such run."""
    summary = get_summary(db, run_id)
    if summary is None:
        return None
    row = db.execute(
        "select prompt, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
        " calls, cost_usd, error, elapsed_s, finished_at, base_url, params, problem_id,"
        " attempt_group, bench_id, price from runs where id = ?",
        (run_id,),
    ).fetchone()
    steps, partial = _steps(db, run_id, finished_only=False)
    try:
        params = json.loads(row[11]) if row[11] else {}
    except ValueError:
        params = {}
    usage, calls, cost_usd, elapsed = (
        Usage(*(int(v or 0) for v in row[1:5])),
        row[5],
        row[6],
        row[8],
    )
    if summary.status == "interrupted":
        usage, calls, cost_usd, elapsed = _settled(
            db, run_id, row[15], usage, calls, cost_usd, elapsed
        )
    return RunDetail(
        summary=summary,
        prompt=row[0] or "",
        steps=steps,
        partial_steps=partial,
        usage=usage,
        calls=int(calls or 0),
        cost_usd=cost_usd,
        error=row[7],
        elapsed_s=elapsed,
        finished_at=row[9],
        base_url=row[10],
        params=params if isinstance(params, dict) else {},
        problem_id=row[12],
        attempt_group=row[13],
        bench_id=row[14],
    )


def recorded_figures(db: sqlite_utils.Database, run_id: int) -> tuple[Usage, int, float | None]:
    """Tokens, calls and seconds of a run cut off by a dead process, from the rows it left: the
    finished calls' counts, plus about 4 characters a token for a call that never finished
    (what it sent; the step text written beyond the finished calls' responses)."""
    row = db.execute(
        "select count(distinct idx), coalesce(sum(input_tokens), 0),"
        " coalesce(sum(output_tokens), 0), coalesce(sum(cache_read_tokens), 0),"
        " coalesce(sum(cache_write_tokens), 0),"
        " coalesce(sum(case when response is null and error is null then length(request)"
        "   + coalesce(request_head, 0) + coalesce(request_tail, 0) else 0 end), 0),"
        " coalesce(sum(length(response)), 0) from calls where run_id = ?",
        (run_id,),
    ).fetchone()
    calls, sent, answered = int(row[0]), int(row[5]), int(row[6])
    written, first, last = db.execute(
        "select coalesce(sum(length(content)), 0), min(started_at),"
        " max(max(coalesce(finished_at, 0), coalesce(started_at, 0)))"
        " from steps where run_id = ?",
        (run_id,),
    ).fetchone()
    unanswered = max(0, int(written) - answered) if sent else 0
    usage = Usage(
        input_tokens=int(row[1]) + -(-sent // 4),
        output_tokens=int(row[2]) + -(-unanswered // 4),
        cache_read_tokens=int(row[3]),
        cache_write_tokens=int(row[4]),
    )
    run = db.execute("select started_at, heartbeat_at from runs where id = ?", (run_id,)).fetchone()
    elapsed = None
    if run is not None and run[0]:
        try:
            start = dt.datetime.fromisoformat(run[0]).timestamp()
        except ValueError:
            start = None
        ends = [t for t in (run[1], last) if t]
        if start is not None and ends:
            elapsed = max(0.0, max(ends) - start)
    return usage, calls, elapsed


def _settled(
    db: sqlite_utils.Database,
    run_id: int,
    price: str | None,
    usage: Usage,
    calls: int | None,
    cost_usd: float | None,
    elapsed: float | None,
) -> tuple[Usage, int, float | None, float | None]:
    """An interrupted run's figures: what its row says, or what its steps and calls show if
    more (the row is updated only as calls end), costed at the price kept with the run."""
    seen, seen_calls, seen_elapsed = recorded_figures(db, run_id)
    if seen_elapsed is not None and (elapsed is None or seen_elapsed > elapsed):
        elapsed = seen_elapsed
    if seen_calls > int(calls or 0) or _tokens(seen) > _tokens(usage):
        usage, calls = seen, max(seen_calls, int(calls or 0))
        cost_usd = _cost(price, usage)
    return usage, int(calls or 0), cost_usd, elapsed


def _cost(price: str | None, usage: Usage) -> float | None:
    """What `usage` cost at a run's kept price (JSON of a Price); None when it has none."""
    if not price:
        return None
    try:
        return Price(**json.loads(price)).cost(usage)
    except (ValueError, TypeError):  # not a price this version can read
        return None


def _tokens(usage: Usage) -> int:
    return usage.input_tokens + usage.output_tokens


def _steps(
    db: sqlite_utils.Database, run_id: int, *, finished_only: bool
) -> tuple[tuple[Step, ...], tuple[int, ...]]:
    rows = db.execute(
        "select idx, kind, content, title, reward, budget_left, backtrack, started_at,"
        " finished_at, partial from steps where run_id = ?"
        + (" and partial = 0" if finished_only else "")
        + " order by idx",
        (run_id,),
    ).fetchall()
    steps = tuple(
        Step(
            index=r[0],
            kind=r[1],
            content=r[2] or "",
            title=r[3],
            reward=r[4],
            budget_left=r[5],
            backtrack=bool(r[6]),
            started_at=r[7] or 0.0,
            finished_at=r[8] or 0.0,
        )
        for r in rows
    )
    return steps, tuple(r[0] for r in rows if r[9])


def run_json(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    """The SPEC §6 `solve --json` object for a stored run (raises NoSuchRun)."""
    d = get_run(db, run_id)
    if d is None:
        raise NoSuchRun(run_id)
    s = d.summary
    return run_object(
        run_id=s.run_id,
        status=s.status,
        stop_reason=s.stop_reason,
        paradigm=s.paradigm,
        provider=s.provider,
        model=s.model,
        steps=d.steps,
        answer=s.answer,
        final_reward=s.final_reward,
        reinforce=str(d.params.get("reinforce") or "self"),
        usage=d.usage,
        calls=d.calls,
        cost_usd=d.cost_usd,
        elapsed_s=d.elapsed_s,
        problem=s.problem,
        error=d.error,
        started_at=s.started_at,
    )


def run_record(db: sqlite_utils.Database, run_id: int) -> dict[str, Any]:
    """`ponder show --json`: the run's `solve --json` object and where it belongs (its bench,
    its attempt group and whether it is the selected attempt)."""
    obj = run_json(db, run_id)
    row = db.execute(
        "select bench_id, attempt_group, selected from runs where id = ?", (run_id,)
    ).fetchone()
    bench_id, group, selected = row if row is not None else (None, None, None)
    obj |= {
        "bench_id": bench_id,
        "attempt_group": group,
        "selected": None if selected is None else bool(selected),
    }
    return obj


def run_object(
    *,
    run_id: int | None,
    status: str,
    stop_reason: str | None,
    paradigm: str | None,
    provider: str | None,
    model: str | None,
    steps: Iterable[Step],
    answer: str | None,
    final_reward: float | None,
    reinforce: str,
    usage: Usage,
    calls: int,
    cost_usd: float | None,
    elapsed_s: float | None,
    problem: str | None,
    error: str | None,
    started_at: str | None,
) -> dict[str, Any]:
    """The SPEC §6 `solve --json` object, field for field in its pinned order: from the store
    (`run_json`) or from what a run's events showed (workbench.seen), the same either way."""
    return {
        "run_id": run_id,
        "status": status,
        "stop_reason": stop_reason,
        "paradigm": paradigm,
        "provider": provider,
        "model": model,
        "steps": [
            {
                "index": st.index,
                "kind": st.kind,
                "title": st.title,
                "content": st.content,
                "reward": st.reward,
                "budget_left": st.budget_left,
                "backtrack": st.backtrack,
            }
            for st in steps
        ],
        "answer": answer,
        "final_reward": final_reward,
        "reinforce": reinforce,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "calls": calls,
            "cost_usd": cost_usd,
        },
        "elapsed_s": elapsed_s,
        "problem": problem,
        "error": error,
        "started_at": started_at,
    }


def load_transcript(db: sqlite_utils.Database, run_id: int) -> Transcript:
    """What `resume` hands the engine: the prompt, the finished steps, the completed calls' text."""
    row = db.execute("select prompt from runs where id = ?", (run_id,)).fetchone()
    if row is None:
        raise NoSuchRun(run_id)
    steps, _ = _steps(db, run_id, finished_only=True)
    responses = db.execute(
        "select response from calls where run_id = ? and response is not null order by idx, id",
        (run_id,),
    ).fetchall()
    return Transcript(prompt=row[0] or "", steps=list(steps), raw="".join(r[0] for r in responses))


def mark_interrupted(db: sqlite_utils.Database) -> int:
    """Runs left `running` by a dead process become `interrupted`; returns how many."""
    rows = db.execute(
        "select id, pid, host, heartbeat_at, started_at, owner from runs where status = 'running'"
    ).fetchall()
    if not rows:
        return 0
    now, here = time.time(), socket.gethostname()
    dead = [
        (row[0], _elapsed(row[4], row[3]))
        for row in rows
        if is_dead(row[1], row[2], row[3], now=now, here=here, owner=row[5])
    ]
    if not dead:
        return 0
    finished_at = now_iso()
    try:
        with db.atomic():
            for run_id, elapsed in dead:
                changed = db.execute(
                    "update runs set status = 'interrupted', stop_reason = 'interrupted',"
                    " finished_at = ?, elapsed_s = coalesce(elapsed_s, ?)"
                    " where id = ? and status = 'running'",
                    (finished_at, elapsed, run_id),
                ).rowcount
                if changed:
                    _store_settled(db, run_id)
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        return 0  # a read-only store: the read paths say `interrupted` all the same
    return len(dead)


def _store_settled(db: sqlite_utils.Database, run_id: int) -> None:
    """Write an interrupted run's figures from what it recorded, so every reader agrees."""
    row = db.execute(
        "select price, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
        " calls, cost_usd, elapsed_s from runs where id = ?",
        (run_id,),
    ).fetchone()
    usage, calls, cost_usd, elapsed = _settled(
        db, run_id, row[0], Usage(*(int(v or 0) for v in row[1:5])), row[5], row[6], row[7]
    )
    db.execute(
        "update runs set input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
        " cache_write_tokens = ?, calls = ?, cost_usd = ?, elapsed_s = ? where id = ?",
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            calls,
            cost_usd,
            elapsed,
            run_id,
        ),
    )


def _elapsed(started_at: str | None, heartbeat_at: float | None) -> float | None:
    """How long a dead run lived: from its start to its last sign of life."""
    if not started_at or heartbeat_at is None:
        return None
    try:
        start = dt.datetime.fromisoformat(started_at).timestamp()
    except ValueError:
        return None
    return max(0.0, heartbeat_at - start)


def delete_run(db: sqlite_utils.Database, run_id: int) -> bool:
    """Delete a run with its steps, calls and grades; False if there was no such run."""
    with db.atomic():
        for table in ("grades", "calls", "steps"):
            db.execute(f"delete from {table} where run_id = ?", (run_id,))
        return db.execute("delete from runs where id = ?", (run_id,)).rowcount > 0


# ---- small lookups for the command line and the screens ------------------------------------


def dataset_exists(db: sqlite_utils.Database, dataset: str) -> bool:
    """The store holds at least one problem of this dataset."""
    row = db.conn.execute("select 1 from problems where dataset = ? limit 1", [dataset])
    return row.fetchone() is not None


def problem_count(db: sqlite_utils.Database, dataset: str) -> int:
    """How many problems a dataset has."""
    row = db.conn.execute("select count(*) from problems where dataset = ?", [dataset]).fetchone()
    return int(row[0]) if row else 0


def run_status(db: sqlite_utils.Database, run_id: int) -> str | None:
    """A run's status as stored, or None when there is no such run."""
    row = db.conn.execute("select status from runs where id = ?", [run_id]).fetchone()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class RunPreview:
    """What a list shows of a highlighted run: its prompt and how it ended."""

    prompt: str | None
    answer: str | None
    error: str | None
    status: str


def run_preview(db: sqlite_utils.Database, run_id: int) -> RunPreview | None:
    """A run's prompt, answer, error and status (no steps): cheap enough for every keystroke."""
    row = db.conn.execute(
        "select prompt, answer, error, status from runs where id = ?", [run_id]
    ).fetchone()
    return None if row is None else RunPreview(*row)


def recent_prompts(db: sqlite_utils.Database, limit: int = 100) -> list[str]:
    """The prompts of the latest runs, newest first."""
    rows = db.execute(
        "select prompt from runs where prompt is not null order by id desc limit ?", [limit]
    ).fetchall()
    return [row[0] for row in rows]
