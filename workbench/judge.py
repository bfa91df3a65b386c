"""Judge grading: an LLM marks finished proof and free-text runs against a rubric.

One `Judge` per judge model is a Grader (workbench.grading): its provider (behind a RateGate, so
calls are bounded and a rate limit slows every call down), its prompts and rubric. Its calls go
through the engine's Session like a run's (max tokens, wall time, repetition, retries, usage
estimates while it streams). `judge_runs` grades many runs through grading.grade_runs;
`Judge.judge_run` grades one (the bench calls it as proof runs finish). Every call is recorded
with its tokens and cost (store.judge.record_judge_call); a reply that cannot be read and a call
that fails become a `needs_human` grade that says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from graders.scoring.agreement import Agreement, GradePair, agreement_by_judge
from reasoning.events import RunSettings, Usage, UsageEstimate
from reasoning.judge import (
    JUDGE_MAX_TOKENS,
    JudgeCase,
    build_judge_request,
    max_points_for,
    parse_judge_reply,
)
from reasoning.prompts import Prompts
from reasoning.providers.base import ChatRequest, ProviderError
from store.clock import now_iso
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
from workbench.grading import Graded, grade_one, grade_runs

CUT_RETRIES = 2  # a judge reply cut mid-stream is asked for again this many times
# A judge call's wall time unless --max-time says otherwise: a judge reply is one call.
JUDGE_MAX_TIME_S = 300.0


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
    max_time_s: float | None = JUDGE_MAX_TIME_S  # one judged run's calls, retries included


@dataclass(frozen=True)
class JudgeProgress:
    """A judge call streaming: which run, tokens so far (estimated until the usage comes), and
    seconds since the call started."""

    run_id: int
    output_tokens: int
    elapsed_s: float


# One run judged: the grade recorded, what the call cost, and the failure if any.
JudgeResult = Graded


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
    """One judge model, ready to grade runs: a Grader of workbench.grading."""

    role = "judge"

    def __init__(
        self,
        spec: Any,
        settings: JudgeSettings | None = None,
        *,
        gate: Any = None,
        on_notice: Callable[[str], None] | None = None,
        on_progress: Callable[[JudgeProgress], None] | None = None,
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
        self.name = self.model
        self.on_progress = on_progress
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

    async def _call(self, request: ChatRequest, run_id: int) -> _Reply:
        """The judge's reply, through the engine's Session: its limits (max tokens, the wall
        time, a stream that repeats itself), its retries and its usage estimates; a reply cut
        mid-stream is asked for again up to CUT_RETRIES times."""
        from reasoning.session import LimitReached, Session

        session = Session(
            self.provider,
            RunSettings(
                paradigm="direct",
                max_tokens=self.settings.max_tokens,
                max_calls=CUT_RETRIES + 1,
                max_continuations=CUT_RETRIES,
                wall_time_s=self.settings.max_time_s,
            ),
        )
        reply = _Reply()
        t0 = time.monotonic()
        try:
            for _ in range(CUT_RETRIES + 1):
                async for event in session.call(request):
                    if isinstance(event, UsageEstimate) and self.on_progress is not None:
                        self.on_progress(
                            JudgeProgress(run_id, event.usage.output_tokens, time.monotonic() - t0)
                        )
                outcome = session.last
                assert outcome is not None
                reply.text, reply.finish = outcome.text, outcome.finish
                reply.error = outcome.error if outcome.finish == "cut" else None
                if outcome.finish != "cut":
                    break
                if reply.error is None:
                    reply.error = "the reply ended without its end event"
        except LimitReached as exc:
            reply.error = str(exc)
        except ProviderError as exc:
            reply.text, reply.error = (session.last.text if session.last else ""), exc.message
        except (OSError, ValueError) as exc:  # a transport problem the SDK did not wrap
            reply.error = f"{type(exc).__name__}: {exc}"
        reply.usage = session.usage
        if reply.error is None and reply.finish not in ("stop", "stop_sequence", "length", "other"):
            # The engine stopped it: a reply that repeats itself, the run's wall time...
            why = getattr(session.last, "limit", None) or reply.finish
            reply.error = f"the judge's reply was stopped ({why})"
        return reply

    def existing(self, db: sqlite_utils.Database, run_id: int, since: int) -> bool:
        """True when this judge model marked the run after grade `since` (0: ever)."""
        return judged_since(db, run_id, judge_model=self.model, since=since)

    async def judge_run(
        self, db: sqlite_utils.Database, run_id: int, *, since: int | None = None
    ) -> JudgeResult | None:
        """Ask the judge about one finished run and record its grade and its call, waiting while
        another grader holds the run. None: this judge model marked it after grade `since`
        (0: ever) meanwhile, so it is not judged again; `since` None judges it whatever."""
        passed = await grade_runs(db, [run_id], self, since=since)
        return passed.results[0] if passed.results else None

    async def try_judge(
        self, db: sqlite_utils.Database, run_id: int, *, since: int | None = None
    ) -> JudgeResult | str:
        """Judge one run if no other grader is at it: its result, "held" (another grader holds
        it now: try later) or "judged" (this judge model marked it after grade `since`)."""
        outcome = await grade_one(db, run_id, self, since=since)
        if outcome is None:
            return "held"
        return outcome if isinstance(outcome, Graded) else "judged"

    async def grade(self, db: sqlite_utils.Database, run_id: int) -> JudgeResult:
        """Judge one run and record its grade and its call (the grading path holds the claim)."""
        from reasoning.providers.pricing import cost

        request, top = self.request_for(db, run_id)
        started, t0 = now_iso(), time.monotonic()
        reply = await self._call(request, run_id)
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


async def judge_runs(
    db: sqlite_utils.Database,
    run_ids: list[int],
    judge: Judge,
    *,
    on_result: Callable[[JudgeResult], None] | None = None,
    stop: asyncio.Event | None = None,
    redo: bool = True,
) -> JudgeSummary:
    """Judge runs concurrently through the one grading path (the gate bounds the calls in
    flight); `stop` ends the pass after the calls already sent. A judge whose first calls all
    fail stops being asked. A run this judge model marked meanwhile (another pass at the same
    time) is skipped; without `redo`, so is a run it had marked before this pass."""
    since = grade_watermark(db) if redo else 0
    passed = await grade_runs(
        db,
        run_ids,
        judge,
        since=since,
        concurrency=judge.gate.limit,
        on_result=on_result,
        stop=stop,
    )
    spend = judge_spend(db, grade_ids=[r.grade.id for r in passed.results])
    return JudgeSummary(
        judge.model,
        passed.results,
        spend,
        passed.not_started,
        passed.stopped,
        len(passed.skipped),
    )


def agreement_table(db: sqlite_utils.Database, dataset: str | None = None) -> list[Agreement]:
    """Per judge model: how its marks compare with the human grades of the same runs."""
    return agreement_by_judge(GradePair(*row) for row in human_judge_pairs(db, dataset))
