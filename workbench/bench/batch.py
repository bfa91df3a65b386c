"""Batch mode (`ponder bench --batch [SIZE]`): every provider call of a bench's runs is queued and
sent in batches through the providers' batch APIs (OpenAI files + /v1/batches, Anthropic
/v1/messages/batches), at half the price, and each call is answered from its batch's result.

`BatchProvider` is the Provider protocol over a `Batcher`, so every paradigm runs unchanged:
single-call arms finish in one batch, multi-call arms go round by round (a call's result starts
the run's next call, which goes in a later batch). There is no streaming: a call's text arrives
whole when its batch ends.

Nothing is paid twice: a request's custom id is made of its job, attempt and a hash of the
request, so a resumed run asking the same thing finds it again; requests are stored before their
batch is submitted and the provider's batch id after (store/batches.py). A resume collects the
batches already submitted (a batch whose id was not stored yet is looked up in the provider's
list) and never submits a stored request again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import io
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from reasoning.providers.base import ChatRequest, Delta, Done, ProviderError, RetryScheduled
from store.writer import DbWriter

BATCH_WAIT_S = 0.5  # a batch not full is sent this long after its first request
POLL_FIRST_S = 0.5  # the first look at a submitted batch; then 1.5x longer each time
POLL_MAX_S = 60.0
BATCHES_IN_FLIGHT = 4  # runs started at once in batch mode: this many batches' worth
API_TIMEOUT_S = 300.0  # a batch API call (an upload, a results file of thousands of lines)
RESULT_TRIES = 5  # an ended batch's results are downloaded up to this many times
ENDED = ("succeeded", "errored", "expired", "cancelled")


@dataclass
class Caller:
    """Whose call it is: the job and attempt (the stable part of its custom id), the run and how
    many calls it has made."""

    key: str
    run_id: Callable[[], int | None]
    on_queued: Callable[[float | None], None] | None = None  # a call's worst cost, as queued
    calls: int = 0


# Set by the bench for each run's task: the provider reads it when a call is made.
CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("ponder_batch_caller")


@dataclass(frozen=True)
class Outcome:
    """A request's result: the provider's response body, or why there is none."""

    body: dict[str, Any] | None
    error: str | None = None


@dataclass
class _Pending:
    custom_id: str
    body: dict[str, Any]
    run_of: Callable[[], int | None]  # read when stored: a run's id is known a moment late
    call_idx: int | None
    future: asyncio.Future[Outcome] = field(repr=False)

    @property
    def run_id(self) -> int | None:
        return self.run_of()


def custom_id(key: str, body: dict[str, Any]) -> str:
    """`p12_dcot_a0_<hash>`: the job and attempt, and the request (64 characters at most, of
    the characters both providers allow)."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]
    return f"{key}_{digest}"[-64:]


# ---- the two batch APIs ------------------------------------------------------------------


