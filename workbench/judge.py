"""Judge grading: an LLM marks finished proof and free-text runs against a rubric.

One `Judge` per judge model: its provider (behind a RateGate, so calls are bounded and a rate
limit slows every call down), its prompts and rubric. `judge_runs` grades many runs
concurrently; `Judge.judge_run` grades one (the bench calls it as proof runs finish). Every call
is recorded with its tokens and cost (store.judge.record_judge_call); a reply that cannot be read
and a call that fails become a `needs_human` grade that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlite_utils

from graders.scoring.agreement import Agreement, GradePair, agreement_by_judge
from reasoning.events import Usage
from reasoning.judge import (
    JUDGE_MAX_TOKENS,
    JudgeCase,
    build_judge_request,
    max_points_for,
    parse_judge_reply,
)
from reasoning.prompts import Prompts
from reasoning.providers.base import ChatRequest, Delta, Done, ProviderError, StreamCut
from store.clock import now_iso
from store.grades import StoredGrade
from store.judge import (
    JudgeSpend,
    add_judge_failure,
    add_judge_grade,
    grade_watermark,
    human_judge_pairs,
    judge_spend,
    judged_since,
    record_judge_call,
    run_for_judge,
)

# One grader per run (store.claims): a judge call holds the run's claim, renewed this often so
# a long call does not look abandoned; a run another grader holds is tried again this much later.
CLAIM_RENEW_S = 30.0
HELD_POLL_S = 0.1
_OWNERS = itertools.count(1)

CUT_RETRIES = 2  # a judge reply cut mid-stream is asked for again this many times
# A judge whose first calls all fail with a provider error is not asked about the other runs.
BREAKER_CALLS = 3


class JudgeError(Exception):
    """The judge cannot start (no provider, a bad rubric file): one line for the user."""


@dataclass(frozen=True)
class JudgeSettings:
    """Which judge and how: provider choice as for solving, an optional rubric text."""

    provider: str | None = None
    model: str | None = None
    base_url: str | None = None
    rubric: str | None = None  # the rubric's text; None: prompts/judge_rubric.txt
    prompts_dir: str | None = None
    concurrency: int = 4
    max_tokens: int = JUDGE_MAX_TOKENS


@dataclass(frozen=True)
class JudgeResult:
    """One run judged: the grade recorded, what the call cost, and the failure if any."""

    run_id: int
    grade: StoredGrade
    usage: Usage
    cost_usd: float | None
    error: str | None = None  # the provider error when the call failed


@dataclass(frozen=True)
class JudgeSummary:
    """A judging pass: its results, what it cost, and why it stopped early if it did."""

    judge: str
    results: tuple[JudgeResult, ...]
    spend: JudgeSpend
    not_started: int = 0
    stopped: str | None = None  # None | "cancelled" | the provider error that stopped it
    skipped: int = 0  # runs another grader judged with this model meanwhile: left as they are

    def count(self, verdict: str) -> int:
        return sum(r.grade.verdict == verdict for r in self.results)


def read_rubric(path: str) -> str:
    """A rubric file's text, or JudgeError with one line."""
    from pathlib import Path

    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise JudgeError(f"rubric {path} is not UTF-8 text") from None
    except OSError as exc:
        raise JudgeError(f"cannot read rubric {path}: {exc.strerror or exc}") from None
    if not text.strip():
        raise JudgeError(f"rubric {path} is empty")
    return text


def resolve_judge(settings: JudgeSettings) -> Any:
    """The judge's ProviderSpec, chosen the way solving chooses (SPEC §3)."""
    from reasoning.providers import NoProvider, resolve_spec

    try:
        return resolve_spec(
            provider=settings.provider, model=settings.model, base_url=settings.base_url
        )
    except (NoProvider, ValueError) as exc:
        raise JudgeError(str(exc)) from None


@dataclass
class _Reply:
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    finish: str | None = None
    error: str | None = None


