"""Automatic grading of finished runs: graders.policy applied to what the store holds, and
recorded; for the bench, in a thread with its own database connection, off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from typing import TYPE_CHECKING

import sqlite_utils

from store.grades import VERDICTS, GradeCounts, StoredGrade
from store.thread_db import db_file

if TYPE_CHECKING:
    from graders.result import Grade


def check_answer(answer: str, reference: str, kind: str | None = None) -> Grade:
    """One answer against one reference (`ponder check`): the graders' verdict, nothing stored."""
    from graders import grade  # sympy and friends: only when an answer is checked

    return grade(answer=answer, reference=reference, kind=kind)


def find_answer(text: str) -> str | None:
    """The final answer the graders would extract from a run's text, if any."""
    from graders import extract_answer

    return extract_answer(text)


# Seconds one run's automatic grading may take, whoever asks for it (bench, grade --auto, the
# Grade screen); graders.grade enforces it in a killable process.
GRADE_TIMEOUT_S = 5.0
CLAIM_POLL_S = 0.05  # how often a grader waiting on another's claim looks again


def auto_grade_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    timeout: float = GRADE_TIMEOUT_S,
    redo: bool = True,
) -> StoredGrade:
    """Grade a run against its problem's reference and record the grade (grader "auto").

    One grader per run: the run is claimed in the database while it is graded, and a grader
    that finds it claimed waits for that grade. With `redo=False` (grading what is pending) a
    run that has a grade by then is not graded again: its grade is returned.
    """
    from store.claims import claim, grader_id, release
    from store.grades import effective_grade

    owner = grader_id()
    while not claim(db, run_id, owner):  # another grader has it; claim() outlives a dead one
        time.sleep(CLAIM_POLL_S)
    try:
        if not redo:
            existing = effective_grade(db, run_id)
            if existing is not None:
                return existing
        return _grade_and_record(db, run_id, timeout)
    finally:
        release(db, run_id, owner)


def _grade_and_record(db: sqlite_utils.Database, run_id: int, timeout: float) -> StoredGrade:
    from graders.policy import RunAnswer, grade_run
    from store.grades import add_grade, grade_by_id, run_for_grading

    run = run_for_grading(db, run_id)
    g = grade_run(
        RunAnswer(
            answer=run.answer,
            full_text=run.full_text,
            has_problem=run.problem_id is not None,
            reference=run.reference,
            kind=run.kind,
            question=run.question,
            max_points=run.max_points,
            tolerance=run.tolerance,
        ),
        timeout,
    )
    grade_id = add_grade(
        db,
        run_id,
        grader="auto",
        score=g.score,
        verdict=g.verdict,
        points=g.points,
        max_points=g.max_points,
        extracted=None if g.extracted is None else str(g.extracted),
        note=g.reason,
        grader_name="graders",
    )
    stored = grade_by_id(db, grade_id)
    assert stored is not None
    return stored


def auto_grade_pending(
    db: sqlite_utils.Database, dataset: str | None = None, *, timeout: float = GRADE_TIMEOUT_S
) -> GradeCounts:
    """Auto-grade every finished run that has no grade yet; return the counts by verdict."""
    from store.grades import pending_runs

    counts = dict.fromkeys(VERDICTS, 0)
    for run_id in pending_runs(db, dataset):
        counts[auto_grade_run(db, run_id, timeout=timeout, redo=False).verdict] += 1
    return GradeCounts(**counts)


class GradingThread:
    """Auto-grades finished runs one at a time in a thread with its own connection, so a slow
    symbolic check never stalls the streams; in memory (tests) it grades inline."""

    def __init__(self, db: sqlite_utils.Database, *, timeout: float = GRADE_TIMEOUT_S) -> None:
        self.db = db
        self.timeout = timeout  # each run's grading deadline
        self.path = db_file(db)
        self.pool = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ponder-grade")
            if self.path
            else None
        )
        self._own: sqlite_utils.Database | None = None

    def _connection(self) -> sqlite_utils.Database:
        if self.pool is None:
            return self.db
        if self._own is None:
            from store.db import open_db

            self._own = open_db(self.path, recover=False)
        return self._own

    def _grade(self, run_id: int) -> str:
        # A run this bench just finished; `ponder grade --auto` may be at it too.
        return auto_grade_run(self._connection(), run_id, timeout=self.timeout, redo=False).verdict

    def _warm(self) -> None:
        from graders.policy import grade_run  # noqa: F401
        from reasoning.providers.pricing import config_prices

        config_prices()
        self._connection()

    def warm_up(self) -> None:
        """Load what grading and pricing need, in the grading thread: called while the first
        calls are in flight, so this is not done when the first runs end and the next start."""
        if self.pool is not None:
            with contextlib.suppress(RuntimeError):  # the pool is already shut down
                self.pool.submit(self._warm)

    def _grade_all(self, run_ids: list[int]) -> list[str | Exception]:
        out: list[str | Exception] = []
        for run_id in run_ids:
            try:
                out.append(self._grade(run_id))
            except Exception as exc:  # one bad run must not keep the others ungraded
                out.append(exc)
        return out

    async def grade_all(self, run_ids: list[int]) -> list[str | Exception]:
        """Each run's verdict, or the exception its grading raised."""
        if self.pool is None:
            return self._grade_all(run_ids)
        return await asyncio.wrap_future(self.pool.submit(self._grade_all, run_ids))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self._own is not None:
            self._own.conn.close()
            self._own = None
