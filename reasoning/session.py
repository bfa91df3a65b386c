"""One run's bookkeeping: provider calls with their events, usage, cost and engine-enforced limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, replace

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
from reasoning.providers.retry import RetryPolicy
from reasoning.repetition import Repetition
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
    (a proxy may say end_turn), or that the engine stopped there because the server ran past
    it; "cut" a stream that ended without its terminal event or with an error event inside it
    (`error` holds that error's message); "limit" a call the engine stopped (`limit` says why);
    "aborted" one the paradigm stopped."""

    text: str
    finish: str
    stop_sequence: str | None = None
    error: str | None = None
    limit: StopReason | None = None  # why the engine stopped it ("repetition"), if it did
    timed_out: bool = False  # cut: the server went silent mid-way (--timeout)

    @property
    def cut_short(self) -> bool:
        """The reply did not end by itself: cut at max_tokens, mid-stream, or by an error."""
        return self.finish in ("length", "cut")


# A call is stopped once its text passes max_tokens at 4 characters a token, with this slack:
# tokenizers differ (English prose runs 4-5 characters a token), and a server that honours
# max_tokens stops itself first; one that does not (an endless stream) is stopped here.
MAX_TOKENS_SLACK = 1.25
CHARS_PER_TOKEN = 4


def chars_allowed(max_tokens: int) -> int:
    """The characters of output after which the engine stops a call of `max_tokens`."""
    return int(max_tokens * CHARS_PER_TOKEN * MAX_TOKENS_SLACK)


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


