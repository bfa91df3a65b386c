"""The benchmark runner: a dataset x paradigms x models, run concurrently, recorded and graded live.

Used by `ponder bench` and by the TUI's Bench screen, on the caller's event loop. Every run is
recorded with the bench's `bench_id`, so another process can watch the bench
(store.benchq.bench_status), and a bench cut short (Ctrl+C, kill -9, a cost cap) is completed
later with `resume`. The loop never waits on SQLite: the bench's writes (recording, planning,
selecting attempts) go through one writer thread (store.writer), grading through another.
The parts: plan.py (what to run), scheduler.py (when a run starts), costcap.py (--max-cost),
breaker.py (models left out), progress.py (what the caller is told); this file runs a unit,
counts how it ended, and grades and judges what finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from reasoning.events import (
    Event,
    Notice,
    RunStarted,
    Usage,
    UsageEstimate,
    UsageUpdate,
)
from store.writer import DbWriter
from workbench.bench.breaker import Breaker
from workbench.bench.costcap import CostCap, Decision
from workbench.bench.plan import (
    BenchBusy,
    BenchError,
    BenchPlan,
    Planned,
    arm_settings,
    plan_runs,
    stored_plan,
)
from workbench.bench.progress import (
    BenchProgress,
    BenchSummary,
    ProgressFn,
    StopReason,
    Tally,
)
from workbench.bench.scheduler import Live, Scheduler, Unit, make_units
from workbench.grading import GRADE_TIMEOUT_S, GradingThread
from workbench.ratelimit import GatedProvider, RateGate

HEARTBEAT_S = 10.0  # how often a bench says it is still driven (store.benches)
TICK_S = 0.5  # progress refresh while nothing else happens (tokens, ETA)
GRADE_AFTER_S = 0.1  # grading waits this long after a run ends, for the rest of its burst


class _Bench:
    def __init__(
        self,
        db: sqlite_utils.Database,
        writer: DbWriter,
        plan: BenchPlan,
        planned: Planned,
        on_progress: ProgressFn | None,
        stop: asyncio.Event | None,
        pause: asyncio.Event | None = None,
    ) -> None:
        self.db = db  # the caller's connection: the judge's reads and writes only
        self.writer = writer
        self.plan = plan = planned.plan or plan  # a resumed bench's own fields filled in
        self.planned = planned
        self.bench_id = planned.bench_id
        self.on_progress = on_progress
        self.stop = stop
        self.pause = pause  # while set, nothing new starts; runs in flight go on
        units = make_units(planned.jobs, plan.attempts)
        self.total = len(units)
        # Batch mode: enough runs at once to fill a few batches (their calls wait in them).
        concurrency = plan.concurrency
        if plan.batch is not None:
            from workbench.bench.batch import BATCHES_IN_FLIGHT

            concurrency = max(concurrency, plan.batch * BATCHES_IN_FLIGHT)
        self.scheduler = Scheduler(self, units, concurrency)
        self.batchers: dict[tuple[str, str | None], Any] = {}  # batch mode: one per endpoint
        self.tally = Tally()
        self.cap = CostCap(plan.max_cost, self._worst_run if plan.batch is not None else None)
        self.longest_prompt = max((len(j.prompt) for j in planned.jobs), default=0)
        self.breaker = Breaker()
        self.grading: set[asyncio.Task[None]] = set()
        self.to_grade: list[tuple[int, str]] = []  # done runs waiting for the grading thread
        self.drained = asyncio.Event()  # nothing left to start or running
        self.not_judged = 0  # runs left unjudged by the cap
        self.judge_ended = asyncio.Event()
        self.providers: dict[str, GatedProvider] = {}
        self.gates: dict[tuple[str, str | None], RateGate] = {}
        self.grader = GradingThread(db, timeout=GRADE_TIMEOUT_S)
        self.judge: Any = None  # workbench.judge.Judge when the plan names a judge model
        self.judged: list[Any] = []
        self.configs: tuple[Any, ...] = ()
        self.started = time.monotonic()

    # ---- progress ----

    def progress(self, note: str | None = None) -> BenchProgress:
        elapsed = time.monotonic() - self.started
        t, live = self.tally, self.scheduler.in_flight()
        finished = t.done + t.failed
        running = self.scheduler.running
        remaining = len(self.scheduler.units) + running
        eta = elapsed / finished * remaining if finished and self.scheduler.halt is None else None
        return BenchProgress(
            bench_id=self.bench_id,
            dataset=self.plan.dataset,
            jobs=self.planned.all_jobs,
            skipped=self.planned.skipped_done + self.planned.skipped_running,
            total=self.total,
            done=t.done,
            failed=t.failed,
            cancelled=t.cancelled,
            running=running,
            not_started=t.not_started + self.scheduler.not_started,
            graded=t.graded,
            tokens=t.tokens + sum(lv.tokens for lv in live),
            cost_usd=self.cap.spent(live),
            cost_unknown=t.cost_unknown,
            elapsed_s=elapsed,
            eta_s=eta,
            paused_s=max((g.paused_for for g in self.gates.values()), default=0.0),
            note=note,
            in_flight_tokens=sum(
                max(0, lv.estimate_tokens - lv.tokens)
                for lv in live
                if lv.estimate_tokens is not None and not lv.counted
            ),
            in_flight_cost=self.cap.in_flight(live),
            batches_waiting=self.batches_waiting(),
        )

    def emit(self, note: str | None = None) -> None:
        if self.on_progress is not None:
            with contextlib.suppress(Exception):  # a broken display must not break the bench
                self.on_progress(self.progress(note))

    # ---- providers ----

    def _build_providers(self) -> None:
        from reasoning.providers import build_provider

        limit = self.plan.provider_concurrency or self.plan.concurrency
        timeout = self.plan.settings.timeout_s  # --timeout
        for model, spec in self.planned.specs.items():
            if timeout is not None:
                spec = dataclasses.replace(spec, timeout_s=timeout)
            try:
                inner = build_provider(spec)
            except Exception as exc:  # a missing SDK, a bad preset...
                raise BenchError(f"cannot use provider {spec.name}: {exc}") from None
            key = (spec.name, spec.base_url)
            if self.plan.batch is not None:
                self.providers[model] = self._batched(inner, key)
                continue
            gate = self.gates.get(key)
            if gate is None:
                gate = self.gates[key] = RateGate(spec.name, limit, on_pause=self.emit)
            self.providers[model] = GatedProvider(inner, gate, on_notice=self.emit)
        if self.plan.judge is not None:
            self._build_judge(limit)

    def _batched(self, inner: Any, key: tuple[str, str | None]) -> Any:
        """Batch mode: the provider's calls go through one Batcher per endpoint."""
        from workbench.bench.batch import Batcher, BatchProvider

        inner.on_notice = self.emit
        batcher = self.batchers.get(key)
        if batcher is None:
            assert self.plan.batch is not None
            batcher = self.batchers[key] = Batcher(
                self.writer,
                self.bench_id,
                inner,
                self.plan.batch,
                on_change=self.emit,
                poll_s=self.plan.batch_poll_s,
                resubmit_expired=self.plan.resubmit_expired,
            )
        return BatchProvider(inner, batcher)

    def _worst_run(self, model: str, paradigm: str) -> float | None:
        """Batch mode, before a configuration's first run ends: a call at its worst (the
        longest prompt and max_tokens out) at the batch price."""
        from reasoning.providers.pricing import batch_model, cost

        usage = Usage(-(-self.longest_prompt // 4) + 1000, self.plan.settings.max_tokens)
        return cost(batch_model(model), usage)

    def batches_waiting(self) -> int:
        """Batch mode: batches submitted and not ended yet."""
        return sum(b.waiting() for b in self.batchers.values())

    def _build_judge(self, limit: int) -> None:
        from reasoning.providers import NoProvider, resolve_spec
        from workbench.judge import Judge, JudgeError, JudgeSettings

        try:
            spec = resolve_spec(
                provider=self.plan.provider, model=self.plan.judge, base_url=self.plan.base_url
            )
            self.judge = Judge(spec, JudgeSettings(concurrency=limit), on_notice=self.emit)
        except (NoProvider, JudgeError, ValueError) as exc:
            raise BenchError(f"the judge {self.plan.judge}: {exc}") from None
        if self.plan.max_cost is not None:
            from store.judge import judged_kind_problems

            ids = {u.job.problem_id for u in self.scheduler.units}
            self.cap.judged_problems = frozenset(judged_kind_problems(self.db, ids))

    def _check_prices(self) -> None:
        if self.plan.max_cost is None:
            return
        from reasoning.providers.pricing import cost

        if self.judge is not None and cost(self.judge.model, Usage(1000, 1000)) is None:
            raise BenchError(
                f"the price of the judge {self.judge.model} is unknown, so --max-cost cannot"
                " count what it spends (set it in the config's [prices] table)"
            )
        for model in self.planned.specs:
            if cost(model, Usage(1000, 1000)) is None:
                self.breaker.leave_out(model, "price_unknown")

    # ---- the scheduler's host ----

    def stop_now(self) -> tuple[StopReason, str] | None:
        if self.stop is not None and self.stop.is_set():
            return "cancelled", "stopping: in-flight runs are kept as cancelled"
        if self.cap.passed(self.scheduler.in_flight()):
            return "max_cost", self._cap_note()
        return None

    def _cap_note(self) -> str:
        return (
            f"spent more than the cost cap ${self.plan.max_cost:g} (calls in flight counted):"
            " stopping, the runs in flight kept as cancelled"
        )

    def paused(self) -> bool:
        return self.pause is not None and self.pause.is_set()

    def decide(self, unit: Unit) -> Decision:
        """'start', 'wait' (for a run to finish), 'skip' (left out) or 'halt' (cost cap)."""
        job = unit.job
        if job.model in self.breaker:
            return "skip"
        return self.cap.decide(job.model, job.paradigm, job.problem_id, self.scheduler.in_flight())

    def halted(self, why: StopReason) -> None:
        self.emit(
            f"cost cap ${self.plan.max_cost:g}: the next run would pass it;"
            f" {len(self.scheduler.units)} runs not started"
        )

    def crashed(self, live: Live, task: asyncio.Task[None]) -> None:
        if task.cancelled():  # cancelled before its first step: nothing ran, nothing recorded
            self.tally.not_started += 1
        elif (exc := task.exception()) is not None:
            self._count(live, "failed", f"internal error: {type(exc).__name__}: {exc}")

    # ---- the loop ----

    async def run(self) -> BenchSummary:
        ticker: asyncio.Task[None] | None = None
        warm: asyncio.Task[None] | None = None
        watcher: asyncio.Task[None] | None = None
        pause_watcher: asyncio.Task[None] | None = None
        try:
            self._build_providers()
            # Seconds of imports on a busy machine, which the first calls would make on this
            # loop (the TUI's): made in a thread before any run starts.
            await asyncio.to_thread(load_sdks, {spec.kind for spec in self.planned.specs.values()})
            # The SDK clients too (a TLS context each, tens of ms); a failure is the first
            # call's to report.
            prepared = [provider.prepare() for provider in self.providers.values()]
            await asyncio.gather(*prepared, return_exceptions=True)
            self._check_prices()
            if self.stop is not None:
                watcher = asyncio.create_task(self._watch_stop(self.stop))
            if self.pause is not None:
                pause_watcher = asyncio.create_task(self._watch_pause(self.pause))
            if self.on_progress is not None:
                ticker = asyncio.create_task(self._tick())
            self.emit()
            await self._grade_leftovers()
            warm = asyncio.create_task(self._warm_up())
            await self.scheduler.schedule()
            self.drained.set()
            while self.grading:
                await asyncio.gather(*self.grading, return_exceptions=True)
        finally:
            extra = [t for t in (ticker, watcher, pause_watcher, warm) if t is not None]
            for task in extra:
                task.cancel()
            running = self.scheduler.cancel_all()
            await asyncio.gather(*running, *self.grading, *extra, return_exceptions=True)
            await asyncio.to_thread(self.grader.close)  # a grade under way ends first
            for batcher in self.batchers.values():
                await batcher.aclose()
            for provider in self.providers.values():
                with contextlib.suppress(Exception):
                    await provider.aclose()
            if self.judge is not None:
                await self.judge.aclose()
        self.emit()
        from store.benchq import config_totals

        try:
            self.configs = tuple(await self.writer.call(config_totals, self.bench_id))
        except Exception:
            self.configs = ()
        return self._summary()

    async def _warm_up(self) -> None:
        # Once the first runs have sent their calls (one starts per turn): the thread then
        # takes the GIL while the loop only waits for answers.
        scheduler = self.scheduler
        for _ in range(4 * self.plan.concurrency):
            if not scheduler.units or len(scheduler.live) >= self.plan.concurrency:
                break
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.grader.warm_up()

    async def _watch_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.scheduler.wake()

    async def _watch_pause(self, pause: asyncio.Event) -> None:
        while True:
            await pause.wait()
            self.emit("paused: the runs in flight finish, nothing new starts")
            while pause.is_set():
                await asyncio.sleep(0.1)
            self.emit("resumed")
            self.scheduler.wake()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.emit()

    # ---- one run ----

    async def run_unit(self, live: Live) -> None:
        from store.recorder import StoreFull
        from workbench.drive import Driver

        job = live.unit.job
        settings = arm_settings(self.plan.settings, job.paradigm)  # an arm, checked by the plan
        if self.plan.batch is not None:
            from workbench.bench.batch import CALLER, Caller

            def queued(worst: float | None) -> None:
                # A call waiting in a batch counts at its worst until its result arrives.
                live.estimate_cost = None if worst is None else (live.cost or 0.0) + worst

            arm = job.paradigm.replace("+", "-")  # custom ids: letters, digits, _ and -
            key = f"p{job.problem_id}_{arm}_a{live.unit.attempt}"
            caller = Caller(key, lambda: live.run_id, on_queued=queued)
            CALLER.set(caller)

        def seen(event: Event, run_id: int | None) -> None:
            if isinstance(event, UsageEstimate | UsageUpdate):
                if isinstance(event, UsageEstimate):  # a call streaming: its text so far
                    live.estimate_tokens = event.usage.input_tokens + event.usage.output_tokens
                    live.estimate_cost = event.cost_usd
                else:
                    live.tokens = event.usage.input_tokens + event.usage.output_tokens
                    live.cost = event.cost_usd
                    live.estimate_tokens = live.estimate_cost = None  # the provider's figures
                scheduler = self.scheduler
                if (
                    scheduler.halt is None
                    and not scheduler.closing
                    and self.cap.passed(scheduler.in_flight())
                ):
                    # Stopped here, not on the scheduler's next turn: the runs in flight are
                    # cancelled before they read on (the engine stops at the next delta).
                    scheduler.stop("max_cost", self._cap_note())
                    scheduler.wake()
            elif isinstance(event, RunStarted):
                live.run_id = run_id
                self.emit()
            elif isinstance(event, Notice):
                self.emit(f"{job.label}: {event.message}")

        driver = Driver(
            job.prompt,
            self.providers[job.model],
            settings,
            db=self.db,
            problem_id=job.problem_id,
            attempt_group=live.unit.group,
            bench_id=self.bench_id,
            on_event=seen,
            writer=self.writer,
        )
        if self.plan.batch is not None:
            caller.run_id = lambda: driver.run_id
        try:
            driven = await driver.run()
        except asyncio.CancelledError:
            live.run_id = driver.run_id
            self._count(live, "cancelled", None)
            raise
        except StoreFull as exc:  # the disk is full: no run can be kept, so start no more
            live.run_id = driver.run_id
            self._count(live, "cancelled", None)
            if self.scheduler.halt is None:
                self.scheduler.stop("store_full", f"the database is full ({exc}): stopping")
            return
        except Exception as exc:  # the store broke (drive recorded what it could): go on
            live.run_id = driver.run_id
            self._count(live, "failed", f"internal error: {type(exc).__name__}: {exc}")
            return
        live.run_id = driven.run_id
        if driven.result is None:  # the engine broke: drive recorded it failed
            self._count(live, "failed", f"internal error: {driven.error}")
            return
        result = driven.result
        live.tokens = result.usage.input_tokens + result.usage.output_tokens
        live.cost = result.cost_usd
        if result.status == "done" and live.run_id is not None:
            if job.problem_id in self.cap.judged_problems:
                self.cap.reserved.add(live.run_id)  # the share its run held, for its judge call
            self._count(live, result.status, result.error)
            self._start_grading(live.run_id, job.label)
        else:
            self._count(live, result.status, result.error)
        if live.unit.group is not None:
            from workbench.attempts import settle_attempt_group

            # Once its last attempt ends; a store error here must not fail the run.
            with contextlib.suppress(Exception):
                await self.writer.call(settle_attempt_group, live.unit.group)

    def _count(self, live: Live, status: str, error: str | None) -> None:
        job = live.unit.job
        cost, tokens = live.cost, live.tokens
        live.tokens, live.cost = 0, 0.0  # counted now: no longer part of the live spend
        live.estimate_tokens = live.estimate_cost = None
        live.counted = True
        failure = f"{job.label}: {error or 'failed'}"
        if live.run_id is not None:
            failure = f"run {live.run_id} ({failure})"
        note = self.tally.count(status, tokens, cost, live.run_id, failure)
        if cost is not None:
            self.cap.runs_cost += cost
        if status != "cancelled":
            self.cap.seen(job.model, job.paradigm, cost)
            tripped = self.breaker.record(job.model, status, error)
            if tripped is not None:
                self.emit(f"{tripped.line}; starting no more runs of it")
        self.emit(note)

    # ---- grading and judging ----

    async def _grade_leftovers(self) -> None:
        """Done runs of this bench left ungraded (a killed process) are graded first."""
        from store.benchq import ungraded_runs

        for run_id in await self.writer.call(ungraded_runs, self.bench_id):
            self._start_grading(run_id, f"run {run_id}")

    def _start_grading(self, run_id: int, label: str) -> None:
        self.to_grade.append((run_id, label))
        if len(self.to_grade) == 1:  # the first of a batch
            task = asyncio.create_task(self._grade_batch())
            self.grading.add(task)
            task.add_done_callback(self.grading.discard)

    async def _grade_batch(self) -> None:
        # Runs end in bursts, when the loop is busiest sending the next calls: the grading
        # thread starts a moment later, on the whole burst, so it does not compete with them.
        if not self.drained.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.drained.wait(), GRADE_AFTER_S)
        batch, self.to_grade = self.to_grade, []
        results = await self.grader.grade_all([run_id for run_id, _ in batch])
        for (run_id, label), result in zip(batch, results, strict=True):
            if isinstance(result, Exception):  # a grader bug must not stop the bench
                why = f"{type(result).__name__}: {result}"
                self.emit(f"grading run {run_id} ({label}) failed: {why}")
            else:
                self.tally.graded += 1
                if result == "needs_human" and self.judge is not None:
                    self._start_judging(run_id, label)
                    continue
            self.cap.reserved.discard(run_id)  # not for the judge: its share is let go
        self.emit()

    def _start_judging(self, run_id: int, label: str) -> None:
        """A proof or free-text run (or one the graders could not read) goes to the judge."""
        task = asyncio.create_task(self._judge_run(run_id, label))
        self.grading.add(task)  # the bench ends once its judging has too
        task.add_done_callback(self.grading.discard)

    async def _judge_run(self, run_id: int, label: str) -> None:
        cap = self.cap
        while (decision := cap.judge_decision(run_id, self.scheduler.in_flight())) == "wait":
            self.judge_ended.clear()
            await self.judge_ended.wait()
        cap.reserved.discard(run_id)  # its share passes to the call in flight, or is let go
        if decision == "skip":
            self.not_judged += 1
            self.emit(
                f"run {run_id} ({label}) not judged: the judge would pass the cost cap"
                f" ${self.plan.max_cost:g}"
            )
            return
        cap.judging += 1
        try:
            # since=0: a run this judge model has marked (another pass at it too) is left be.
            result = await self.judge.judge_run(self.db, run_id, since=0)
        except Exception as exc:  # the store broke: say so, the bench goes on
            self.emit(f"judging run {run_id} ({label}) failed: {type(exc).__name__}: {exc}")
            return
        finally:
            cap.judging -= 1
            self.judge_ended.set()
        if result is None:
            return
        cap.judged(result.cost_usd)
        if cap.passed(self.scheduler.in_flight()):
            self.scheduler.wake()  # the scheduler stops the bench
        self.judged.append(result)
        if result.error is not None:
            self.emit(f"judging run {run_id} ({label}) failed: {result.error}")
        else:
            self.emit()

    def _summary(self) -> BenchSummary:
        t = self.tally
        stopped = self.scheduler.halt
        not_started = t.not_started + self.scheduler.not_started
        if stopped is None and not_started:
            stopped = (
                "price_unknown"
                if "price_unknown" in self.breaker.reasons() and self.plan.max_cost is not None
                else "provider_failing"
            )
        return BenchSummary(
            bench_id=self.bench_id,
            dataset=self.plan.dataset,
            jobs=self.planned.all_jobs,
            skipped=self.planned.skipped_done + self.planned.skipped_running,
            running_elsewhere=self.planned.skipped_running,
            total=self.total,
            done=t.done,
            failed=t.failed,
            cancelled=t.cancelled,
            not_started=not_started,
            stopped=stopped,
            left_out=self.breaker.lines(),
            tokens=t.tokens,
            cost_usd=t.cost,
            cost_unknown=t.cost_unknown,
            elapsed_s=time.monotonic() - self.started,
            failures=tuple(t.failures),
            run_ids=tuple(sorted(t.run_ids)),
            configs=self.configs,
            judge=self.judge.model if self.judge is not None else None,
            judged=tuple(self.judged),
            not_judged=self.not_judged,
            judge_cost_usd=self.cap.judge_cost,
        )


def load_sdks(kinds: set[str]) -> None:
    """Import the engine, the providers' SDKs and their HTTP stack, and read the price table,
    as the first runs would."""
    import importlib

    for module in ("reasoning.engine", "reasoning.providers.sse"):  # the paradigms with them
        importlib.import_module(module)

    for kind in sorted(kinds):
        with contextlib.suppress(Exception):  # a missing SDK is reported by the run itself
            if kind == "anthropic":
                import anthropic

                anthropic.AsyncAnthropic(api_key="warm-up", base_url="http://127.0.0.1:9")
            else:
                import openai

                openai.AsyncOpenAI(api_key="warm-up", base_url="http://127.0.0.1:9")
    with contextlib.suppress(Exception):
        importlib.import_module("anyio._backends._asyncio")  # the SDKs' backend, on first use
    with contextlib.suppress(Exception):
        from reasoning.providers.pricing import config_prices

        config_prices()


async def run_bench(
    db: sqlite_utils.Database,
    plan: BenchPlan,
    on_progress: ProgressFn | None = None,
    *,
    stop: asyncio.Event | None = None,
    pause: asyncio.Event | None = None,
) -> BenchSummary:
    """Run the plan; progress goes to `on_progress`. Setting `stop` ends it cleanly (in-flight
    runs recorded as cancelled); cancelling the task does the same and re-raises. While `pause`
    is set nothing new starts and the runs in flight finish."""
    writer = DbWriter(db)
    try:
        planned = await writer.call(plan_runs, plan)
        async with lease(writer, planned) as held:
            bench = _Bench(db, writer, plan, planned, on_progress, stop, pause)
            if planned.resumed is not None:
                bench.emit(resumed_note(planned))
            summary = await bench.run()
            held.status = ended_status(summary)
            return summary
    finally:
        await writer.aclose()


def resumed_note(planned: Planned) -> str:
    """Which bench a resume continues, in one line."""
    resumed, plan = planned.resumed, planned.plan
    assert resumed is not None and plan is not None
    arms = " + ".join(plan.paradigms)
    models = ", ".join(planned.specs)
    if resumed.found == "new":
        return (
            f"no earlier bench of {plan.dataset} to resume ({arms} · {models}):"
            f" starting bench {resumed.bench_id}"
        )
    how = "named" if resumed.found == "named" else "the latest matching"
    since = f", started {resumed.started_at[:16].replace('T', ' ')}" if resumed.started_at else ""
    return f"resuming bench {resumed.bench_id} ({how}: {arms} · {models}{since})"


def ended_status(summary: BenchSummary) -> str:
    """How the bench stands once this invocation ends: done (its plan ran through), failed
    (every run failed) or paused (stopped, or runs left for --resume)."""
    if summary.stopped is None and not summary.cancelled and not summary.not_started:
        return "failed" if summary.nothing_ran else "done"
    return "paused"


@dataclass
class _Held:
    status: str = "paused"  # as the bench stands when the lease is given back


@contextlib.asynccontextmanager
async def lease(writer: DbWriter, planned: Planned) -> AsyncIterator[_Held]:
    """Hold the bench for this invocation: refused (BenchError) while another live process
    drives it; a heartbeat while held; given back with the bench's status at the end."""
    import os

    from store.benches import claim_bench, release_bench, renew_bench
    from store.owner import describe, owner_token

    plan = planned.plan
    assert plan is not None
    owner = owner_token()
    other = await writer.call(
        claim_bench,
        planned.bench_id,
        dataset=plan.dataset,
        plan=stored_plan(plan, planned.specs),
        jobs=planned.all_jobs,
        owner=owner,
        pid=os.getpid(),
    )
    if other is not None:
        raise BenchBusy(
            f"bench {planned.bench_id} is running in {describe(other.pid, other.host)}:"
            " wait for it to end, or stop it, before resuming"
        )

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(Exception):
                await writer.call(renew_bench, planned.bench_id, owner)

    held = _Held()
    beating = asyncio.create_task(beat())
    try:
        yield held
    finally:
        beating.cancel()
        with contextlib.suppress(BaseException):
            await beating
        with contextlib.suppress(Exception):
            await asyncio.shield(writer.call(release_bench, planned.bench_id, owner, held.status))
