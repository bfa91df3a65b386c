"""A shared gate per provider endpoint: a bound on calls in flight, and a pause after a rate limit.

The providers retry a 429 themselves and announce each retry in their stream as a typed
RetryScheduled (status, wait, slow_down); the gate sees it pass and holds every other run of
the same endpoint for as long, so a rate limit slows the whole provider down instead of making
each run find it out on its own.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

from reasoning.providers.base import ChatRequest, Delta, Done, ProviderError, RetryScheduled

# Statuses that mean "slow down" rather than "this request is wrong".
SLOW_DOWN_STATUS = (429, 529)
# When a provider gives up on a rate limit, the gate waits and tries the call this many more times.
EXTRA_ROUNDS = 3
MAX_PAUSE_S = 60.0


class RateGate:
    """Shared by every run of one endpoint: at most `limit` calls at once, paused after a 429."""

    def __init__(
        self,
        name: str,
        limit: int,
        on_pause: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.limit = limit
        self.slots = asyncio.Semaphore(limit)
        self.on_pause = on_pause
        self.clock = clock
        self.until = 0.0
        self.pauses = 0  # how many times the gate closed

    @property
    def paused_for(self) -> float:
        """Seconds left before calls may start again (0 when open)."""
        return max(0.0, self.until - self.clock())

    def pause(self, seconds: float, why: str) -> None:
        """Hold every next call of this endpoint for `seconds` (extends, never shortens, a pause)."""
        until = self.clock() + min(MAX_PAUSE_S, max(0.0, seconds))
        if until <= self.until:
            return
        was_open = self.paused_for <= 0
        self.until = until
        if was_open:
            self.pauses += 1
            if self.on_pause is not None:
                self.on_pause(f"{why}: holding every {self.name} call for {seconds:.1f} s")

    async def wait_open(self) -> None:
        """Return once no pause is in force."""
        while (left := self.paused_for) > 0:
            await asyncio.sleep(left)


class GatedProvider:
    """A provider whose calls go through a RateGate (the Provider protocol, wrapped)."""

    def __init__(
        self, inner: Any, gate: RateGate, on_notice: Callable[[str], None] | None = None
    ) -> None:
        self.inner = inner
        self.gate = gate
        self.name: str = inner.name
        self.kind = inner.kind
        self.model: str = inner.model
        self.base_url: str | None = inner.base_url
        self.on_notice = on_notice
        inner.on_notice = on_notice

    async def prepare(self) -> None:
        """The inner provider's `prepare`, if it has one."""
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            await prepare()

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | Done | RetryScheduled]:
        """The inner stream, once the gate is open and a slot is free; a 429 the provider gave up
        on (before any text) pauses the gate and is tried again a few times."""
        for round_ in itertools.count():
            await self.gate.wait_open()
            async with self.gate.slots:
                await self.gate.wait_open()  # a pause may have started while queued for a slot
                streamed = False
                try:
                    async with aclosing(self.inner.stream(request)) as items:
                        async for item in items:
                            streamed = streamed or isinstance(item, Delta | Done)
                            if isinstance(item, RetryScheduled) and item.slow_down:
                                why = f"{item.status or 'rate limit'} from {self.name}"
                                self.gate.pause(item.wait_s, why)
                            yield item
                    return
                except ProviderError as exc:
                    if streamed or exc.status not in SLOW_DOWN_STATUS or round_ >= EXTRA_ROUNDS:
                        raise
                    self.gate.pause(2.0 * 2**round_, f"{exc.status} from {self.name} again")

    async def aclose(self) -> None:
        await self.inner.aclose()
