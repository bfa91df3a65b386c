"""Grading stored runs, one path for every grader: a Grader (the automatic graders here, an LLM
judge in workbench.judge) grades and records one run; grade_runs() claims each run (one grader
per run, across processes), skips what is graded already and bounds how many run at once. For the
bench, automatic grading runs in a thread with its own database connection, off the event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import sqlite_utils

from reasoning.events import Usage
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
# One grader per run (store.claims): a grader holds the run's claim while it grades, renewed this
# often so a long judge call does not look abandoned; a run another grader holds is tried again
# this much later.
CLAIM_RENEW_S = 30.0
HELD_POLL_S = 0.05
# A grader whose first results all fail (a judge whose provider is down) is not asked about the
# other runs of a pass.
BREAKER_CALLS = 3
_ROLES = itertools.count(1)


@dataclass(frozen=True)
class Graded:
    """One run graded: the grade recorded, what grading it cost (a judge's call; automatic
    grading costs nothing), and the failure that made it needs_human, if any."""

    run_id: int
    grade: StoredGrade
    usage: Usage = field(default_factory=Usage)
    cost_usd: float | None = 0.0
    error: str | None = None  # the provider error when a judge's call failed


class Grader(Protocol):
    """A way of grading a stored run, as Inspect AI's Scorer is: the automatic graders and an LLM
    judge are two. grade_runs() claims each run, asks `existing`, then `grade`, which records."""

    name: str  # who grades, as the grades say (grader_name): "graders", or the judge model
    role: str  # what kind of grader holds a run's claim ("auto", "judge"), for the claim's owner

    def existing(self, db: sqlite_utils.Database, run_id: int, since: int) -> StoredGrade | bool:
        """Whether this grader's work on the run is done already: its grade (or True) when it
        graded the run after grade id `since` (0: ever), else False."""
        ...

    async def grade(self, db: sqlite_utils.Database, run_id: int) -> Graded:
        """Grade the run and record the grade; called while holding the run's claim."""
        ...


@dataclass(frozen=True)
class GradePass:
    """What grade_runs did: the runs graded, the runs left as they were (graded already),
    the runs not reached, and why the pass stopped early if it did."""

    results: tuple[Graded, ...]
    skipped: tuple[tuple[int, StoredGrade | None], ...] = ()
    not_started: int = 0
    stopped: str | None = None  # None | "cancelled" | the failure that stopped the pass


async def grade_one(
    db: sqlite_utils.Database, run_id: int, grader: Grader, *, since: int | None
) -> Graded | StoredGrade | bool | None:
    """Grade one run unless another grader holds it now (None: try later) or this grader's work
    on it is done (`since` given: the grade found, or True); the one place a run is claimed."""
    from store.claims import claim, grader_id, release

    owner = grader_id(f"{grader.role}{next(_ROLES)}")
    if not claim(db, run_id, owner):
        return None
    try:
        if since is not None:
            found = grader.existing(db, run_id, since)
            if found is not False:
                return found
        keeper = asyncio.create_task(_keep_claim(db, run_id, owner))
        try:
            return await grader.grade(db, run_id)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
    finally:
        release(db, run_id, owner)


async def _keep_claim(db: sqlite_utils.Database, run_id: int, owner: str) -> None:
    from store.claims import renew

    while True:
        await asyncio.sleep(CLAIM_RENEW_S)
        renew(db, run_id, owner)


async def grade_runs(
    db: sqlite_utils.Database,
    run_ids: list[int],
    grader: Grader,
    *,
    since: int | None = None,
    concurrency: int = 1,
    on_result: Callable[[Graded], None] | None = None,
    stop: asyncio.Event | None = None,
) -> GradePass:
    """Claim, grade and record runs, `concurrency` at a time: the one grading path of the
    automatic graders and the judge. A run another grader holds is put back and tried once the
    others are under way; with `since`, a run this grader graded after that grade id is left as
    it is. `stop` ends the pass after the runs already started; a grader whose first
    BREAKER_CALLS results all failed is not asked about the rest."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for run_id in run_ids:
        queue.put_nowait(run_id)
    results: list[Graded] = []
    skipped: list[tuple[int, StoredGrade | None]] = []
    failures: list[str] = []
    stopped: str | None = None

    async def worker() -> None:
        nonlocal stopped
        while stopped is None and not (stop is not None and stop.is_set()):
            try:
                run_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            outcome = await grade_one(db, run_id, grader, since=since)
            if outcome is None:  # another grader is at it: the others first, then again
                queue.put_nowait(run_id)
                await asyncio.sleep(HELD_POLL_S)
                continue
            if not isinstance(outcome, Graded):
                skipped.append((run_id, outcome if isinstance(outcome, StoredGrade) else None))
                continue
            results.append(outcome)
            if outcome.error is not None and not any(r.error is None for r in results):
                failures.append(outcome.error)
                if len(failures) >= BREAKER_CALLS and stopped is None:
                    stopped = outcome.error
            if on_result is not None:
                on_result(outcome)

    workers = max(1, min(concurrency, len(run_ids)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    if stopped is None and stop is not None and stop.is_set() and not queue.empty():
        stopped = "cancelled"
    return GradePass(tuple(results), tuple(skipped), queue.qsize(), stopped)


class AutoGrader:
    """The automatic graders (graders.policy: exam rules, numbers, sympy) as a Grader."""

    name = "graders"
    role = "auto"

    def __init__(self, timeout: float = GRADE_TIMEOUT_S) -> None:
        self.timeout = timeout

    def existing(self, db: sqlite_utils.Database, run_id: int, since: int) -> StoredGrade | bool:
        """A run with any effective grade (a person's included) is not graded again."""
        from store.grades import effective_grade

        return effective_grade(db, run_id) or False

    async def grade(self, db: sqlite_utils.Database, run_id: int) -> Graded:
        # Synchronous on purpose: the store's connection belongs to this thread, and the
        # symbolic work runs in a killable process with its own deadline.
        return Graded(run_id, _grade_and_record(db, run_id, self.timeout))


def auto_grade_run(
    db: sqlite_utils.Database,
    run_id: int,
    *,
    timeout: float = GRADE_TIMEOUT_S,
    redo: bool = True,
) -> StoredGrade:
    """Grade a run against its problem's reference and record the grade (grader "auto"),
    through grade_runs: a grader that finds the run claimed waits for that grade. With
    `redo=False` (grading what is pending) a run that has a grade by then keeps it, and it is
    returned."""
    passed = asyncio.run(grade_runs(db, [run_id], AutoGrader(timeout), since=None if redo else 0))
    return _grades(passed)[0]


def _grades(passed: GradePass) -> list[StoredGrade]:
    """The grade of every run of a finished pass: the new ones and those found already."""
    found = [g for _, g in passed.skipped if isinstance(g, StoredGrade)]
    return [r.grade for r in passed.results] + found


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

    passed = asyncio.run(grade_runs(db, pending_runs(db, dataset), AutoGrader(timeout), since=0))
    counts = dict.fromkeys(VERDICTS, 0)
    for grade in _grades(passed):
        counts[grade.verdict] += 1
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
