"""The benchmark runner: a dataset x paradigms x models, run concurrently, recorded and graded live.

Used by `ponder bench` and by the TUI's Bench screen, on the caller's event loop. Every run is
recorded with the bench's `bench_id`, so another process can watch the bench
(store.benchq.bench_status), and a bench cut short (Ctrl+C, kill -9, a cost cap) is completed
later with `resume`. The loop never waits on SQLite: the bench's writes (recording, planning,
selecting attempts) go through one writer thread (store.writer), grading through another.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import sqlite_utils

from reasoning.events import (
    Event,
    Notice,
    Paradigm,
    RunStarted,
    Usage,
    UsageEstimate,
    UsageUpdate,
)
from store.writer import DbWriter
from workbench.grading import GRADE_TIMEOUT_S, GradingThread
from workbench.plan import BenchError, BenchPlan, Job, Planned, plan_runs
from workbench.ratelimit import GatedProvider, RateGate

# A model whose first runs all fail with the same provider error gets no more runs started.
BREAKER_RUNS = 5
TICK_S = 0.5  # progress refresh while nothing else happens (tokens, ETA)
GRADE_AFTER_S = 0.1  # grading waits this long after a run ends, for the rest of its burst


@dataclass(frozen=True)
class BenchProgress:
    """A snapshot for a progress display; `note` is the one-line event that caused it, if any."""

    bench_id: str
    dataset: str
    jobs: int  # jobs in the plan, done earlier ones included
    skipped: int  # jobs already done (resume) or running in another process
    total: int  # runs to make now
    done: int
    failed: int
    cancelled: int
    running: int
    not_started: int  # left out: cost cap, provider failing, stop
    graded: int
    tokens: int
    cost_usd: float  # known part of the spend, the judge's included (what --max-cost counts)
    cost_unknown: int  # runs whose price is unknown
    elapsed_s: float
    eta_s: float | None
    paused_s: float  # a rate-limit pause in force, seconds left
    note: str | None = None
    # Estimated from the text of the calls streaming now (about 4 characters a token), on top of
    # `tokens` and `cost_usd` until those calls end with the provider's figures.
    in_flight_tokens: int = 0
    in_flight_cost: float = 0.0

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled


@dataclass(frozen=True)
class BenchSummary:
    """How a bench invocation ended; `configs` covers every run of the bench (resumes included)."""

    bench_id: str
    dataset: str
    jobs: int
    skipped: int
    running_elsewhere: int  # jobs skipped because another process is running them
    total: int
    done: int
    failed: int
    cancelled: int
    not_started: int
    # None | "cancelled" | "max_cost" | "provider_failing" | "price_unknown" | "store_full"
    stopped: str | None
    left_out: tuple[str, ...]  # why some models got no runs started
    tokens: int
    cost_usd: float
    cost_unknown: int
    elapsed_s: float
    failures: tuple[str, ...]  # one line per failed run
    run_ids: tuple[int, ...]
    configs: tuple[Any, ...]  # store.benchq.ConfigTotals
    judge: str | None = None  # the judge model, when the plan has one
    judged: tuple[Any, ...] = ()  # workbench.judge.JudgeResult of each run judged
    not_judged: int = 0  # runs the judge was not asked about: it would have passed --max-cost
    judge_cost_usd: float = 0.0  # known part of the judge's spend (cost_usd is the runs')

    @property
    def nothing_ran(self) -> bool:
        """Runs were planned and none of them produced an answer."""
        return self.total > 0 and self.done == 0


ProgressFn = Callable[[BenchProgress], None]


# ---- running -------------------------------------------------------------------------------


@dataclass
class _Unit:
    """One run to make: a job's attempt."""

    job: Job
    attempt: int
    group: str | None


