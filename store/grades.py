"""Grades of runs: append-only history, human verdicts, what automatic grading reads, the
effective grade. (The automatic grading policy is graders.policy, applied by workbench.grading.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.clock import now_iso
from store.importers.rows import (
    HUMAN_KINDS,  # noqa: F401 (graders.policy's, kept equal by a test)
    TOLERANCE,
    stored_meta,
    tolerance_value,
)

GRADERS = ("auto", "human", "llm")
VERDICTS = ("full", "partial", "zero", "needs_human")  # graders' Verdict, kept equal by a test

# The effective grade: the latest human grade, else the latest automatic (or LLM) one.
# Correlated on the (run_id, id) index, so it costs a few rows per run.
EFFECTIVE_GRADE_ID = (
    "(select g.id from grades g where g.run_id = {run}"
    " order by (g.grader = 'human') desc, g.id desc limit 1)"
)


class GradeError(ValueError):
    """A grade that cannot be recorded: unknown run, score out of range, bad verdict text."""


@dataclass(frozen=True)
class StoredGrade:
    """One row of a run's grade history."""

    id: int
    run_id: int
    grader: str
    grader_name: str | None
    score: float | None  # None for needs_human: not graded yet
    verdict: str
    points: float | None
    max_points: float | None
    extracted: str | None
    note: str | None
    created_at: str


@dataclass(frozen=True)
class GradeCounts:
    """How many runs an automatic pass graded, by verdict."""

    full: int = 0
    partial: int = 0
    zero: int = 0
    needs_human: int = 0

    @property
    def total(self) -> int:
        return self.full + self.partial + self.zero + self.needs_human


_COLUMNS = (
    "id, run_id, grader, grader_name, score, verdict, points, max_points, extracted, note,"
    " created_at"
)


def _stored(r: tuple[Any, ...] | None) -> StoredGrade | None:
    return StoredGrade(*r) if r else None


def _verdict_for(score: float) -> str:
    return "full" if score >= 1 else "zero" if score <= 0 else "partial"


def add_grade(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    grader: str,
    score: float | None,
    verdict: str,
    points: float | None = None,
    max_points: float | None = None,
    extracted: str | None = None,
    note: str | None = None,
    grader_name: str | None = None,
) -> int:
    """Append a grade to a run's history; return its id."""
    if grader not in GRADERS:
        raise GradeError(f"grader must be one of {', '.join(GRADERS)}, not {grader!r}")
    if verdict not in VERDICTS:
        raise GradeError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    if verdict == "needs_human":
        score = None
    elif score is None or not 0 <= score <= 1:
        raise GradeError(f"score must be between 0 and 1, not {score}")
    if max_points is not None and max_points <= 0:
        raise GradeError(f"maximum points must be positive, not {max_points:g}")
    # Points may be negative: JEE marks a wrong multi-correct answer -2.
    if points is not None and max_points is not None and points > max_points:
        raise GradeError(f"points {points:g} exceed the maximum {max_points:g}")
    if db.conn.execute("select 1 from runs where id = ?", [run_id]).fetchone() is None:
        raise GradeError(f"no run {run_id}")
    cur = db.execute(
        "insert into grades (run_id, grader, grader_name, score, verdict, points, max_points,"
        " extracted, note, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            grader,
            grader_name,
            score,
            verdict,
            points,
            max_points,
            extracted,
            note,
            now_iso(),
        ],
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


def parse_human_verdict(text: str) -> tuple[float, str, float | None, float | None]:
    """ "full" | "partial" | "zero" | "0.75" | "75%" | "7/10" -> (score, verdict, points, max_points)."""
    t = text.strip().lower()
    words = {"full": 1.0, "f": 1.0, "partial": 0.5, "p": 0.5, "zero": 0.0, "z": 0.0}
    if t in words:
        return words[t], {1.0: "full", 0.5: "partial", 0.0: "zero"}[words[t]], None, None
    number = r"(\d+(?:\.\d*)?|\.\d+)"
    if m := re.fullmatch(rf"{number}\s*/\s*{number}", t):
        points, maximum = float(m[1]), float(m[2])
        if maximum <= 0:
            raise GradeError(f"{text.strip()!r}: the maximum must be positive")
        if points > maximum:
            raise GradeError(f"{text.strip()!r}: points exceed the maximum")
        score = points / maximum
        return score, _verdict_for(score), points, maximum
    if m := re.fullmatch(rf"{number}\s*%", t):
        score = float(m[1]) / 100
    elif m := re.fullmatch(number, t):
        score = float(m[1])
    else:
        raise GradeError(
            f"{text.strip()!r} is not a verdict: use full, partial, zero, a score in [0, 1],"
            " or POINTS/MAX"
        )
    if not 0 <= score <= 1:
        raise GradeError(f"{text.strip()!r}: a score must be in [0, 1] (for marks use POINTS/MAX)")
    return score, _verdict_for(score), None, None