class Judge:
    """One judge model, ready to grade runs."""

    def __init__(
        self,
        spec: Any,
        settings: JudgeSettings | None = None,
        *,
        gate: Any = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        from reasoning.providers import build_provider
        from workbench.ratelimit import GatedProvider, RateGate

        self.settings = settings or JudgeSettings()
        try:
            self.prompts = Prompts(self.settings.prompts_dir)
        except FileNotFoundError as exc:
            raise JudgeError(str(exc)) from None
        self.spec = spec
        self.model: str = spec.model
        self.gate = gate or RateGate(f"{spec.name} (judge)", self.settings.concurrency, on_notice)
        self.provider: Any = GatedProvider(build_provider(spec), self.gate, on_notice)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.provider.aclose()

    def request_for(self, db: sqlite_utils.Database, run_id: int) -> tuple[ChatRequest, float]:
        """The judge's request for a run, and the maximum it marks out of."""
        run = run_for_judge(db, run_id)
        top = max_points_for(run.problem_max)
        case = JudgeCase(
            problem=run.problem,
            reference=run.reference,
            answer=run.answer,
            steps=run.steps,
            max_points=top,
            solution=run.solution,
        )
        request = build_judge_request(
            case, self.prompts, rubric=self.settings.rubric, max_tokens=self.settings.max_tokens
        )
        return request, top

    async def _call(self, request: ChatRequest) -> _Reply:
        reply = _Reply()
        for attempt in range(CUT_RETRIES + 1):
            parts: list[str] = []
            try:
                async with aclosing(self.provider.stream(request)) as items:
                    async for item in items:
                        if isinstance(item, Delta):
                            parts.append(item.text)
                        elif isinstance(item, Done):
                            reply.usage = reply.usage + item.usage
                            reply.text, reply.finish = "".join(parts), item.finish
                            return reply
                reply.text, reply.error = "".join(parts), "the reply ended without its end event"
                return reply
            except StreamCut as exc:
                reply.usage = reply.usage + exc.usage
                reply.text = exc.partial_text
                if attempt >= CUT_RETRIES:
                    reply.error = exc.message
                    return reply
            except ProviderError as exc:
                reply.text, reply.error = "".join(parts), exc.message
                return reply
            except (OSError, ValueError) as exc:  # a transport problem the SDK did not wrap
                reply.text, reply.error = "".join(parts), f"{type(exc).__name__}: {exc}"
                return reply
        return reply  # not reached: the last attempt returns

    async def judge_run(
        self, db: sqlite_utils.Database, run_id: int, *, since: int | None = None
    ) -> JudgeResult | None:
        """Ask the judge about one finished run and record its grade and its call, waiting while
        another grader holds the run. None: this judge model marked it after grade `since`
        (0: ever) meanwhile, so it is not judged again; `since` None judges it whatever."""
        while True:
            outcome = await self.try_judge(db, run_id, since=since)
            if isinstance(outcome, JudgeResult):
                return outcome
            if outcome == "judged":
                return None
            await asyncio.sleep(HELD_POLL_S)  # held by another grader

    async def try_judge(
        self, db: sqlite_utils.Database, run_id: int, *, since: int | None = None
    ) -> JudgeResult | Literal["held", "judged"]:
        """Judge one run if no other grader is at it: its result, "held" (another grader holds
        it now: try later) or "judged" (this judge model marked it after grade `since`)."""
        from store.claims import claim, grader_id, release

        owner = grader_id(f"judge{next(_OWNERS)}")
        if not claim(db, run_id, owner):
            return "held"
        try:
            if since is not None and judged_since(db, run_id, judge_model=self.model, since=since):
                return "judged"
            keeper = asyncio.create_task(_keep_claim(db, run_id, owner))
            try:
                return await self._judge(db, run_id)
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
        finally:
            release(db, run_id, owner)

    async def _judge(self, db: sqlite_utils.Database, run_id: int) -> JudgeResult:
        from reasoning.providers.pricing import cost

        request, top = self.request_for(db, run_id)
        started, t0 = now_iso(), time.monotonic()
        reply = await self._call(request)
        elapsed = time.monotonic() - t0
        used = reply.usage != Usage()
        spent = cost(self.model, reply.usage) if used else 0.0
        if reply.error is not None:
            grade = add_judge_failure(
                db,
                run_id,
                judge_model=self.model,
                reason=f"the judge ({self.model}) failed: {reply.error}",
                raw_reply=reply.text or None,
                max_points=top,
            )
        else:
            parsed = parse_judge_reply(reply.text, top)
            if parsed.points is None:
                why = parsed.why or "the judge's reply could not be read"
                if reply.finish == "length":
                    why += " (the reply was cut at the token limit)"
                grade = add_judge_failure(
                    db,
                    run_id,
                    judge_model=self.model,
                    reason=f"unreadable judge reply: {why}",
                    raw_reply=reply.text,
                    max_points=top,
                )
            else:
                grade = add_judge_grade(
                    db,
                    run_id,
                    judge_model=self.model,
                    points=parsed.points,
                    max_points=top,
                    feedback=parsed.feedback,
                )
        record_judge_call(
            db,
            run_id=run_id,
            grade_id=grade.id,
            provider=self.spec.name,
            model=self.model,
            request=request.as_record(),
            response=reply.text,
            stop_reason=reply.finish,
            usage=reply.usage,
            cost_usd=spent,
            started_at=started,
            elapsed_s=round(elapsed, 3),
            error=reply.error,
        )
        return JudgeResult(run_id, grade, reply.usage, spent, reply.error)


async def _keep_claim(db: sqlite_utils.Database, run_id: int, owner: str) -> None:
    from store.claims import renew

    while True:
        await asyncio.sleep(CLAIM_RENEW_S)
        renew(db, run_id, owner)


async def judge_runs(
    db: sqlite_utils.Database,
    run_ids: list[int],
    judge: Judge,
    *,
    on_result: Callable[[JudgeResult], None] | None = None,
    stop: asyncio.Event | None = None,
    redo: bool = True,
) -> JudgeSummary:
    """Judge runs concurrently (the gate bounds the calls in flight); `stop` ends the pass after
    the calls already sent. A judge whose first calls all fail stops being asked.

    One grader per run: a run another grader holds is put back and tried once the others are
    under way, and a run this judge model marked meanwhile (another pass at the same time) is
    skipped; without `redo`, so is a run it had marked before this pass.
    """
    since = grade_watermark(db) if redo else 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for run_id in run_ids:
        queue.put_nowait(run_id)
    results: list[JudgeResult] = []
    stopped: str | None = None
    failures: list[str] = []
    skipped = 0

    async def worker() -> None:
        nonlocal stopped, skipped
        while stopped is None and not (stop is not None and stop.is_set()):
            try:
                run_id = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = await judge.try_judge(db, run_id, since=since)
            if result == "held":  # another grader is at it: the others first, then again
                queue.put_nowait(run_id)
                await asyncio.sleep(HELD_POLL_S)
                continue
            if not isinstance(result, JudgeResult):
                skipped += 1
                continue
            results.append(result)
            if result.error is not None and not any(r.error is None for r in results):
                failures.append(result.error)
                if len(failures) >= BREAKER_CALLS and stopped is None:
                    stopped = result.error
            if on_result is not None:
                on_result(result)

    workers = max(1, min(judge.gate.limit, len(run_ids)))
    await asyncio.gather(*(worker() for _ in range(workers)))
    if stopped is None and stop is not None and stop.is_set() and not queue.empty():
        stopped = "cancelled"
    spend = judge_spend(db, grade_ids=[r.grade.id for r in results])
    return JudgeSummary(judge.model, tuple(results), spend, queue.qsize(), stopped, skipped)


def agreement_table(db: sqlite_utils.Database, dataset: str | None = None) -> list[Agreement]:
    """Per judge model: how its marks compare with the human grades of the same runs."""
    return agreement_by_judge(GradePair(*row) for row in human_judge_pairs(db, dataset))
