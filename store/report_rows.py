"""What a report shows of each counted run: its problem, answer and grade in one row, and its
transcript (steps, grade history), read in bulk for thousands of runs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.grades import EFFECTIVE_GRADE_ID
from store.importers.rows import stored_meta


@dataclass(frozen=True)
class ReportRun:
    """One counted run as a report row: the problem, the run's outcome and its grade."""

    run_id: int
    problem_id: int
    key: str
    text: str
    reference: str | None
    kind: str | None
    model: str
    paradigm: str
    provider: str
    base_url: str | None
    params: dict[str, Any]
    status: str
    stop_reason: str | None
    answer: str | None
    final_reward: float | None
    output_tokens: int
    cost_usd: float | None
    elapsed_s: float | None
    bench_id: str | None
    grader: str | None  # auto | human | llm, of the effective grade; None: not graded
    grader_name: str | None
    verdict: str | None
    score: float | None
    extracted: str | None  # the answer the grader found


@dataclass(frozen=True)
class TranscriptStep:
    index: int
    kind: str
    title: str | None
    content: str
    reward: float | None
    budget_left: int | None
    backtrack: bool


@dataclass(frozen=True)
class GradeEntry:
    """One grade of a run's history, oldest first."""

    grader: str
    grader_name: str | None
    verdict: str
    score: float | None
    points: float | None
    max_points: float | None
    extracted: str | None
    note: str | None
    created_at: str


@dataclass(frozen=True)
class RunTranscript:
    steps: tuple[TranscriptStep, ...] = ()
    grades: tuple[GradeEntry, ...] = ()
    error: str | None = None


def _ids(run_ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(run_ids)))


def report_runs(db: sqlite_utils.Database, run_ids: Iterable[int]) -> list[ReportRun]:
    """The runs as report rows, by run id."""
    rows = db.conn.execute(
        "select r.id, r.problem_id, p.key, p.text, p.reference, p.kind,"
        " coalesce(r.model, '?'), coalesce(r.paradigm, '?'), coalesce(r.provider, '?'),"
        " r.base_url, r.params, r.status, r.stop_reason, r.answer, r.final_reward,"
        " coalesce(r.output_tokens, 0), r.cost_usd, r.elapsed_s, r.bench_id,"
        " g.grader, g.grader_name, g.verdict, g.score, g.extracted"
        " from runs r join problems p on p.id = r.problem_id"
        f" left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run='r.id')}"
        " where r.id in (select value from json_each(?)) order by r.id",
        [_ids(run_ids)],
    )
    out = []
    for r in rows:
        values: list[Any] = list(r)
        values[10] = stored_meta(r[10])  # params, as stored: JSON
        out.append(ReportRun(*values))
    return out


def transcripts(db: sqlite_utils.Database, run_ids: Iterable[int]) -> dict[int, RunTranscript]:
    """Each run's finished steps and grade history (and error), by run id."""
    ids = _ids(run_ids)
    steps: dict[int, list[TranscriptStep]] = {}
    for r in db.conn.execute(
        "select run_id, idx, kind, title, content, reward, budget_left, backtrack from steps"
        " where run_id in (select value from json_each(?)) order by run_id, idx",
        [ids],
    ):
        steps.setdefault(r[0], []).append(
            TranscriptStep(r[1], r[2], r[3], r[4] or "", r[5], r[6], bool(r[7]))
        )
    grades: dict[int, list[GradeEntry]] = {}
    for r in db.conn.execute(
        "select run_id, grader, grader_name, verdict, score, points, max_points, extracted,"
        " note, created_at from grades where run_id in (select value from json_each(?))"
        " order by run_id, id",
        [ids],
    ):
        grades.setdefault(r[0], []).append(GradeEntry(*r[1:]))
    errors = dict(
        db.conn.execute(
            "select id, error from runs where id in (select value from json_each(?))"
            " and error is not null",
            [ids],
        ).fetchall()
    )
    return {
        run_id: RunTranscript(
            tuple(steps.get(run_id, ())), tuple(grades.get(run_id, ())), errors.get(run_id)
        )
        for run_id in json.loads(ids)
    }
