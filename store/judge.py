"""The LLM judge's side of the store: which runs to judge, what it is shown, its grades, its calls,
its spend, and the runs that a human and a judge both graded (for agreement).

Judge grades are grader 'llm' and count as automatic: a human grade, earlier or later, stays
the effective one (store.grades.EFFECTIVE_GRADE_ID).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from reasoning.events import Usage
from store.clock import now_iso
from store.grades import (
    EFFECTIVE_GRADE_ID,
    HUMAN_KINDS,
    GradeError,
    StoredGrade,
    add_grade,
    grade_by_id,
)
from store.importers.rows import stored_meta, worked_solution

# A raw reply kept in an unreadable grade's note is cut here (the whole of it is in judge_calls).
NOTE_RAW_CHARS = 4000


@dataclass(frozen=True)
class RunForJudge:
    """What the judge is shown of one finished run."""

    run_id: int
    problem: str
    reference: str | None
    kind: str | None
    answer: str | None
    steps: tuple[tuple[str, str | None, str], ...]  # (kind, title, content), in order
    problem_max: float | None  # the problem's max_points, if it has one
    solution: str | None = None  # the set's worked reference solution, if it has one


@dataclass(frozen=True)
class JudgeSpend:
    """What judging cost: calls, tokens, the known part of the cost, and calls of unknown price."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_unknown: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def judge_targets(
    db: sqlite_utils.Database,
    dataset: str | None = None,
    *,
    judge_model: str,
    redo: bool = False,
) -> list[int]:
    """Finished runs for the judge, oldest first: proofs, free text, and any run whose grade is
    needs_human, that this judge model has not yet graded (`redo`: all of them again).

    A judge grade that is itself needs_human (an unreadable reply, a failed call) does not count
    as judged: the next pass tries again.
    """
    effective = EFFECTIVE_GRADE_ID.format(run="r.id")
    sql = (
        "select r.id from runs r left join problems p on p.id = r.problem_id"
        " where r.status = 'done'"
        f" and (p.kind in ({', '.join('?' * len(HUMAN_KINDS))})"
        f"  or (select verdict from grades where id = {effective}) = 'needs_human')"
    )
    params: list[Any] = list(HUMAN_KINDS)
    if not redo:
        sql += (
            " and not exists (select 1 from grades g where g.run_id = r.id and g.grader = 'llm'"
            " and g.grader_name = ? and g.verdict != 'needs_human')"
        )
        params.append(judge_model)
    if dataset is not None:
        sql += " and p.dataset = ?"
        params.append(dataset)
    return [r[0] for r in db.conn.execute(sql + " order by r.id", params)]


def grade_watermark(db: sqlite_utils.Database) -> int:
    """The newest grade's id: grades after it were made after this moment."""
    return int(db.conn.execute("select coalesce(max(id), 0) from grades").fetchone()[0])


def judged_since(db: sqlite_utils.Database, run_id: int, *, judge_model: str, since: int) -> bool:
    """Has this judge model given the run a readable mark after grade `since` (0: ever)?"""
    row = db.conn.execute(
        "select 1 from grades where run_id = ? and grader = 'llm' and grader_name = ?"
        " and verdict != 'needs_human' and id > ? limit 1",
        [run_id, judge_model, since],
    ).fetchone()
    return row is not None


def judged_kind_problems(db: sqlite_utils.Database, problem_ids: set[int]) -> set[int]:
    """Those of the problems whose runs the judge marks: proofs and free text."""
    if not problem_ids:
        return set()
    ids = sorted(problem_ids)
    found: set[int] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(
            r[0]
            for r in db.conn.execute(
                f"select id from problems where id in ({', '.join('?' * len(chunk))})"
                f" and kind in ({', '.join('?' * len(HUMAN_KINDS))})",
                [*chunk, *HUMAN_KINDS],
            )
        )
    return found


def run_for_judge(db: sqlite_utils.Database, run_id: int) -> RunForJudge:
    """The problem, reference, answer and steps of a run (the run's prompt when it has no problem)."""
    row = db.conn.execute(
        "select coalesce(p.text, r.prompt), p.reference, p.kind, r.answer, p.max_points, p.meta"
        " from runs r left join problems p on p.id = r.problem_id where r.id = ?",
        [run_id],
    ).fetchone()
    if row is None:
        raise GradeError(f"no run {run_id}")
    steps = db.conn.execute(
        "select kind, title, content from steps where run_id = ? order by idx", [run_id]
    ).fetchall()
    return RunForJudge(
        run_id=run_id,
        problem=row[0] or "",
        reference=row[1],
        kind=row[2],
        answer=row[3],
        steps=tuple((k or "step", t, c or "") for k, t, c in steps),
        problem_max=row[4],
        solution=worked_solution(stored_meta(row[5])),
    )


def add_judge_grade(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    judge_model: str,
    points: float,
    max_points: float,
    feedback: str,
) -> StoredGrade:
    """Record a judge's mark: score = points / max, verdict by score, the feedback as the note."""
    if not 0 <= points <= max_points:
        raise GradeError(f"judge points {points:g} are not between 0 and {max_points:g}")
    score = points / max_points
    verdict = "full" if score >= 1 else "zero" if score <= 0 else "partial"
    return _add_llm_grade(
        db,
        run_id,
        judge_model,
        score=score,
        verdict=verdict,
        points=points,
        max_points=max_points,
        note=feedback.strip() or None,
    )


