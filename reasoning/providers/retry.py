"""Bounded retries with backoff for one streaming call, shared by both providers."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

from reasoning.events import Usage
from reasoning.providers.base import Delta, Done, ProviderError, RetryScheduled, StreamCut

Notify = Callable[[str], None]


class Transient(Exception):
    """A failure worth retrying when no text has been streamed yet (429, 5xx, timeouts, cuts)."""

    def __init__(
        self,
        message: str,
        *,
        label: str,
        status: int | None = None,
        retry_after: float | None = None,
        usage: Usage | None = None,
        max_retries: int | None = None,
        slow_down: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.label = label  # short, for the notice: "429", "overloaded (529)", "timeout"
        self.status = status
        self.retry_after = retry_after
        self.usage = usage
        # A tighter bound for this kind of failure (a timeout costs a whole timeout per try).
        self.max_retries = max_retries
        # The server asks callers to slow down (429, 529, a rate-limit or overload event).
        self.slow_down = slow_down or status in (429, 529)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait; `retry-after` from the server wins when given."""

    max_retries: int = 4
    base_s: float = 0.5
    max_wait_s: float = 60.0

    def wait(self, retries_done: int, retry_after: float | None) -> float:
        """Seconds before the next attempt: the server's ask, else exponential with jitter."""
        if retry_after is not None:
            # A little upward jitter so concurrent runs do not come back in lockstep.
            return min(self.max_wait_s, retry_after * (1 + random.random() * 0.1))
        return min(self.max_wait_s, self.base_s * 2**retries_done) * (0.5 + random.random() / 2)


async def retrying(
    attempt: Callable[[], AsyncGenerator[Delta | Done, None]],
    *,
    name: str,
    policy: RetryPolicy,
    notify: Notify | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[Delta | Done | RetryScheduled]:
    """Run `attempt` until it completes, retrying Transient failures that came before any text.

    After text was streamed a failure becomes StreamCut (the engine continues from the partial
    text); when retries are exhausted it becomes a ProviderError with a message fit for a user.
    """
    retries = 0
    while True:
        parts: list[str] = []
        started = clock()
        try:
            async with aclosing(attempt()) as stream:
                async for item in stream:
                    if isinstance(item, Delta):
                        parts.append(item.text)
                    yield item
            return
        except Transient as failure:
            if parts:
                raise StreamCut(
                    f"{name}: {failure.message}",
                    partial_text="".join(parts),
                    usage=failure.usage or Usage(),
                    timed_out=failure.label == "timeout",
                ) from None
            if failure.retry_after is not None and failure.retry_after > policy.max_wait_s:
                raise ProviderError(
                    f"{name}: {failure.message}; the server asks to wait "
                    f"{failure.retry_after:.0f} s, try again later",
                    retryable=True,
                    status=failure.status,
                ) from None
            limit = policy.max_retries
            if failure.max_retries is not None:
                limit = min(limit, failure.max_retries)
            if retries >= limit:
                tries = "1 attempt" if retries == 0 else f"{retries + 1} attempts"
                raise ProviderError(
                    f"{name}: {failure.message} (gave up after {tries})",
                    retryable=True,
                    status=failure.status,
                    timed_out=failure.label == "timeout",
                ) from None
            wait = policy.wait(retries, failure.retry_after)
            yield RetryScheduled(
                failure.status, failure.message, clock() - started, wait, failure.slow_down
            )
            if notify is not None:
                try:
                    notify(f"{failure.label} from {name}, retrying in {wait:.1f} s")
                except Exception:  # a broken UI callback must not break the call
                    pass
            await sleep(wait)
            retries += 1