def priced_as(provider: Provider) -> str:
    """The name a provider's calls are priced by: its model, or `batch:MODEL` through a batch
    API (a provider may say so with `price_model`)."""
    return getattr(provider, "price_model", None) or provider.model


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
        self._priced_as = priced_as(provider)
        self.settings = settings
        self.clock = clock
        self.started = clock()
        self.usage = Usage()
        self.calls = 0
        self.cost_usd: float | None = 0.0
        self.last: CallOutcome | None = None
        self.outcomes: list[CallOutcome] = []  # every call of this session, in order
        self.cuts_in_a_row = 0  # calls cut mid-stream since the last that was not
        self.capped_by_budget = False  # the last call asked for less: the budget was running out
        self.policy = _policy_of(provider)

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
        if self.usage.output_tokens >= s.run_output_budget:
            raise LimitReached(
                "output_budget",
                f"output budget used up ({self.usage.output_tokens:,} of"
                f" {s.run_output_budget:,} tokens)",
            )

    def _within_budget(self, request: ChatRequest) -> ChatRequest:
        """The request, asking for no more than what is left of the run's output budget."""
        left = self.settings.run_output_budget - self.usage.output_tokens
        if request.max_tokens > left:
            return replace(request, max_tokens=max(1, left))
        return request

    def _deadline(self) -> float | None:
        """The event loop's time at which the run's wall time runs out (None: no limit)."""
        wall = self.settings.wall_time_s
        if wall is None:
            return None
        return asyncio.get_running_loop().time() + max(0.0, wall - self.elapsed)

    def _estimate(self, sent: int, received: int) -> UsageEstimate:
        """The run's totals with the call in flight estimated from the characters it sent and
        received so far (the rule of `estimate_usage` and of the recorder's cut-off calls)."""
        usage = estimated_usage(sent, received)
        cost = self.cost_usd
        if cost is not None:
            c = _cost_of(self._priced_as, usage)
            cost = None if c is None else cost + c
        return UsageEstimate(self.usage + usage, self.calls, cost)

    async def call(
        self, request: ChatRequest, on_delta: DeltaHandler | None = None
    ) -> AsyncIterator[Event]:
        """Stream one request, yielding CallStarted, the handler's events, CallFinished, UsageUpdate.

        The outcome is left in `self.last`. A cut stream is an outcome (finish "cut"), not an
        error; so is a call the engine stopped (finish "length" past max_tokens, "limit" on a
        repetition). The run's wall time running out raises LimitReached("wall_time"), and a
        provider failure after retries is re-raised as ProviderError, once the call is recorded.
        """
        self.check_limits()
        asked = request.max_tokens
        request = self._within_budget(request)
        self.capped_by_budget = request.max_tokens < asked
        deadline = self._deadline()
        if self.cuts_in_a_row:
            # A cut stream is retried (or continued) with the backoff of a 5xx, not at once.
            wait = self.policy.wait(self.cuts_in_a_row - 1, None)
            yield Notice(f"the last stream was cut mid-way: waiting {wait:.1f} s before the next")
            try:
                async with asyncio.timeout_at(deadline):
                    await asyncio.sleep(wait)
            except TimeoutError:
                raise self._wall_time() from None
        self.calls += 1
        index = self.calls
        yield CallStarted(index, request.as_record())
        t0 = self.clock()
        parts: list[str] = []
        usage = Usage()
        finish = "cut"
        limit: StopReason | None = None
        timed_out = False
        stop_sequence: str | None = None
        raw_stop: str | None = None
        cut_error: str | None = None
        wall = self.settings.wall_time_s
        failure: ProviderError | None = None
        attempt = 0  # failed attempts so far
        streamed = 0  # characters received
        allowed = chars_allowed(request.max_tokens)
        watch = Repetition()
        estimated_at = -ESTIMATE_EVERY_CHARS  # characters at the last UsageEstimate
        sent = len(request.system) + sum(len(m.content) for m in request.messages)
        task = asyncio.current_task()
        timer = asyncio.timeout_at(deadline)
        try:
            async with timer, aclosing(self.provider.stream(request)) as stream:  # type: ignore[type-var]
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
                        if streamed > allowed:
                            finish = "length"
                            yield Notice(
                                f"call {index} ran past max_tokens ({request.max_tokens:,}):"
                                " stopped by the engine"
                            )
                            break
                        if (why := watch.feed(delta)) is not None:
                            finish, limit = "limit", "repetition"
                            yield Notice(f"call {index} kept repeating itself: {why}; stopped")
                            break
                        if wall is not None and self.clock() - self.started >= wall:
                            finish, limit = "limit", "wall_time"
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
        except TimeoutError:
            if not timer.expired():
                raise
            finish, limit = "limit", "wall_time"
        except StreamCut as cut:
            usage = cut.usage
            finish = "cut"
            cut_error = cut.message
            timed_out = cut.timed_out
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
        if finish in ("aborted", "cut", "length", "limit") and text and usage.output_tokens == 0:
            # A stream stopped early never reports usage, yet the tokens were made (and billed).
            usage = estimate_usage(request, text, usage)
            yield Notice(f"call {index} stopped early: its token counts are estimated")
        self.usage = self.usage + usage
        if self.cost_usd is not None:
            c = _cost_of(self._priced_as, usage)
            self.cost_usd = None if c is None else self.cost_usd + c
        error = failure.message if failure is not None else cut_error
        if failure is not None:
            finish = "cut"
        self.cuts_in_a_row = self.cuts_in_a_row + 1 if finish == "cut" else 0
        self.last = CallOutcome(text, finish, stop_sequence, error, limit, timed_out)
        self.outcomes.append(self.last)
        status = failure.status if failure is not None else None
        stop = finish if finish == "length" or failure is not None else limit or raw_stop or finish
        yield CallFinished(index, text, stop, usage, self.clock() - t0, error, status)
        yield UsageUpdate(self.usage, self.calls, self.cost_usd)
        if failure is not None:
            raise failure
        if limit == "wall_time":
            raise self._wall_time()

    def _wall_time(self) -> LimitReached:
        return LimitReached(
            "wall_time", f"wall time limit reached ({self.settings.wall_time_s:g} s)"
        )


def cut_every_time(outcome: CallOutcome, tries: int) -> LimitReached:
    """The run's end when a call's stream was cut on every try (its partial text is kept)."""
    if outcome.timed_out:
        return LimitReached("timeout", f"the server went silent mid-stream on {tries} tries")
    return LimitReached("cut", f"the stream was cut mid-way on {tries} tries")


def _policy_of(provider: object) -> RetryPolicy:
    """The provider's retry policy (a wrapped one's: the bench's gate), else the default."""
    while provider is not None:
        policy = getattr(provider, "policy", None)
        if isinstance(policy, RetryPolicy):
            return policy
        provider = getattr(provider, "inner", None)
    return RetryPolicy()
