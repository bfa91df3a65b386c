"""The bench's scheduler: the runs to make, the runs in flight, and when the next one starts.

At most `concurrency` runs at once, one started per turn of the loop; before each start the host
decides (start, wait, skip, halt) and may stop the whole bench. The host runs a unit and counts
how it ended; the scheduler only keeps the queue moving.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from workbench.bench.costcap import Decision
from workbench.bench.plan import Job
from workbench.bench.progress import StopReason


@dataclass
class Unit:
    """One run to make: a job's attempt."""

    job: Job
    attempt: int
    group: str | None


@dataclass
class Live:
    """A run in flight: its id once known, what its finished calls cost, and an estimate of the
    call streaming now."""

    unit: Unit
    run_id: int | None = None
    tokens: int = 0
    cost: float | None = 0.0
    counted: bool = False  # its outcome is in the totals (the task is ending)
    # The run's totals with the call streaming now estimated (UsageEstimate), until the
    # provider's figures (UsageUpdate) replace them.
    estimate_tokens: int | None = None
    estimate_cost: float | None = None

    @property
    def model(self) -> str:
        return self.unit.job.model

    @property
    def paradigm(self) -> str:
        return self.unit.job.paradigm

    @property
    def problem_id(self) -> int:
        return self.unit.job.problem_id


def make_units(jobs: Iterable[Job], attempts: int) -> deque[Unit]:
    """Every attempt of every job, in plan order; attempts of one job share a group."""
    units: deque[Unit] = deque()
    for job in jobs:
        group = uuid.uuid4().hex[:12] if attempts > 1 else None
        units.extend(Unit(job, i, group) for i in range(attempts))
    return units


class Host(Protocol):
    """What the scheduler asks of the bench it runs."""

    def stop_now(self) -> tuple[StopReason, str] | None:
        """A reason to stop the bench now (and the note to show), or None."""
        ...

    def paused(self) -> bool: ...

    def decide(self, unit: Unit) -> Decision: ...

    def halted(self, why: StopReason) -> None:
        """The cap stopped the queue (nothing in flight to wait for)."""
        ...

    def run_unit(self, live: Live) -> Coroutine[Any, Any, None]: ...

    def crashed(self, live: Live, task: asyncio.Task[None]) -> None:
        """A unit's task ended without counting its run (cancelled early, or a bug)."""
        ...

    def emit(self, note: str | None = None) -> None: ...


class Scheduler:
    def __init__(self, host: Host, units: deque[Unit], concurrency: int) -> None:
        self.host = host
        self.units = units
        self.concurrency = concurrency
        self.live: dict[asyncio.Task[None], Live] = {}
        self.changed = asyncio.Event()
        self.closing = False  # the bench is ending: start nothing more
        self.started_this_turn = False  # a run started in this turn of the loop
        self.fill_next_turn = False  # fill is scheduled for the next turn
        self.halt: StopReason | None = None
        self.not_started = 0  # units dropped: skipped, or left when the bench stopped

    @property
    def running(self) -> int:
        return sum(not lv.counted for lv in self.live.values())

    def in_flight(self) -> list[Live]:
        return list(self.live.values())

    def wake(self) -> None:
        self.changed.set()

    async def schedule(self) -> None:
        """Start runs until the queue is empty and nothing is in flight."""
        while self.units or self.live:
            self.fill()
            if not self.live:
                if not self.units:
                    break
                if not self.host.paused():
                    continue  # a skip or halt changed the queue: decide again
            self.changed.clear()
            await self.changed.wait()

    def fill(self) -> None:
        """Stop, or start the runs that fit: the scheduler's decision, also made as each run ends."""
        if self.closing:
            return
        if self.halt is None and (stop := self.host.stop_now()) is not None:
            self.stop(*stop)
        if self.halt is None and not self.host.paused():
            self._start_what_fits()
        if self.halt is not None and self.units:
            self.not_started += len(self.units)
            self.units.clear()

    def stop(self, why: StopReason, note: str) -> None:
        """Stop now: nothing new starts and the runs in flight are cancelled (and recorded so)."""
        self.halt = why
        for task in self.live:
            task.cancel()
        self.host.emit(note)

    def _start_what_fits(self) -> None:
        while self.units and len(self.live) < self.concurrency:
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
            decision = self.host.decide(unit)
            if decision == "wait":
                return
            if decision == "halt":
                self.halt = "max_cost"
                self.host.halted("max_cost")
                return
            self.units.popleft()
            if decision == "skip":
                self.not_started += 1
                continue
            live = Live(unit)
            task = asyncio.create_task(self.host.run_unit(live))
            self.live[task] = live
            task.add_done_callback(self._ended)
            self.started_this_turn = True
            asyncio.get_running_loop().call_soon(self._next_turn)
        if self.units and all(self.host.decide(u) == "skip" for u in self.units):
            self.not_started += len(self.units)
            self.units.clear()

    def _next_turn(self) -> None:
        self.started_this_turn = False

    def _fill_next_turn(self) -> None:
        self.fill_next_turn = False
        self.fill()

    def _ended(self, task: asyncio.Task[None]) -> None:
        live = self.live.pop(task, None)
        if live is not None and not live.counted:
            self.host.crashed(live, task)
        # The next run starts now rather than on the scheduler's next turn: when many runs end
        # together, each loop turn is long, and the slot would sit idle for one more.
        self.fill()
        self.wake()

    def cancel_all(self) -> list[asyncio.Task[None]]:
        """Cancel the runs in flight (the bench is ending); their tasks, to be awaited."""
        self.closing = True
        for task in self.live:
            task.cancel()
        return list(self.live)