@dataclass
class _Live:
    unit: _Unit
    run_id: int | None = None
    tokens: int = 0
    cost: float | None = 0.0
    counted: bool = False  # its outcome is in the totals (the task is ending)
    # The run's totals with the call streaming now estimated (UsageEstimate), until the
    # provider's figures (UsageUpdate) replace them.
    estimate_tokens: int | None = None
    estimate_cost: float | None = None


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
        self.plan = plan
        self.planned = planned
        self.bench_id = planned.bench_id
        self.on_progress = on_progress
        self.stop = stop
        self.pause = pause  # while set, nothing new starts; runs in flight go on
        self.units: deque[_Unit] = deque()
        for job in planned.jobs:
            group = uuid.uuid4().hex[:12] if plan.attempts > 1 else None
            self.units.extend(_Unit(job, i, group) for i in range(plan.attempts))
        self.total = len(self.units)
        self.live: dict[asyncio.Task[None], _Live] = {}
        self.grading: set[asyncio.Task[None]] = set()
        self.to_grade: list[tuple[int, str]] = []  # done runs waiting for the grading thread
        self.drained = asyncio.Event()  # nothing left to start or running
        self.changed = asyncio.Event()
        self.closing = False  # the bench is ending: start nothing more
        self.started_this_turn = False  # a run started in this turn of the loop
        self.fill_next_turn = False  # _fill is scheduled for the next turn
        self.halt: str | None = None
        self.left_out: dict[str, str] = {}  # model -> why its runs are not started
        self.done = self.failed = self.cancelled = self.not_started = self.graded = 0
        self.tokens = 0
        self.cost = 0.0
        self.cost_unknown = 0
        # The judge's calls count against --max-cost too: their spend, each call's cost (for the
        # estimate of the next), the calls in flight, and the runs left unjudged by the cap. A
        # proof or free-text run keeps a judge call's share of the cap from the moment it is
        # started until its judge call is (`judged_problems`: the problems whose runs are judged).
        self.judge_cost = 0.0
        self.judge_costs: list[float] = []
        self.judging = 0
        self.not_judged = 0
        self.judge_ended = asyncio.Event()
        self.judged_problems: frozenset[int] = frozenset()
        self.reserved: set[int] = set()  # finished runs holding a share for their judge call
        self.samples: dict[tuple[str, str], list[float]] = {}
        self.outcomes: dict[str, list[str | None]] = {}  # model -> errors of its finished runs
        self.failures: list[str] = []
        self.run_ids: list[int] = []
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
        finished = self.done + self.failed
        running = sum(not lv.counted for lv in self.live.values())
        remaining = len(self.units) + running
        eta = elapsed / finished * remaining if finished and self.halt is None else None
        return BenchProgress(
            bench_id=self.bench_id,
            dataset=self.plan.dataset,
            jobs=self.planned.all_jobs,
            skipped=self.planned.skipped_done + self.planned.skipped_running,
            total=self.total,
            done=self.done,
            failed=self.failed,
            cancelled=self.cancelled,
            running=running,
            not_started=self.not_started,
            graded=self.graded,
            tokens=self.tokens + sum(lv.tokens for lv in self.live.values()),
            cost_usd=self._spent(),
            cost_unknown=self.cost_unknown,
            elapsed_s=elapsed,
            eta_s=eta,
            paused_s=max((g.paused_for for g in self.gates.values()), default=0.0),
            note=note,
            in_flight_tokens=sum(
                max(0, lv.estimate_tokens - lv.tokens)
                for lv in self.live.values()
                if lv.estimate_tokens is not None and not lv.counted
            ),
            in_flight_cost=self._in_flight(),
        )

    def emit(self, note: str | None = None) -> None:
        if self.on_progress is not None:
            with contextlib.suppress(Exception):  # a broken display must not break the bench
                self.on_progress(self.progress(note))

    def _wake(self) -> None:
        self.changed.set()

    # ---- providers ----

    def _build_providers(self) -> None:
        from reasoning.providers import build_provider

        limit = self.plan.provider_concurrency or self.plan.concurrency
        for model, spec in self.planned.specs.items():
            try:
                inner = build_provider(spec)
            except Exception as exc:  # a missing SDK, a bad preset...
                raise BenchError(f"cannot use provider {spec.name}: {exc}") from None
            key = (spec.name, spec.base_url)
            gate = self.gates.get(key)
            if gate is None:
                gate = self.gates[key] = RateGate(spec.name, limit, on_pause=self.emit)
            self.providers[model] = GatedProvider(inner, gate, on_notice=self.emit)
        if self.plan.judge is not None:
            self._build_judge(limit)

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

            ids = {u.job.problem_id for u in self.units}
            self.judged_problems = frozenset(judged_kind_problems(self.db, ids))

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
                self.left_out[model] = (
                    f"the price of {model} is unknown, so the cost cap cannot be kept"
                    " (set it in the config's [prices] table)"
                )

    # ---- cost control ----

    def _estimate(self, job: Job) -> float | None:
        """What a run of this job will likely cost: the mean of its configuration so far."""
        same = self.samples.get((job.model, job.paradigm))
        if same:
            return sum(same) / len(same)
        model = [c for (m, _), costs in self.samples.items() if m == job.model for c in costs]
        return sum(model) / len(model) if model else None

    def _spent(self) -> float:
        """What the bench has spent so far: finished and running runs, and the judge's calls."""
        return self.cost + self.judge_cost + sum(lv.cost or 0.0 for lv in self.live.values())

    def _in_flight(self) -> float:
        """The estimated cost of the calls streaming now, beyond what their runs have spent."""
        return sum(
            max(0.0, lv.estimate_cost - (lv.cost or 0.0))
            for lv in self.live.values()
            if lv.estimate_cost is not None and not lv.counted
        )

    def _over_cap(self) -> bool:
        """Whether the spend, with the calls in flight counted as they stream, passed the cap:
        an expensive call counts before it ends, not after a whole run has."""
        cap = self.plan.max_cost
        return cap is not None and self._spent() + self._in_flight() > cap

    def _judge_estimate(self) -> float | None:
        """What a judge call will likely cost: the mean of the calls so far."""
        return sum(self.judge_costs) / len(self.judge_costs) if self.judge_costs else None

    def _judge_share(self) -> float:
        """The share of the cap a judge call to come is given: the judge's mean so far, else a
        run's (the judge reads about what a solver writes)."""
        estimate = self._judge_estimate()
        if estimate is not None:
            return estimate
        costs = [c for costs in self.samples.values() for c in costs]
        return sum(costs) / len(costs) if costs else 0.0

    def _reserve(self, job: Job) -> float:
        """The judge's share a run of this job holds: proof and free-text runs are judged."""
        return self._judge_share() if job.problem_id in self.judged_problems else 0.0

    def _committed(self) -> float:
        """The spend so far plus what the runs and judge calls in flight will likely add, and
        the judge calls that finished proof runs are waiting for."""
        share = self._judge_share()
        return (
            self.cost
            + self.judge_cost
            + (self.judging + len(self.reserved)) * share
            + sum(
                max(lv.cost or 0.0, lv.estimate_cost or 0.0, self._estimate(lv.unit.job) or 0.0)
                + self._reserve(lv.unit.job)
                for lv in self.live.values()
            )
        )

    def _decide(self, unit: _Unit) -> str:
        """'start', 'wait' (for a run to finish), 'skip' (left out) or 'halt' (cost cap)."""
        if unit.job.model in self.left_out:
            return "skip"
        cap = self.plan.max_cost
        if cap is None:
            return "start"
        estimate = self._estimate(unit.job)
        if estimate is None:
            # Nothing known yet: one probe run at a time until a cost has been seen.
            return "wait" if self.live else "start"
        if self._committed() + estimate + self._reserve(unit.job) <= cap:
            return "start"
        return "wait" if self.live else "halt"

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
            await self._schedule()
            self.drained.set()
            while self.grading:
                await asyncio.gather(*self.grading, return_exceptions=True)
        finally:
            self.closing = True
            for task in (ticker, watcher, pause_watcher, warm):
                if task is not None:
                    task.cancel()
            for task in self.live:
                task.cancel()
            extra = (t for t in (ticker, watcher, pause_watcher, warm) if t)
            pending = [*self.live, *self.grading, *extra]
            await asyncio.gather(*pending, return_exceptions=True)
            await asyncio.to_thread(self.grader.close)  # a grade under way ends first
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
        for _ in range(4 * self.plan.concurrency):
            if not self.units or len(self.live) >= self.plan.concurrency:
                break
            await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.grader.warm_up()

    async def _watch_stop(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self._wake()

    async def _watch_pause(self, pause: asyncio.Event) -> None:
        while True:
            await pause.wait()
            self.emit("paused: the runs in flight finish, nothing new starts")
            while pause.is_set():
                await asyncio.sleep(0.1)
            self.emit("resumed")
            self._wake()

    def _paused(self) -> bool:
        return self.pause is not None and self.pause.is_set()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.emit()

    async def _schedule(self) -> None:
        while self.units or self.live:
            self._fill()
            if not self.live:
                if not self.units:
                    break
                if not self._paused():
                    continue  # a skip or halt changed the queue: decide again
            self.changed.clear()
            await self.changed.wait()

    def _fill(self) -> None:
        """Stop, or start the runs that fit: the scheduler's decision, also made as each run ends."""
        if self.closing:
            return
        if self.halt is None:
            if self.stop is not None and self.stop.is_set():
                self._halt("cancelled", "stopping: in-flight runs are kept as cancelled")
            elif self._over_cap():
                self._cap_reached()
        if self.halt is None and not self._paused():
            self._start_what_fits()
        if self.halt is not None and self.units:
            self.not_started += len(self.units)
            self.units.clear()

    def _cap_reached(self) -> None:
        self._halt(
            "max_cost",
            f"spent more than the cost cap ${self.plan.max_cost:g} (calls in flight counted):"
            " stopping, the runs in flight kept as cancelled",
        )

    def _halt(self, why: str, note: str) -> None:
        """Stop now: nothing new starts and the runs in flight are cancelled (and recorded so)."""
        self.halt = why
        for task in self.live:
            task.cancel()
        self.emit(note)

    def _start_what_fits(self) -> None:
        while self.units and len(self.live) < self.plan.concurrency:
            if self.started_this_turn and self.live:
                # One run starts per turn of the loop: it sends its request before the next one
                # starts building its own. Started together, runs would send their requests
                # together at the end of the turn, get their answers together, and every run
                # would wait for all the others at each call, again and again.
                if not self.fill_next_turn:
                    self.fill_next_turn = True
                    asyncio.get_running_loop().call_soon(self._fill_next_turn)
                return
            unit = self.units[0]
            decision = self._decide(unit)
            if decision == "wait":
                return
            if decision == "halt":
                self.halt = "max_cost"
                self.emit(
                    f"cost cap ${self.plan.max_cost:g}: the next run would pass it;"
                    f" {len(self.units)} runs not started"
                )
                return
            self.units.popleft()
            if decision == "skip":
                self.not_started += 1
                continue
            live = _Live(unit)
            task = asyncio.create_task(self._run(live))
            self.live[task] = live
            task.add_done_callback(self._ended)
            self.started_this_turn = True
            asyncio.get_running_loop().call_soon(self._next_turn)
        if self.units and all(u.job.model in self.left_out for u in self.units):
            self.not_started += len(self.units)
            self.units.clear()

    def _next_turn(self) -> None:
        self.started_this_turn = False

    def _fill_next_turn(self) -> None:
        self.fill_next_turn = False
        self._fill()

    def _ended(self, task: asyncio.Task[None]) -> None:
        live = self.live.pop(task, None)
        if live is not None and not live.counted:
            if task.cancelled():  # cancelled before its first step: nothing ran, nothing recorded
                self.not_started += 1
            elif (exc := task.exception()) is not None:
                self._count(live, "failed", f"internal error: {type(exc).__name__}: {exc}")
        # The next run starts now rather than on the scheduler's next turn: when many runs end
        # together, each loop turn is long, and the slot would sit idle for one more.
        self._fill()
        self._wake()

    async def _run(self, live: _Live) -> None:
        from store.recorder import StoreFull
        from workbench.drive import Driver

        job = live.unit.job
        paradigm = cast(Paradigm, job.paradigm)  # checked against PARADIGMS by the plan
        settings = dataclasses.replace(self.plan.settings, paradigm=paradigm)

        def seen(event: Event, run_id: int | None) -> None:
            if isinstance(event, UsageEstimate | UsageUpdate):
                if isinstance(event, UsageEstimate):  # a call streaming: its text so far
                    live.estimate_tokens = event.usage.input_tokens + event.usage.output_tokens
                    live.estimate_cost = event.cost_usd
                else:
                    live.tokens = event.usage.input_tokens + event.usage.output_tokens
                    live.cost = event.cost_usd
                    live.estimate_tokens = live.estimate_cost = None  # the provider's figures
                if self.halt is None and not self.closing and self._over_cap():
                    # Stopped here, not on the scheduler's next turn: the runs in flight are
                    # cancelled before they read on (the engine stops at the next delta).
                    self._cap_reached()
                    self._wake()
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
        try:
            driven = await driver.run()
        except asyncio.CancelledError:
            live.run_id = driver.run_id
            self._count(live, "cancelled", None)
            raise
        except StoreFull as exc:  # the disk is full: no run can be kept, so start no more
            live.run_id = driver.run_id
            self._count(live, "cancelled", None)
            if self.halt is None:
                self._halt("store_full", f"the database is full ({exc}): stopping")
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
            if job.problem_id in self.judged_problems:
                self.reserved.add(live.run_id)  # the share its run held, kept for its judge call
            self._count(live, result.status, result.error)
            self._start_grading(live.run_id, job.label)
        else:
            self._count(live, result.status, result.error)
        if live.unit.group is not None:
            from workbench.attempts import settle_attempt_group

            # Once its last attempt ends; a store error here must not fail the run.
            with contextlib.suppress(Exception):
                await self.writer.call(settle_attempt_group, live.unit.group)

    def _count(self, live: _Live, status: str, error: str | None) -> None:
        job = live.unit.job
        cost, tokens = live.cost, live.tokens
        live.tokens, live.cost = 0, 0.0  # counted now: no longer part of the live spend
        live.estimate_tokens = live.estimate_cost = None
        live.counted = True
        if live.run_id is not None:
            self.run_ids.append(live.run_id)
        self.tokens += tokens
        if cost is None:
            self.cost_unknown += 1
        else:
            self.cost += cost
        note = None
        if status == "done":
            self.done += 1
        elif status == "cancelled":
            self.cancelled += 1
        else:
            self.failed += 1
            line = f"{job.label}: {error or 'failed'}"
            if live.run_id is not None:
                line = f"run {live.run_id} ({line})"
            self.failures.append(line)
            note = f"failed: {line}"
        if status != "cancelled":
            if cost is not None:
                self.samples.setdefault((job.model, job.paradigm), []).append(cost)
            self._trip_breaker(job.model, status, error)
        self.emit(note)

    def _trip_breaker(self, model: str, status: str, error: str | None) -> None:
        seen = self.outcomes.setdefault(model, [])
        seen.append(None if status == "done" else error or "failed")
        if model in self.left_out or len(seen) < BREAKER_RUNS or None in seen:
            return
        if len(set(seen)) == 1:
            self.left_out[model] = f"every run of {model} failed: {seen[0]}"
            self.emit(f"{self.left_out[model]}; starting no more runs of it")

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
                self.graded += 1
                if result == "needs_human" and self.judge is not None:
                    self._start_judging(run_id, label)
                    continue
            self.reserved.discard(run_id)  # not for the judge: its share is let go
        self.emit()

    def _start_judging(self, run_id: int, label: str) -> None:
        """A proof or free-text run (or one the graders could not read) goes to the judge."""
        task = asyncio.create_task(self._judge_run(run_id, label))
        self.grading.add(task)  # the bench ends once its judging has too
        task.add_done_callback(self.grading.discard)

    def _judge_decision(self, run_id: int) -> str:
        """'start' a judge call, 'wait' for one in flight to end, or 'skip' (the cost cap)."""
        cap = self.plan.max_cost
        if cap is None:
            return "start"
        if self._judge_estimate() is None and self.judging:
            return "wait"  # one probe call at a time until a judge cost has been seen
        # A proof run's share is in _committed() already; another run's is asked for now.
        own = 0.0 if run_id in self.reserved else self._judge_share()
        if self._committed() + own <= cap + 1e-12:
            return "start"
        return "wait" if self.judging else "skip"

    async def _judge_run(self, run_id: int, label: str) -> None:
        while (decision := self._judge_decision(run_id)) == "wait":
            self.judge_ended.clear()
            await self.judge_ended.wait()
        self.reserved.discard(run_id)  # its share passes to the call in flight, or is let go
        if decision == "skip":
            self.not_judged += 1
            self.emit(
                f"run {run_id} ({label}) not judged: the judge would pass the cost cap"
                f" ${self.plan.max_cost:g}"
            )
            return
        self.judging += 1
        try:
            # since=0: a run this judge model has marked (another pass at it too) is left be.
            result = await self.judge.judge_run(self.db, run_id, since=0)
        except Exception as exc:  # the store broke: say so, the bench goes on
            self.emit(f"judging run {run_id} ({label}) failed: {type(exc).__name__}: {exc}")
            return
        finally:
            self.judging -= 1
            self.judge_ended.set()
        if result is None:
            return
        if result.cost_usd is not None:
            self.judge_cost += result.cost_usd
            self.judge_costs.append(result.cost_usd)
        if self.plan.max_cost is not None and self._spent() > self.plan.max_cost:
            self._wake()  # the scheduler stops the bench
        self.judged.append(result)
        if result.error is not None:
            self.emit(f"judging run {run_id} ({label}) failed: {result.error}")
        else:
            self.emit()

    def _summary(self) -> BenchSummary:
        stopped = self.halt
        if stopped is None and self.not_started:
            reasons = set(self.left_out.values())
            stopped = (
                "price_unknown"
                if any("price" in r for r in reasons) and self.plan.max_cost is not None
                else "provider_failing"
            )
        return BenchSummary(
            bench_id=self.bench_id,
            dataset=self.plan.dataset,
            jobs=self.planned.all_jobs,
            skipped=self.planned.skipped_done + self.planned.skipped_running,
            running_elsewhere=self.planned.skipped_running,
            total=self.total,
            done=self.done,
            failed=self.failed,
            cancelled=self.cancelled,
            not_started=self.not_started,
            stopped=stopped,
            left_out=tuple(sorted(set(self.left_out.values()))),
            tokens=self.tokens,
            cost_usd=self.cost,
            cost_unknown=self.cost_unknown,
            elapsed_s=time.monotonic() - self.started,
            failures=tuple(self.failures),
            run_ids=tuple(sorted(self.run_ids)),
            configs=self.configs,
            judge=self.judge.model if self.judge is not None else None,
            judged=tuple(self.judged),
            not_judged=self.not_judged,
            judge_cost_usd=self.judge_cost,
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
        return await _Bench(db, writer, plan, planned, on_progress, stop, pause).run()
    finally:
        await writer.aclose()