def human_grade(
    db: sqlite_utils.Database,
    run_id: int,
    verdict_text: str,
    *,
    note: str | None = None,
    grader_name: str | None = None,
) -> int:
    """Record a human verdict given as text; points follow the problem's max_points when it has one."""
    score, verdict, points, max_points = parse_human_verdict(verdict_text)
    if max_points is None:
        row = db.conn.execute(
            "select p.max_points from runs r join problems p on p.id = r.problem_id where r.id = ?",
            [run_id],
        ).fetchone()
        if row and row[0]:
            points, max_points = score * row[0], row[0]
    return add_grade(
        db,
        run_id,
        grader="human",
        score=score,
        verdict=verdict,
        points=points,
        max_points=max_points,
        note=note,
        grader_name=grader_name,
    )


def grade_history(db: sqlite_utils.Database, run_id: int) -> list[StoredGrade]:
    """Every grade of a run, oldest first."""
    rows = db.conn.execute(
        f"select {_COLUMNS} from grades where run_id = ? order by id", [run_id]
    ).fetchall()
    return [StoredGrade(*r) for r in rows]


def effective_grade(db: sqlite_utils.Database, run_id: int) -> StoredGrade | None:
    """The grade that counts: the latest human grade, else the latest automatic one."""
    return _stored(
        db.conn.execute(
            f"select {_COLUMNS} from grades where id = {EFFECTIVE_GRADE_ID.format(run='?')}",
            [run_id],
        ).fetchone()
    )


def grade_by_id(db: sqlite_utils.Database, grade_id: int) -> StoredGrade | None:
    """One grade row by its id."""
    return _stored(
        db.conn.execute(f"select {_COLUMNS} from grades where id = ?", [grade_id]).fetchone()
    )


def undo_last_grade(db: sqlite_utils.Database, run_id: int) -> StoredGrade | None:
    """Delete the run's latest human grade (the TUI's undo) and return it; None if there is none."""
    row = db.conn.execute(
        f"select {_COLUMNS} from grades where run_id = ? and grader = 'human'"
        " order by id desc limit 1",
        [run_id],
    ).fetchone()
    if row is None:
        return None
    db.execute("delete from grades where id = ?", [row[0]])
    return _stored(row)


@dataclass(frozen=True)
class RunForGrading:
    """A run's answer and text with its problem's reference, as automatic grading reads them."""

    answer: str | None
    full_text: str  # every step's text, in order
    problem_id: int | None
    reference: str | None
    kind: str | None
    question: str | None
    max_points: float | None
    tolerance: float | None = None  # the problem's own numeric tolerance, if it has one


def run_for_grading(db: sqlite_utils.Database, run_id: int) -> RunForGrading:
    """What grading a run needs (GradeError for an unknown run)."""
    run = db.conn.execute(
        "select r.answer, p.id, p.reference, p.kind, p.text, p.max_points, p.meta from runs r"
        " left join problems p on p.id = r.problem_id where r.id = ?",
        [run_id],
    ).fetchone()
    if run is None:
        raise GradeError(f"no run {run_id}")
    answer, problem_id, reference, kind, question, max_points, meta = run
    rows = db.conn.execute(
        "select content from steps where run_id = ? and content is not null order by idx",
        [run_id],
    ).fetchall()
    full_text = "\n\n".join(r[0] for r in rows if r[0].strip())
    return RunForGrading(
        answer,
        full_text,
        problem_id,
        reference,
        kind,
        question,
        max_points,
        problem_tolerance(meta),
    )


def problem_tolerance(meta: str | None) -> float | None:
    """A problem's own tolerance from its meta (a `tolerance` field, any case), if it has one."""
    for name, value in stored_meta(meta).items():
        if isinstance(name, str) and name.strip().lower() == TOLERANCE:
            return tolerance_value(value)
    return None


def pending_runs(db: sqlite_utils.Database, dataset: str | None = None) -> list[int]:
    """Finished runs with no grade yet, oldest first (optionally of one dataset)."""
    sql = (
        "select r.id from runs r left join problems p on p.id = r.problem_id"
        " where r.status = 'done' and not exists (select 1 from grades g where g.run_id = r.id)"
    )
    params: list[Any] = []
    if dataset is not None:
        sql += " and p.dataset = ?"
        params.append(dataset)
    return [r[0] for r in db.conn.execute(sql + " order by r.id", params)]