def add_judge_failure(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    judge_model: str,
    reason: str,
    raw_reply: str | None = None,
    max_points: float | None = None,
) -> StoredGrade:
    """Record that the judge could not grade a run: needs_human, the reason (and raw reply) kept."""
    note = reason.strip()
    if raw_reply is not None and raw_reply.strip():
        raw = raw_reply.strip()
        if len(raw) > NOTE_RAW_CHARS:
            raw = raw[:NOTE_RAW_CHARS] + " […]"
        note += f"\n\nThe judge's reply:\n{raw}"
    return _add_llm_grade(
        db, run_id, judge_model, score=None, verdict="needs_human", max_points=max_points, note=note
    )


def _add_llm_grade(
    db: sqlite_utils.Database,
    run_id: int,
    judge_model: str,
    *,
    score: float | None,
    verdict: str,
    max_points: float | None,
    note: str | None,
    points: float | None = None,
) -> StoredGrade:
    """A grade from the judge model appended to the run's history, as stored."""
    grade_id = add_grade(
        db,
        run_id,
        grader="llm",
        grader_name=judge_model,
        score=score,
        verdict=verdict,
        points=points,
        max_points=max_points,
        note=note,
    )
    stored = grade_by_id(db, grade_id)
    assert stored is not None
    return stored


def record_judge_call(
    db: sqlite_utils.Database,
    *,
    run_id: int,
    grade_id: int | None,
    provider: str,
    model: str,
    request: dict[str, object],
    response: str | None,
    stop_reason: str | None,
    usage: Usage,
    cost_usd: float | None,
    started_at: str | None = None,
    elapsed_s: float | None = None,
    error: str | None = None,
) -> int:
    """Append one judge call to the audit trail; return its id."""
    cur = db.execute(
        "insert into judge_calls (run_id, grade_id, provider, model, request, response,"
        " stop_reason, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
        " cost_usd, started_at, elapsed_s, error) values"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            grade_id,
            provider,
            model,
            json.dumps(request, ensure_ascii=False),
            response,
            stop_reason,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            cost_usd,
            started_at or now_iso(),
            elapsed_s,
            error,
        ],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def judge_spend(
    db: sqlite_utils.Database,
    dataset: str | None = None,
    *,
    model: str | None = None,
    grade_ids: list[int] | None = None,
) -> JudgeSpend:
    """The judge's spend over a dataset (or everything), one judge model, or some grades."""
    sql = (
        "select count(*), coalesce(sum(c.input_tokens + c.cache_read_tokens"
        " + c.cache_write_tokens), 0), coalesce(sum(c.output_tokens), 0),"
        " coalesce(sum(c.cost_usd), 0), coalesce(sum(c.cost_usd is null), 0)"
        " from judge_calls c join runs r on r.id = c.run_id"
        " left join problems p on p.id = r.problem_id where 1"
    )
    params: list[Any] = []
    if dataset is not None:
        sql += " and p.dataset = ?"
        params.append(dataset)
    if model is not None:
        sql += " and c.model = ?"
        params.append(model)
    if grade_ids is not None:
        if not grade_ids:
            return JudgeSpend()
        sql += f" and c.grade_id in ({', '.join('?' * len(grade_ids))})"
        params += grade_ids
    calls, tokens_in, tokens_out, cost, unknown = db.conn.execute(sql, params).fetchone()
    return JudgeSpend(int(calls), int(tokens_in), int(tokens_out), float(cost), int(unknown))


# (judge model, human points, judge points, max points, human verdict, judge verdict)
PairRow = tuple[str, float, float, float, str, str]


def human_judge_pairs(db: sqlite_utils.Database, dataset: str | None = None) -> list[PairRow]:
    """Runs graded by a human and by a judge: the latest human grade beside each judge model's
    latest mark, on the judge's scale (a human 'partial' on a 10-point problem is 5 points)."""
    sql = (
        "with h as (select run_id, max(id) as id from grades where grader = 'human'"
        "  group by run_id),"
        " j as (select run_id, grader_name, max(id) as id from grades"
        "  where grader = 'llm' and verdict != 'needs_human' group by run_id, grader_name)"
        " select jg.grader_name, hg.score, hg.verdict, jg.points, jg.max_points, jg.score,"
        "  jg.verdict"
        " from h join j on j.run_id = h.run_id"
        " join grades hg on hg.id = h.id join grades jg on jg.id = j.id"
        " join runs r on r.id = h.run_id left join problems p on p.id = r.problem_id"
        " where hg.verdict != 'needs_human'"
    )
    params: list[Any] = []
    if dataset is not None:
        sql += " and p.dataset = ?"
        params.append(dataset)
    pairs: list[PairRow] = []
    for name, h_score, h_verdict, j_points, j_max, j_score, j_verdict in db.conn.execute(
        sql + " order by h.run_id", params
    ):
        top = float(j_max or 1.0)
        judged = float(j_points) if j_points is not None else float(j_score) * top
        pairs.append(
            (name or "?", round(float(h_score) * top, 6), judged, top, h_verdict, j_verdict)
        )
    return pairs
