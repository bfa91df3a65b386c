"""One run's bookkeeping: provider calls with their events, usage, cost and engine-enforced limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass

from reasoning.events import (
    CallFinished,
    CallRetried,
    CallStarted,
    Event,
    Notice,
    RunSettings,
    StopReason,
    Usage,
    UsageEstimate,
    UsageUpdate,
    estimated_usage,
)
from reasoning.providers.base import (
    ChatRequest,
    Delta,
    Done,
    Provider,
    ProviderError,
    RetryScheduled,
    StreamCut,
)
from reasoning.text import valid_text


class LimitReached(Exception):
    """An engine limit stops the run; `reason` is the recorded stop reason."""

    def __init__(self, reason: StopReason, message: str) -> None:
        super().__init__(message)
        self.reason: StopReason = reason


@dataclass(frozen=True)
class CallOutcome:
    """How one call ended. finish: stop | stop_sequence | length | cut | aborted.

    "length" is a reply that reached max_tokens, whatever stop reason the server claimed
    (a proxy may say end_turn); "cut" a stream that ended without its terminal event or with an
    error event inside it (`error` holds that error's message)."""

    text: str
    finish: str
    stop_sequence: str | None = None
    error: str | None = None

    @property
    def cut_short(self) -> bool:
        """The reply did not end by itself: cut at max_tokens, mid-stream, or by an error."""
        return self.finish in ("length", "cut")


# While a call streams, a UsageEstimate is sent on its first text and then every this many
# characters (about 100 tokens): usage comes last in an OpenAI stream, and not at all if cut.
ESTIMATE_EVERY_CHARS = 400

# Called with each delta; returns events to emit and whether to abort the stream now.
DeltaHandler = Callable[[str], tuple[list[Event], bool]]


def estimate_usage(request: ChatRequest, text: str, known: Usage) -> Usage:
    """About 4 characters a token: the usage of a call whose stream ended before its count."""
    sent = len(request.system) + sum(len(m.content) for m in request.messages)
    return Usage(
        input_tokens=known.input_tokens or -(-sent // 4),
        output_tokens=-(-len(text) // 4),
        cache_read_tokens=known.cache_read_tokens,
        cache_write_tokens=known.cache_write_tokens,
    )


def _cost_of(model: str, usage: Usage) -> float | None:
    from reasoning.providers.pricing import cost

    return cost(model, usage)


class Session:
    """Makes the calls of one run and enforces its limits (the engine's, not the model's)."""

    def __init__(
        self,
        provider: Provider,
        settings: RunSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.provider = provider
        self.settings = settings
        self.clock = clock
        self.started = clock()
        self.usage = Usage()
        self.calls = 0
        self.cost_usd: float | None = 0.0
        self.last: CallOutcome | None = None
        self.outcomes: list[CallOutcome] = []  # every call of this session, in order

    def every_call_cut(self) -> StopReason | None:
        """'max_tokens' when every call so far was cut at max_tokens, 'cut' when every one was
        cut short otherwise (mid-stream, an error) or in mixed ways; None when one ended by
        itself. The rule that fails a run whose text never once came to its end."""
        if not self.outcomes or not all(o.cut_short for o in self.outcomes):
            return None
        return "max_tokens" if all(o.finish == "length" for o in self.outcomes) else "cut"

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def check_limits(self) -> None:
        """Raise LimitReached when a run-wide limit forbids another call."""
        s = self.settings
        if self.calls >= s.max_calls:
            raise LimitReached("max_calls", f"call limit reached ({s.max_calls})")
        if s.wall_time_s is not None and self.elapsed >= s.wall_time_s:
            raise LimitReached("wall_time", f"wall time limit reached ({s.wall_time_s:g} s)")
        if (
            s.cost_cap_usd is not None
            and self.cost_usd is not None
            and self.cost_usd >= s.cost_cap_usd
        ):
            raise LimitReached("cost_cap", f"cost cap reached (${s.cost_cap_usd:g})")

    def _estimate(self, sent: int, received: int) -> UsageEstimate:
        """The run's totals with the call in flight estimated from the characters it sent and
        received so far (the rule of `estimate_usage` and of the recorder's cut-off calls)."""
        usage = estimated_usage(sent, received)
        cost = self.cost_usd
        if cost is not None:
            c = _cost_of(self.provider.model, usage)
            cost = None if c is None else cost + c
        return UsageEstimate(self.usage + usage, self.calls, cost)

    async def call(
        self, request: ChatRequest, on_delta: DeltaHandler | None = None
    ) -> AsyncIterator[Event]:
        """Stream one request, yielding CallStarted, the handler's events, CallFinished, UsageUpdate.

        The outcome is left in `self.last`. A cut stream is an outcome (finish "cut"), not an error;
        a provider failure after retries is re-raised as ProviderError once recorded.
        """
        self.check_limits()
        self.calls += 1
        index = self.calls
        yield CallStarted(index, request.as_record())
        t0 = self.clock()
        parts: list[str] = []
        usage = Usage()
        finish = "cut"
        stop_sequence: str | None = None
        raw_stop: str | None = None
        cut_error: str | None = None
        wall = self.settings.wall_time_s
        failure: ProviderError | None = None
        attempt = 0  # failed attempts so far
        streamed = 0  # characters received
        estimated_at = -ESTIMATE_EVERY_CHARS  # characters at the last UsageEstimate
        sent = len(request.system) + sum(len(m.content) for m in request.messages)
        task = asyncio.current_task()
        try:
            async with aclosing(self.provider.stream(request)) as stream:  # type: ignore[type-var]
                async for item in stream:
                    if isinstance(item, Delta):
                        delta = valid_text(item.text)
                        parts.append(delta)
                        streamed += len(delta)
                        if on_delta is not None:
                            events, abort = on_delta(delta)
                            for ev in events:
                                yield ev
                            if abort:
                                finish = "aborted"
                                break
                        if streamed - estimated_at >= ESTIMATE_EVERY_CHARS:
                            estimated_at = streamed
                            yield self._estimate(sent, streamed)
                        if task is not None and task.cancelling():
                            # Cancelled by a consumer of these events (Esc, a bench's cost
                            # cap): stop at once, not after the deltas already buffered.
                            raise asyncio.CancelledError
                        if wall is not None and self.clock() - self.started >= wall:
                            finish = "aborted"
                            break
                    elif isinstance(item, Done):
                        finish, usage = item.finish, item.usage
                        stop_sequence, raw_stop = item.stop_sequence, item.raw_stop_reason
                    elif isinstance(item, RetryScheduled):
                        attempt += 1
                        yield CallRetried(
                            index, attempt, item.status, item.error, item.elapsed_s, item.wait_s
                        )
                        t0 = self.clock() + item.wait_s  # the next attempt starts after the wait
        except StreamCut as cut:
            usage = cut.usage
            finish = "cut"
            cut_error = cut.message
            yield Notice(f"{self.provider.name}: stream cut mid-way ({cut.message})")
        except ProviderError as exc:
            failure = exc
        text = "".join(parts)
        if finish in ("stop", "other") and usage.output_tokens >= request.max_tokens:
            # A reply as long as max_tokens was cut there, whatever the server says (LiteLLM's
            # Anthropic route reports end_turn): it is continued like any cut reply.
            yield Notice(
                f"call {index} reached max_tokens ({request.max_tokens}) though the server said"
                f" {raw_stop or finish!r}: taken as cut"
            )
            finish = "length"
        if finish in ("aborted", "cut") and text and usage.output_tokens == 0:
            # A stream stopped early never reports usage, yet the tokens were made (and billed).
            usage = estimate_usage(request, text, usage)
            yield Notice(f"call {index} stopped early: its token counts are estimated")
        self.usage = self.usage + usage
        if self.cost_usd is not None:
            c = _cost_of(self.provider.model, usage)
            self.cost_usd = None if c is None else self.cost_usd + c
        error = failure.message if failure is not None else cut_error
        if failure is not None:
            finish = "cut"
        self.last = CallOutcome(text, finish, stop_sequence, error)
        self.outcomes.append(self.last)
        status = failure.status if failure is not None else None
        stop = finish if finish == "length" or failure is not None else raw_stop or finish
        yield CallFinished(index, text, stop, usage, self.clock() - t0, error, status)
        yield UsageUpdate(self.usage, self.calls, self.cost_usd)
        if failure is not None:
            raise failure