class _OpenAIBatches:
    """OpenAI's Batch API through the SDK: a JSONL file uploaded, then /v1/batches."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def body(inner: Any, request: ChatRequest) -> dict[str, Any]:
        params = inner.params(request)
        params.pop("stream", None)
        params.pop("stream_options", None)
        return dict(params)

    async def submit(self, requests: list[tuple[str, dict[str, Any]]], tag: str) -> str:
        lines = "".join(
            json.dumps(
                {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": body}
            )
            + "\n"
            for cid, body in requests
        )
        upload = await self.client.files.create(
            file=("ponder-batch.jsonl", io.BytesIO(lines.encode())),
            purpose="batch",
            timeout=API_TIMEOUT_S,
        )
        batch = await self.client.batches.create(
            input_file_id=upload.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"ponder_batch": tag},
            timeout=API_TIMEOUT_S,
        )
        return str(batch.id)

    async def status(self, batch_id: str) -> tuple[str | None, dict[str, int]]:
        """(None while it runs, else how it ended: ended / expired / cancelled / failed), counts."""
        b = await self.client.batches.retrieve(batch_id, timeout=API_TIMEOUT_S)
        counts = b.request_counts
        seen = {"total": counts.total, "completed": counts.completed, "failed": counts.failed}
        ended = {
            "completed": "ended",
            "expired": "expired",
            "cancelled": "cancelled",
            "failed": "failed",
        }.get(b.status)
        return ended, seen

    async def results(
        self, batch_id: str
    ) -> list[tuple[str, str, dict[str, Any] | None, str | None]]:
        b = await self.client.batches.retrieve(batch_id, timeout=API_TIMEOUT_S)
        found: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        for file_id in (b.output_file_id, b.error_file_id):
            if not file_id:
                continue
            content = await self.client.files.content(file_id, timeout=API_TIMEOUT_S)
            for line in content.text.splitlines():
                if line.strip():
                    found.append(_openai_line(json.loads(line)))
        return found

    async def find(self, tag: str, created_after: float, size: int) -> str | None:
        async for b in self.client.batches.list(limit=100):
            if (b.metadata or {}).get("ponder_batch") == tag:
                return str(b.id)
        return None

    async def cancel(self, batch_id: str) -> None:
        await self.client.batches.cancel(batch_id)


def _openai_line(obj: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None, str | None]:
    cid = str(obj.get("custom_id"))
    response = obj.get("response") or {}
    error = obj.get("error")
    if error:
        code = str(error.get("code") or "")
        state = "expired" if "expired" in code else "cancelled" if "cancel" in code else "errored"
        return cid, state, None, str(error.get("message") or code)
    status = response.get("status_code")
    body = response.get("body")
    if status == 200 and isinstance(body, dict):
        return cid, "succeeded", body, None
    message = (body or {}).get("error", {}).get("message") if isinstance(body, dict) else None
    return cid, "errored", None, f"({status}) {message or 'request failed'}"


class _AnthropicBatches:
    """Anthropic's Message Batches through the SDK."""

    def __init__(self, client: Any) -> None:
        self.client = client

    @staticmethod
    def body(inner: Any, request: ChatRequest) -> dict[str, Any]:
        from reasoning.providers.anthropic import request_params

        params = request_params(request, inner.model, inner.spec.extra)
        params.pop("stream", None)
        return params

    async def submit(self, requests: list[tuple[str, dict[str, Any]]], tag: str) -> str:
        batch = await self.client.messages.batches.create(
            requests=[{"custom_id": cid, "params": body} for cid, body in requests],
            timeout=API_TIMEOUT_S,
        )
        return str(batch.id)

    async def status(self, batch_id: str) -> tuple[str | None, dict[str, int]]:
        b = await self.client.messages.batches.retrieve(batch_id, timeout=API_TIMEOUT_S)
        c = b.request_counts
        seen = {
            "processing": c.processing,
            "succeeded": c.succeeded,
            "errored": c.errored,
            "canceled": c.canceled,
            "expired": c.expired,
        }
        if b.processing_status != "ended":
            return None, seen
        if c.expired and not c.succeeded and not c.errored:
            return "expired", seen
        if c.canceled and not c.succeeded and not c.errored:
            return "cancelled", seen
        return "ended", seen

    async def results(
        self, batch_id: str
    ) -> list[tuple[str, str, dict[str, Any] | None, str | None]]:
        found: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        results = await self.client.messages.batches.results(batch_id, timeout=API_TIMEOUT_S)
        async for item in results:
            result = item.result
            kind = result.type
            if kind == "succeeded":
                found.append((item.custom_id, "succeeded", result.message.model_dump(), None))
            elif kind == "errored":
                err = result.error.error
                found.append((item.custom_id, "errored", None, f"{err.type}: {err.message}"))
            else:
                state = "expired" if kind == "expired" else "cancelled"
                found.append((item.custom_id, state, None, None))
        return found

    async def find(self, tag: str, created_after: float, size: int) -> str | None:
        """Anthropic's batches carry no metadata: the first batch of this size created since
        the local one was stored is taken for it."""
        candidates = []
        async for b in self.client.messages.batches.list(limit=100):
            c = b.request_counts
            total = c.processing + c.succeeded + c.errored + c.canceled + c.expired
            if total == size and b.created_at.timestamp() >= created_after - 5:
                candidates.append((b.created_at.timestamp(), str(b.id)))
        return min(candidates)[1] if candidates else None

    async def cancel(self, batch_id: str) -> None:
        await self.client.messages.batches.cancel(batch_id)


def batch_api(inner: Any) -> _OpenAIBatches | _AnthropicBatches:
    client = inner.client()
    return _AnthropicBatches(client) if inner.kind == "anthropic" else _OpenAIBatches(client)


# ---- the batcher -------------------------------------------------------------------------


@dataclass
class BatchState:
    """A batch as the bench shows it."""

    local_id: int
    provider_batch_id: str | None
    state: str  # stored / submitted / ended / expired / cancelled / failed / collected
    requests: int
    counts: dict[str, int] = field(default_factory=dict)


class Batcher:
    """One endpoint's queue of calls: sent in batches of `size` (or after BATCH_WAIT_S), polled
    with backoff, each call answered from its batch's result."""

    def __init__(
        self,
        writer: DbWriter,
        bench_id: str,
        inner: Any,
        size: int,
        *,
        on_change: Callable[[str | None], None] | None = None,
        resubmit_expired: bool = False,
        wait_s: float = BATCH_WAIT_S,
        poll_s: float = POLL_FIRST_S,
    ) -> None:
        self.writer = writer
        self.bench_id = bench_id
        self.inner = inner
        self.size = size
        self.on_change = on_change
        self.resubmit_expired = resubmit_expired
        self.wait_s = wait_s
        self.poll_s = poll_s
        self.api = batch_api(inner)
        self.queue: list[_Pending] = []
        self.waiters: dict[int, dict[str, list[asyncio.Future[Outcome]]]] = {}  # local id
        self.pollers: dict[int, asyncio.Task[None]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.timer: asyncio.TimerHandle | None = None
        self.states: dict[int, BatchState] = {}
        self.submitted = 0  # batches this batcher submitted

    def body(self, request: ChatRequest) -> dict[str, Any]:
        return self.api.body(self.inner, request)

    async def ask(
        self,
        cid: str,
        body: dict[str, Any],
        run_of: Callable[[], int | None],
        call_idx: int | None,
    ) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.queue.append(_Pending(cid, body, run_of, call_idx, future))
        if len(self.queue) >= self.size:
            self._flush_now()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(self.wait_s, self._flush_now)
        return await future

    def _flush_now(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        items, self.queue = self.queue, []
        while items:
            chunk, items = items[: self.size], items[self.size :]
            self._spawn(self._flush(chunk))

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _tell(self, note: str | None = None) -> None:
        if self.on_change is not None:
            with contextlib.suppress(Exception):
                self.on_change(note)

    async def _flush(self, items: list[_Pending]) -> None:
        from store.batches import known_requests, tie_requests

        try:
            known = await self.writer.call(
                known_requests, self.bench_id, [it.custom_id for it in items]
            )
        except Exception as exc:
            self._fail(items, f"the store failed: {type(exc).__name__}: {exc}")
            return
        new: list[_Pending] = []
        unsubmitted: dict[int, list[_Pending]] = {}
        ties = []
        for it in items:
            k = known.get(it.custom_id)
            if k is None:
                new.append(it)
                continue
            ties.append((it.custom_id, it.run_id, it.call_idx))
            if k.state in ENDED and not (
                self.resubmit_expired and k.state in ("expired", "cancelled")
            ):
                _settle(it.future, _outcome(k.state, k.result, k.error))
            elif k.state == "stored" and k.batch_id is not None and k.provider_batch_id:
                self._wait_on(k.batch_id, it)
                self._poll(k.batch_id, k.provider_batch_id)
            elif k.state == "stored" and k.batch_id is not None and k.batch_state == "stored":
                unsubmitted.setdefault(k.batch_id, []).append(it)
            else:
                new.append(it)
        if ties:
            with contextlib.suppress(Exception):
                await self.writer.call(tie_requests, self.bench_id, ties)
        for local_id, waiting in unsubmitted.items():
            # Stored, then the process died: was it submitted? The provider's list says.
            found = await self._find(local_id)
            if found is None:
                new.extend(waiting)
                continue
            for it in waiting:
                self._wait_on(local_id, it)
            self._poll(local_id, found)
        if new:
            await self._submit(new)

    async def _find(self, local_id: int) -> str | None:
        from store.batches import batch_submitted, open_batches

        stored = {b.id: b for b in await self.writer.call(open_batches, self.bench_id)}
        batch = stored.get(local_id)
        if batch is None:
            return None
        created = _epoch(batch.created_at)
        try:
            found = await self.api.find(self._tag(local_id), created, batch.requests)
        except Exception:
            return None
        if found is not None:
            await self.writer.call(batch_submitted, local_id, found)
        return found

    def _tag(self, local_id: int) -> str:
        return f"{self.bench_id}-{local_id}"

    async def _submit(self, items: list[_Pending]) -> None:
        from store.batches import NewRequest, batch_submitted, store_batch

        requests = [NewRequest(it.custom_id, it.body, it.run_id, it.call_idx) for it in items]
        try:
            local_id = await self.writer.call(
                store_batch,
                self.bench_id,
                self.inner.kind,
                _public(self.inner.base_url),
                requests,
            )
        except Exception as exc:
            self._fail(items, f"the store failed: {type(exc).__name__}: {exc}")
            return
        for it in items:
            self._wait_on(local_id, it)
        self.states[local_id] = BatchState(local_id, None, "stored", len(items))
        try:
            provider_id = await self.api.submit(
                [(it.custom_id, it.body) for it in items], self._tag(local_id)
            )
        except Exception as exc:
            self.states[local_id].state = "failed"
            waiting = self.waiters.pop(local_id, {})
            why = f"{self.inner.name}: the batch was not accepted: {_message(exc)}"
            for futures in waiting.values():
                for f in futures:
                    _settle(f, Outcome(None, why))
            self._tell(why)
            return
        self.submitted += 1
        with contextlib.suppress(Exception):
            await self.writer.call(batch_submitted, local_id, provider_id)
        self._poll(local_id, provider_id)

    def _wait_on(self, local_id: int, it: _Pending) -> None:
        self.waiters.setdefault(local_id, {}).setdefault(it.custom_id, []).append(it.future)

    def _poll(self, local_id: int, provider_id: str) -> None:
        state = self.states.setdefault(local_id, BatchState(local_id, provider_id, "submitted", 0))
        state.provider_batch_id, state.state = provider_id, "submitted"
        if local_id not in self.pollers:
            self.pollers[local_id] = self._spawn(self._collect(local_id, provider_id))
            self._tell(f"batch {provider_id} submitted")

    async def _collect(self, local_id: int, provider_id: str) -> None:
        from store.batches import batch_collected, batch_seen

        wait = self.poll_s
        state = self.states[local_id]
        try:
            while True:
                await asyncio.sleep(wait)
                wait = min(POLL_MAX_S, wait * 1.5)
                try:
                    ended, counts = await self.api.status(provider_id)
                except Exception as exc:  # a network blip: look again later
                    self._tell(f"batch {provider_id}: {_message(exc)}; looking again")
                    continue
                if counts != state.counts:
                    state.counts = counts
                    state.requests = state.requests or sum(counts.values())
                    with contextlib.suppress(Exception):
                        await self.writer.call(batch_seen, local_id, counts)
                    self._tell(None)
                if ended is not None:
                    break
            results = [] if ended == "failed" else await self._results(provider_id)
            waiting = self.waiters.get(local_id, {})
            got = {cid for cid, *_ in results}
            missing = [
                (cid, "errored", None, f"the batch {ended} without a result for it")
                for cid in waiting
                if cid not in got
            ]
            await self.writer.call(
                batch_collected, local_id, ended, [*results, *missing], self.bench_id
            )
            state.state = "collected" if ended == "ended" else ended
            self._tell(f"batch {provider_id} {ended}: {len(results)} results")
            for cid, st, body, error in [*results, *missing]:
                for f in waiting.pop(cid, []):
                    _settle(f, _outcome(st, body, error))
            for futures in waiting.values():
                for f in futures:
                    _settle(f, Outcome(None, f"the batch {ended} without a result for it"))
            self.waiters.pop(local_id, None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            why = f"batch {provider_id}: {_message(exc)}"
            for futures in self.waiters.pop(local_id, {}).values():
                for f in futures:
                    _settle(f, Outcome(None, why))
            self._tell(why)
        finally:
            self.pollers.pop(local_id, None)

    async def _results(self, provider_id: str) -> list[tuple[str, str, Any, str | None]]:
        """The ended batch's results; a failed download is tried again a few times."""
        wait = self.poll_s
        for attempt in range(RESULT_TRIES):
            try:
                return await self.api.results(provider_id)
            except Exception as exc:
                if attempt == RESULT_TRIES - 1:
                    raise
                self._tell(f"batch {provider_id}: results: {_message(exc)}; trying again")
                await asyncio.sleep(wait)
                wait = min(POLL_MAX_S, wait * 2)
        return []

    def _fail(self, items: list[_Pending], why: str) -> None:
        for it in items:
            _settle(it.future, Outcome(None, why))

    def waiting(self) -> int:
        """Batches submitted and not ended yet."""
        return len(self.pollers)

    async def aclose(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _settle(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


def _outcome(state: str, body: dict[str, Any] | None, error: str | None) -> Outcome:
    if state == "succeeded" and body is not None:
        return Outcome(body)
    if state == "expired":
        return Outcome(None, "the batch expired before this request ran")
    if state == "cancelled":
        return Outcome(None, "the batch was cancelled before this request ran")
    return Outcome(None, f"the request failed in its batch: {error or 'no reason given'}")


def _message(exc: Exception) -> str:
    return " ".join(str(getattr(exc, "message", None) or exc).split())[:300]


def _public(url: str | None) -> str | None:
    from reasoning.providers.errors import public_url

    return public_url(url)


def _epoch(iso: str | None) -> float:
    if not iso:
        return 0.0
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return 0.0


# ---- the provider ------------------------------------------------------------------------


class BatchProvider:
    """The Provider protocol over a Batcher: a call is queued, sent in a batch and answered
    whole from its result (one Delta, then Done)."""

    def __init__(self, inner: Any, batcher: Batcher) -> None:
        from reasoning.providers.pricing import batch_model

        self.inner = inner
        self.batcher = batcher
        self.name: str = inner.name
        self.kind = inner.kind
        self.model: str = inner.model
        self.base_url: str | None = inner.base_url
        self.price_model = batch_model(inner.model)  # batch prices (reasoning.session)
        self.on_notice: Callable[[str], None] | None = None
        inner._told_not_streamed = True  # a whole message is what a batch result is

    async def prepare(self) -> None:
        prepare = getattr(self.inner, "prepare", None)
        if prepare is not None:
            await prepare()

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | Done | RetryScheduled]:
        caller = CALLER.get(None)
        body = self.batcher.body(request)
        run_of: Callable[[], int | None] = lambda: None  # noqa: E731
        call_idx: int | None = None
        if caller is not None:
            caller.calls += 1
            call_idx = caller.calls
            run_of = caller.run_id
            cid = custom_id(caller.key, body)
        else:
            cid = custom_id(f"t{time.time_ns()}", body)
        if caller is not None and caller.on_queued is not None:
            caller.on_queued(self._worst(request))
        outcome = await self.batcher.ask(cid, body, run_of, call_idx)
        if outcome.body is None:
            raise ProviderError(f"{self.name} batch: {outcome.error}")
        text = json.dumps(outcome.body)
        if self.kind == "anthropic":
            items = self.inner._whole(text, "application/json", request)
        else:
            items = self.inner._whole(text, "application/json", request, None)
        for item in items:
            yield item

    def _worst(self, request: ChatRequest) -> float | None:
        """What the call costs at most: its prompt, and max_tokens out, at the batch price."""
        from reasoning.events import Usage
        from reasoning.providers.pricing import cost

        sent = len(request.system) + sum(len(m.content) for m in request.messages)
        return cost(self.price_model, Usage(-(-sent // 4), request.max_tokens))

    async def aclose(self) -> None:
        await self.inner.aclose()
