"""A scripted fake LLM server on 127.0.0.1 that speaks the OpenAI and Anthropic wire protocols.

Drive it through the real SDKs:

    with FakeLLM() as fake:
        fake.queue(Reply(status=429, retry_after=0.1), Reply("Hello"))
        client = AsyncOpenAI(base_url=fake.base_url_openai, api_key="k", max_retries=0)
        ...
        assert fake.requests[-1].body["model"] == "gpt-4o-mini"

Replies come from the queue first, then from `fake.responder(request_json)`; with neither, the
request fails with a 400 that is also recorded as a violation (the `fake_llm` fixture fails the test
on any violation). Token counting is deliberately simple and consistent: one token per 4
characters, rounded up (`count_tokens`), for input, output and the max_tokens cut alike.

Command line: `python tests/support/fakellm.py --port 0 (--script FILE.jsonl | --demo dcot) [--latency S]
[--chunk N] [--delay S]` prints `READY <port>` once listening and serves until SIGINT/SIGTERM.
`--fault endless|silent|cut` makes every reply a stream without end, no answer, or a stream cut
mid-way. `--demo dcot` answers any problem with a tagged dcot transcript (with a low reward and a
backtrack), and g1 / direct requests in their own form, so one server serves every paradigm.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import http
import itertools
import json
import math
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

TOKEN_CHARS = 4
DEFAULT_MODEL = "fake-model"
OPENAI_TEST_KEY = "sk-test-not-a-real-key-123456"  # what the openai_env fixture sets
# Anthropic looks back this many blocks before a cache breakpoint for an earlier cache entry.
CACHE_LOOKBACK_BLOCKS = 20
MAX_CACHE_BREAKPOINTS = 4
O_SERIES = re.compile(r"^(?:[\w.-]+/)?(?:o1|o3|o4|gpt-5|gpt-6)(?:$|[-.])")
# Claude models before 4.6 accept a prefilled final assistant turn; 4.6 and later answer 400.
PREFILL_OK = re.compile(r"^claude-(?:[23]|instant|(?:opus|sonnet|haiku)-4(?:-[015])?(?:$|-\d{8}))")
# From anthropic-version 2026-10-21 (the SDK 2.x default) sampling parameters are refused.
NO_SAMPLING_SINCE = "2026-10-21"


def filler(n_chars: int, tag: str = "") -> str:
    """About `n_chars` characters of text that never repeats itself ("w0 w1 w2 …"): a long stream
    for a test, which the engine's repetition watch would stop if it were one phrase again and
    again. `tag` makes two fillers differ."""
    words: list[str] = []
    size = 0
    while size < n_chars:
        words.append(f"w{tag}{len(words)}")
        size += len(words[-1]) + 1
    return " ".join(words)[:n_chars]


def count_tokens(text: str) -> int:
    """The fake's token count: one token per 4 characters, rounded up."""
    return math.ceil(len(text) / TOKEN_CHARS)


@dataclass
class Reply:
    """One scripted answer, or a fault. None fields fall back to the server's defaults."""

    text: str = ""
    chunk: int | None = None  # characters per streamed delta (server default 7)
    delay: float | None = None  # seconds between deltas (server default 0)
    latency: float | None = None  # seconds before the first byte (server default fake.latency)
    # "stop" | "length" | "stop_sequence" (mapped per protocol) or a raw protocol value.
    finish: str | None = None
    # Overrides of the computed usage: input_tokens, output_tokens, cache_read_tokens, cache_write_tokens.
    usage: dict[str, int] | None = None
    # ---- faults ----
    status: int | None = None  # answer with this HTTP error status (429, 500, 503, 529, 401...)
    error: str | None = None  # the error message (default: a realistic one for the status)
    retry_after: float | None = None  # `retry-after` header, seconds
    retry_after_ms: int | None = None  # `retry-after-ms` header
    cut_after: int | None = None  # end the stream after N chars, without the terminal event
    abort: bool = False  # with cut_after: reset the connection instead of ending the body cleanly
    stall_after: int | None = None  # send N chars, then go silent without closing
    error_after: int | None = (
        None  # send N chars, then an in-stream error event (Anthropic overloaded)
    )
    # with error_after: the status the in-stream error carries (default: 529 overloaded through
    # Anthropic, 500 through OpenAI); 400 is llama-server's "Context size has been exceeded".
    error_status: int | None = None
    hang: bool = False  # read the request and never answer
    # Stream without end: `text` then numbered sentences ("… 1. … 2."), past max_tokens, never
    # sending the terminal event (a server that ignores max_tokens, a runaway generation).
    endless: bool = False
    # A server that ignores `stream: true`: one complete JSON message (chat.completion / message).
    not_streamed: bool = False
    # Answer 200 with this raw body and content type instead (an HTML page from a proxy...;
    # bytes for a body that is no text at all, such as random bytes under text/event-stream).
    body: str | bytes | None = None
    content_type: str = "text/html; charset=utf-8"
    # Replace "{key}" in text and error with the key the request carried (a server echoing it).
    echo_key: bool = False

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Reply:
        """A Reply from a JSON object with the same field names; unknown names are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(obj) - known
        if unknown:
            raise ValueError(f"unknown Reply fields: {', '.join(sorted(unknown))}")
        return cls(**obj)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it: every header (the key included), the parsed JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    protocol: str  # "openai" | "anthropic" | "other"
    violations: tuple[str, ...]
    at: float
    query: str = ""  # what followed "?" in the request's target

    @property
    def last_user_text(self) -> str:
        return last_user_text(self.body) if isinstance(self.body, dict) else ""

    @property
    def system_text(self) -> str:
        return system_text(self.body) if isinstance(self.body, dict) else ""


def _echo_key(reply: Reply, headers: dict[str, str]) -> Reply:
    """The reply with "{key}" replaced by the key the request was sent with."""
    key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
    error = reply.error.replace("{key}", key) if reply.error is not None else None
    return replace(reply, text=reply.text.replace("{key}", key), error=error, echo_key=False)


# ---- helpers over request bodies of either protocol -----------------------------------------


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def system_text(body: dict[str, Any]) -> str:
    """The system prompt of an OpenAI or Anthropic request body."""
    parts = [_content_text(body.get("system"))] if "system" in body else []
    for m in body.get("messages") or []:
        if isinstance(m, dict) and m.get("role") in ("system", "developer"):
            parts.append(_content_text(m.get("content")))
    return "\n".join(p for p in parts if p)


def last_user_text(body: dict[str, Any]) -> str:
    """The text of the last user message of an OpenAI or Anthropic request body."""
    for m in reversed(body.get("messages") or []):
        if isinstance(m, dict) and m.get("role") == "user":
            return _content_text(m.get("content"))
    return ""


def assistant_text(body: dict[str, Any]) -> str:
    """All assistant text already in the conversation (earlier turns and a prefill), joined."""
    return "".join(
        _content_text(m.get("content"))
        for m in body.get("messages") or []
        if isinstance(m, dict) and m.get("role") == "assistant"
    )


# ---- request validation ------------------------------------------------------------------


def _validate_anthropic(headers: dict[str, str], body: Any) -> list[str]:
    v: list[str] = []
    # The SDK sends the key as x-api-key or, since 2.x, as `Authorization: Bearer`.
    bearer = headers.get("authorization", "")
    if not headers.get("x-api-key") and not (bearer.startswith("Bearer ") and bearer[7:].strip()):
        v.append("anthropic: missing x-api-key (or Authorization: Bearer) header")
    if not headers.get("anthropic-version"):
        v.append("anthropic: missing anthropic-version header")
    if not isinstance(body, dict):
        return [*v, "anthropic: body is not a JSON object"]
    if not isinstance(body.get("model"), str) or not body.get("model"):
        v.append("anthropic: model: field required")
    mt = body.get("max_tokens")
    if not isinstance(mt, int) or isinstance(mt, bool) or mt <= 0:
        v.append("anthropic: max_tokens: must be an integer > 0")
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        v.append("anthropic: messages: must be a non-empty list")
        msgs = []
    breakpoints = 0
    expected = "user"
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            v.append(f"anthropic: messages.{i}: not an object")
            continue
        role = m.get("role")
        if role == "system":
            v.append(
                f"anthropic: messages.{i}.role: 'system' is not allowed; use the top-level system field"
            )
        elif role not in ("user", "assistant"):
            v.append(f"anthropic: messages.{i}.role: unexpected role {role!r}")
        elif role != expected:
            v.append(
                f"anthropic: messages.{i}: roles must alternate user/assistant starting with user"
            )
        expected = "assistant" if role == "user" else "user"
        content = m.get("content")
        if isinstance(content, str):
            if not content.strip():
                v.append(f"anthropic: messages.{i}: text content blocks must be non-empty")
        elif isinstance(content, list) and content:
            for j, b in enumerate(content):
                bv, bp = _check_block(b, f"messages.{i}.content.{j}")
                v += bv
                breakpoints += bp
        else:
            v.append(f"anthropic: messages.{i}.content: must be a non-empty string or list")
        if i == len(msgs) - 1 and role == "assistant":
            text = _content_text(content)
            if text != text.rstrip():
                v.append("anthropic: final assistant content cannot end with trailing whitespace")
            model = str(body.get("model", ""))
            if model.startswith("claude-") and not PREFILL_OK.match(model):
                v.append(
                    f"anthropic: prefilling the assistant message is not supported for {model}"
                )
    system = body.get("system")
    if system is not None:
        if isinstance(system, list):
            for j, b in enumerate(system):
                bv, bp = _check_block(b, f"system.{j}")
                v += bv
                breakpoints += bp
        elif not isinstance(system, str):
            v.append("anthropic: system: must be a string or a list of text blocks")
    if breakpoints > MAX_CACHE_BREAKPOINTS:
        v.append(f"anthropic: at most {MAX_CACHE_BREAKPOINTS} blocks with cache_control")
    stops = body.get("stop_sequences")
    if stops is not None and (
        not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops)
    ):
        v.append("anthropic: stop_sequences: must be a list of non-empty strings")
    if headers.get("anthropic-version", "") >= NO_SAMPLING_SINCE:
        for name in ("temperature", "top_p", "top_k"):
            if name in body:
                v.append(f"anthropic: {name}: Extra inputs are not permitted")
    t = body.get("temperature")
    if t is not None and (not isinstance(t, int | float) or not 0 <= t <= 1):
        v.append("anthropic: temperature: must be a number in [0, 1]")
    return v


def _check_block(b: Any, where: str) -> tuple[list[str], int]:
    if not isinstance(b, dict) or b.get("type") != "text":
        return [f"anthropic: {where}: only text blocks are expected"], 0
    v = []
    if not isinstance(b.get("text"), str) or not b["text"].strip():
        v.append(f"anthropic: {where}: text content blocks must be non-empty")
    cc = b.get("cache_control")
    if cc is not None and (not isinstance(cc, dict) or cc.get("type") != "ephemeral"):
        v.append(f"anthropic: {where}.cache_control: type must be 'ephemeral'")
    return v, 1 if cc is not None else 0


def _validate_openai(headers: dict[str, str], body: Any) -> list[str]:
    v: list[str] = []
    auth = headers.get("authorization", "")
    if not auth.startswith("Bearer ") or not auth[7:].strip():
        v.append("openai: missing 'Authorization: Bearer' header")
    if not isinstance(body, dict):
        return [*v, "openai: body is not a JSON object"]
    model = body.get("model")
    if not isinstance(model, str) or not model:
        v.append("openai: model: field required")
        model = ""
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        v.append("openai: messages: must be a non-empty list")
        msgs = []
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            v.append(f"openai: messages[{i}]: not an object")
            continue
        if m.get("role") not in ("system", "user", "assistant", "developer"):
            v.append(f"openai: messages[{i}].role: unexpected role {m.get('role')!r}")
        if not isinstance(m.get("content"), str | list):
            v.append(f"openai: messages[{i}].content: must be a string or a list of parts")
    stop = body.get("stop")
    if stop is not None:
        if isinstance(stop, str):
            stop = [stop]
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            v.append("openai: stop: must be a string or a list of strings")
        elif len(stop) > 4:
            v.append("openai: stop: at most 4 sequences")
    if "max_tokens" in body and "max_completion_tokens" in body:
        v.append("openai: max_tokens and max_completion_tokens are mutually exclusive")
    if body.get("stream_options") is not None and not body.get("stream"):
        v.append("openai: stream_options: only allowed when stream is true")
    if O_SERIES.match(model):
        if "max_tokens" in body:
            v.append(
                f"openai: Unsupported parameter: 'max_tokens' is not supported with {model}; "
                "use 'max_completion_tokens'"
            )
        if body.get("temperature") not in (None, 1):
            v.append(
                f"openai: Unsupported value: 'temperature' must be the default (1) for {model}"
            )
    rf = body.get("response_format")
    if isinstance(rf, dict) and rf.get("type") == "json_object":
        texts = " ".join(_content_text(m.get("content")) for m in msgs if isinstance(m, dict))
        if "json" not in texts.lower():
            v.append(
                "openai: 'messages' must contain the word 'json' to use response_format json_object"
            )
    return v


# ---- the server ----------------------------------------------------------------------------


class _Disconnected(Exception):
    pass


@dataclass
class _Plan:
    """What will be sent for one reply: the text after stop/max_tokens, and how it ends."""

    text: str
    finish: str  # neutral: stop | stop_sequence | length, or a raw override
    stop_sequence: str | None


class FakeLLM:
    """The server: a background thread running its own asyncio loop on 127.0.0.1."""

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        chunk: int = 7,
        delay: float = 0.0,
        model: str = DEFAULT_MODEL,
    ) -> None:
        self.latency = latency
        self.chunk = chunk
        self.delay = delay
        self.model = model
        self.models: list[str] | None = None  # what GET /v1/models lists; None: [self.model]
        self.responder: Callable[[dict[str, Any]], Reply | str] | None = None
        # Server traits of some OpenAI-compatible servers, to test the providers' fallbacks.
        self.reject_stream_options = False
        self.reject_json_mode = False
        # Prefixes shorter than this are never cached (real APIs: 1024); 0 keeps tests small.
        self.cache_min_tokens = 0
        self.allow_violations = False  # set by a test that sends malformed requests on purpose
        # Faults for every reply (scripted or not): "endless" streams, "silent" (never answers),
        # "cut" (every stream ends after `cut_chars` characters without its terminal event).
        self.fault: str | None = None
        self.cut_chars = 40
        self.active_streams = 0
        self.peak_streams = 0
        self.disconnects = 0  # streams whose client went away before the end
        self._port = port
        self._queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._extra_violations: list[str] = []
        self._lock = threading.Lock()
        self._anthropic_cache: set[str] = set()
        self._openai_cache: set[str] = set()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._stopping: asyncio.Event | None = None
        self._conns: set[asyncio.Task[None]] = set()
        # The batch endpoints (fakebatch.py): processing delay, a hold, expiry, counts.
        self.batch_delay = 0.0  # seconds a batch stays in_progress
        self.batch_hold = False  # batches stay in_progress until this is False again
        self.batch_expire: bool | set[str] = set()  # custom ids that expire (True: every one)
        self.batch_creates = 0  # batches created (both protocols)
        self.batch_cancels = 0
        from fakebatch import FakeBatches

        self.batches = FakeBatches(self)

    # ---- lifecycle ----

    def start(self) -> FakeLLM:
        """Start listening; returns when the port is bound."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="fakellm", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    async def _listen(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(
            self._on_connection, "127.0.0.1", self._port, backlog=512, limit=1 << 20
        )
        self._port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close every connection (hung ones too) and stop the thread."""
        loop = self._loop
        if loop is None or self._thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._loop = None

    async def _shutdown(self) -> None:
        assert self._server is not None and self._stopping is not None
        self._server.close()
        self._stopping.set()
        for task in list(self._conns):
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- scripting and inspection ----

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url_openai(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def base_url_anthropic(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def queue(self, *replies: Reply | str) -> None:
        """Append replies (a str is Reply(text=str)); they are used before the responder."""
        with self._lock:
            self._queue.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    @property
    def pending(self) -> int:
        """Queued replies not used yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far (chat calls, model listings, malformed ones), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """The chat calls only (either protocol)."""
        return [r for r in self.requests if r.protocol in ("openai", "anthropic")]

    @property
    def violations(self) -> list[str]:
        """Every request-shape violation seen, one line each."""
        with self._lock:
            out = [v for r in self._requests for v in r.violations]
            return out + list(self._extra_violations)

    def clear(self) -> None:
        """Forget requests, violations, queued replies and cache state."""
        with self._lock:
            self._requests.clear()
            self._extra_violations.clear()
            self._queue.clear()
            self._anthropic_cache.clear()
            self._openai_cache.clear()

    # ---- HTTP ----

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, _version = lines[0].split(" ", 2)
                except ValueError:
                    return
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, _, val = line.partition(":")
                        k = k.strip().lower()
                        headers[k] = f"{headers[k]}, {val.strip()}" if k in headers else val.strip()
                if "content-length" in headers:
                    raw = await reader.readexactly(int(headers["content-length"]))
                elif headers.get("transfer-encoding", "").lower() == "chunked":
                    raw = await _read_chunked(reader)
                else:
                    raw = b""
                path, _, query = target.partition("?")
                keep = await self._dispatch(method, path, headers, raw, reader, writer, query)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (_Disconnected, ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            pass
        finally:
            self._conns.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    async def _dispatch(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        query: str = "",
    ) -> bool:
        protocol = {"/v1/chat/completions": "openai", "/v1/messages": "anthropic"}.get(
            path, "other"
        )
        body: Any = None
        violations: list[str] = []
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                violations.append(f"{protocol}: body is not valid JSON")
        batch = await self.batches.handle(method, path, headers, raw, writer)
        if batch is not None:
            return batch
        if method == "GET" and path in ("/v1/models", "/models"):
            self._record(
                RecordedRequest(method, path, headers, body, "other", (), time.time(), query)
            )
            await _send_json(writer, 200, self._models_list())
            return True
        if method != "POST" or protocol == "other":
            why = f"unknown endpoint {method} {path}"
            self._record(
                RecordedRequest(method, path, headers, body, "other", (why,), time.time(), query)
            )
            await _send_json(writer, 404, _error_body("openai", 404, why))
            return True
        if not violations:
            check = _validate_openai if protocol == "openai" else _validate_anthropic
            violations = check(headers, body)
        self._record(
            RecordedRequest(
                method, path, headers, body, protocol, tuple(violations), time.time(), query
            )
        )
        if violations:
            await _send_json(writer, 400, _error_body(protocol, 400, "; ".join(violations)))
            return True
        if protocol == "openai":
            if self.reject_stream_options and "stream_options" in body:
                msg = "Unrecognized request argument supplied: stream_options"
                await _send_json(writer, 400, _error_body(protocol, 400, msg))
                return True
            if self.reject_json_mode and "response_format" in body:
                msg = "response_format is not supported by this server"
                await _send_json(writer, 400, _error_body(protocol, 400, msg))
                return True
        reply = self._next_reply(body)
        if reply is None:
            msg = "FakeLLM: no reply scripted for this request"
            await _send_json(writer, 400, _error_body(protocol, 400, msg))
            return True
        if reply.echo_key:
            reply = _echo_key(reply, headers)
        if self.fault == "endless":
            reply = replace(reply, endless=True)
        elif self.fault == "silent":
            reply = replace(reply, hang=True)
        elif self.fault == "cut" and reply.cut_after is None:
            reply = replace(reply, cut_after=self.cut_chars, text=reply.text or filler(200))
        await asyncio.sleep(self.latency if reply.latency is None else reply.latency)
        if reply.hang:
            await self._wait_closed(reader)
            return False
        if reply.status is not None:
            await self._send_fault(writer, protocol, reply)
            return True
        if reply.body is not None:
            await _send_raw(writer, 200, reply.body, reply.content_type)
            return True
        if body.get("stream") and reply.endless:
            return await self._stream_endless(protocol, body, reply, reader, writer)
        if body.get("stream") and not reply.not_streamed:
            return await self._stream(protocol, body, reply, reader, writer)
        await _send_json(writer, 200, self._complete(protocol, body, reply))
        return True

    def _next_reply(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is None:
            with self._lock:
                self._extra_violations.append("no reply scripted (queue empty, no responder)")
            return None
        try:
            got = self.responder(body)
        except Exception as exc:
            with self._lock:
                self._extra_violations.append(f"responder raised {type(exc).__name__}: {exc}")
            return None
        return Reply(got) if isinstance(got, str) else got

    async def _wait_closed(self, reader: asyncio.StreamReader) -> None:
        """Wait, silent, until the client goes away or the server stops."""
        assert self._stopping is not None
        eof = asyncio.ensure_future(reader.read())
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({eof, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            eof.cancel()
            stop.cancel()

    async def _send_fault(self, writer: asyncio.StreamWriter, protocol: str, reply: Reply) -> None:
        assert reply.status is not None
        extra: dict[str, str] = {}
        if reply.retry_after is not None:
            extra["retry-after"] = f"{reply.retry_after:g}"
        if reply.retry_after_ms is not None:
            extra["retry-after-ms"] = str(reply.retry_after_ms)
        if reply.status == 529 or (reply.status >= 500 and protocol == "anthropic"):
            extra["x-should-retry"] = "true"
        body = _error_body(protocol, reply.status, reply.error)
        await _send_json(writer, reply.status, body, extra)

    def _models_list(self) -> dict[str, Any]:
        data = [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": "fakellm",
                "type": "model",
                "display_name": name,
                "created_at": "2025-01-01T00:00:00Z",
            }
            for name in (self.models if self.models is not None else [self.model])
        ]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }

    # ---- what to say ----

    def _plan(self, protocol: str, body: dict[str, Any], reply: Reply) -> _Plan:
        text = reply.text
        if protocol == "openai":
            stops = body.get("stop") or []
            stops = [stops] if isinstance(stops, str) else stops
            max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        else:
            stops = body.get("stop_sequences") or []
            max_tokens = body.get("max_tokens")
        limit = max_tokens * TOKEN_CHARS if isinstance(max_tokens, int) else None
        hits = [(text.find(s), s) for s in stops if s and s in text]
        plan = _Plan(text, "stop", None)
        if hits:
            at, seq = min(hits)
            # A stop string counts when it starts within the max_tokens limit.
            if limit is None or at <= limit:
                plan = _Plan(text[:at], "stop_sequence", seq)
        if plan.finish == "stop" and limit is not None and len(text) > limit:
            plan = _Plan(text[:limit], "length", None)
        if reply.finish is not None:
            plan.finish = reply.finish
        return plan

    def _usage(
        self, protocol: str, body: dict[str, Any], plan: _Plan, reply: Reply
    ) -> dict[str, int]:
        if protocol == "anthropic":
            total, read, write = self._anthropic_prompt_tokens(body)
        else:
            total, read = self._openai_prompt_tokens(body)
            write = 0
        u = {
            "input_tokens": total - read - write if protocol == "anthropic" else total,
            "output_tokens": count_tokens(plan.text),
            "cache_read_tokens": read,
            "cache_write_tokens": write,
        }
        u.update(reply.usage or {})
        return u

    def _anthropic_prompt_tokens(self, body: dict[str, Any]) -> tuple[int, int, int]:
        """(all prompt tokens, cache read, cache write), emulating explicit breakpoints."""
        blocks: list[tuple[str, str, bool]] = []
        system = body.get("system")
        if isinstance(system, str):
            blocks.append(("system", system, False))
        elif isinstance(system, list):
            blocks += [("system", b["text"], "cache_control" in b) for b in system]
        for m in body["messages"]:
            c = m["content"]
            if isinstance(c, str):
                blocks.append((m["role"], c, False))
            else:
                blocks += [(m["role"], b["text"], "cache_control" in b) for b in c]
        hashes, tokens = _prefixes((role, text) for role, text, _ in blocks)
        total = tokens[-1] if tokens else 0
        marks = [i for i, b in enumerate(blocks) if b[2]]
        if not marks:
            return total, 0, 0
        candidates = {j for bp in marks for j in range(max(0, bp - CACHE_LOOKBACK_BLOCKS), bp + 1)}
        with self._lock:
            hit = max(
                (
                    j
                    for j in candidates
                    if hashes[j] in self._anthropic_cache and tokens[j] >= self.cache_min_tokens
                ),
                default=None,
            )
            read = tokens[hit] if hit is not None else 0
            last = marks[-1]
            write = 0
            if hashes[last] not in self._anthropic_cache and tokens[last] >= self.cache_min_tokens:
                write = tokens[last] - read
            for bp in marks:
                if tokens[bp] >= self.cache_min_tokens:
                    self._anthropic_cache.add(hashes[bp])
        return total, read, write

    def _openai_prompt_tokens(self, body: dict[str, Any]) -> tuple[int, int]:
        """(all prompt tokens, cached), emulating OpenAI's automatic prefix caching per message."""
        msgs = [(str(m.get("role")), _content_text(m.get("content"))) for m in body["messages"]]
        hashes, tokens = _prefixes(msgs)
        with self._lock:
            hit = max(
                (
                    j
                    for j in range(len(msgs))
                    if hashes[j] in self._openai_cache and tokens[j] >= self.cache_min_tokens
                ),
                default=None,
            )
            self._openai_cache.update(hashes)
        return (tokens[-1] if tokens else 0), (tokens[hit] if hit is not None else 0)

    def _complete(self, protocol: str, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        """A non-streaming answer."""
        plan = self._plan(protocol, body, reply)
        u = self._usage(protocol, body, plan, reply)
        n = next(self._ids)
        if protocol == "openai":
            return {
                "id": f"chatcmpl-fake{n}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": plan.text},
                        "finish_reason": _openai_finish(plan.finish),
                        "logprobs": None,
                    }
                ],
                "usage": _openai_usage(u),
            }
        return {
            "id": f"msg_fake{n}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": plan.text}],
            "stop_reason": _anthropic_finish(plan.finish),
            "stop_sequence": plan.stop_sequence,
            "usage": _anthropic_usage(u),
        }

    async def _stream(
        self,
        protocol: str,
        body: dict[str, Any],
        reply: Reply,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        plan = self._plan(protocol, body, reply)
        u = self._usage(protocol, body, plan, reply)
        events = _openai_events if protocol == "openai" else _anthropic_events
        fault_at = next(
            (x for x in (reply.cut_after, reply.stall_after, reply.error_after) if x is not None),
            None,
        )
        text = plan.text if fault_at is None else plan.text[:fault_at]
        size = max(1, reply.chunk or self.chunk)
        delay = self.delay if reply.delay is None else reply.delay
        head, per_delta, tail = events(body, next(self._ids), u, plan)
        self.active_streams += 1
        self.peak_streams = max(self.peak_streams, self.active_streams)
        try:
            await _start_chunked(writer)
            batch = [_chunk(ev) for ev in head]
            for i in range(0, len(text), size):
                batch.append(_chunk(per_delta(text[i : i + size])))
                # Without a delay, deltas go out in batches: one syscall per 256 events.
                if delay > 0 or len(batch) >= 256:
                    if reader.at_eof() or writer.is_closing():
                        raise _Disconnected
                    writer.write(b"".join(batch))
                    batch.clear()
                    await writer.drain()
                    if delay > 0:
                        await asyncio.sleep(delay)
            writer.write(b"".join(batch))
            if fault_at is None:
                for ev in tail:
                    writer.write(_chunk(ev))
            elif reply.error_after is not None:
                writer.write(_chunk(_error_event(protocol, reply.error, reply.error_status)))
            elif reply.stall_after is not None:
                await writer.drain()
                await self._wait_closed(reader)
                return False
            elif reply.abort:
                await writer.drain()
                writer.transport.abort()
                return False
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        except (_Disconnected, ConnectionError):
            self.disconnects += 1
            raise _Disconnected from None
        finally:
            self.active_streams -= 1

    async def _stream_endless(
        self,
        protocol: str,
        body: dict[str, Any],
        reply: Reply,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """`reply.text`, then "Still going, sentence N." for N = 1, 2, … until the client goes."""
        plan = _Plan(reply.text, "stop", None)
        u = self._usage(protocol, body, plan, reply)
        events = _openai_events if protocol == "openai" else _anthropic_events
        head, per_delta, _tail = events(body, next(self._ids), u, plan)
        size = max(1, reply.chunk or self.chunk)
        delay = self.delay if reply.delay is None else reply.delay
        self.active_streams += 1
        self.peak_streams = max(self.peak_streams, self.active_streams)
        pending = reply.text
        try:
            await _start_chunked(writer)
            writer.write(b"".join(_chunk(ev) for ev in head))
            for n in itertools.count(1):
                pending += f" Still going, sentence {n}."
                batch = []
                while len(pending) >= size:
                    batch.append(_chunk(per_delta(pending[:size])))
                    pending = pending[size:]
                if reader.at_eof() or writer.is_closing():
                    raise _Disconnected
                writer.write(b"".join(batch))
                await writer.drain()
                await asyncio.sleep(delay)  # at least a loop turn: the client may go away
        except (_Disconnected, ConnectionError):
            self.disconnects += 1
            raise _Disconnected from None
        finally:
            self.active_streams -= 1
        return False  # not reached


# ---- wire formats ----------------------------------------------------------------------------


def _prefixes(items: Iterable[tuple[str, str]]) -> tuple[list[str], list[int]]:
    """Running hashes and running token counts over (role, text) items."""
    h = hashlib.sha256()
    hashes: list[str] = []
    tokens: list[int] = []
    n = 0
    for role, text in items:
        h.update(json.dumps([role, text]).encode())
        hashes.append(h.copy().hexdigest())
        n += count_tokens(text)
        tokens.append(n)
    return hashes, tokens


def _openai_finish(finish: str) -> str:
    return {"stop_sequence": "stop"}.get(finish, finish)


def _anthropic_finish(finish: str) -> str:
    return {"stop": "end_turn", "length": "max_tokens"}.get(finish, finish)


def _openai_usage(u: dict[str, int]) -> dict[str, Any]:
    return {
        "prompt_tokens": u["input_tokens"],
        "completion_tokens": u["output_tokens"],
        "total_tokens": u["input_tokens"] + u["output_tokens"],
        "prompt_tokens_details": {"cached_tokens": u["cache_read_tokens"]},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _anthropic_usage(u: dict[str, int]) -> dict[str, Any]:
    return {
        "input_tokens": u["input_tokens"],
        "output_tokens": u["output_tokens"],
        "cache_read_input_tokens": u["cache_read_tokens"],
        "cache_creation_input_tokens": u["cache_write_tokens"],
    }


def _sse(data: Any, event: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "").encode() + f"data: {payload}\n\n".encode()


def _templated(make: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """The same encoder, but JSON-encodes only the text per call (the rest is precomputed)."""
    sentinel = "\x00fakellm\x00"
    pre, post = make(sentinel).split(json.dumps(sentinel).encode())
    return lambda t: pre + json.dumps(t).encode() + post


def _openai_events(
    body: dict[str, Any], n: int, u: dict[str, int], plan: _Plan
) -> tuple[list[bytes], Callable[[str], bytes], list[bytes]]:
    with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base = {
        "id": f"chatcmpl-fake{n}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
    }
    if with_usage:
        base["usage"] = None

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return _sse({**base, "choices": [choice]})

    head = [chunk({"role": "assistant", "content": ""})]
    tail = [chunk({}, _openai_finish(plan.finish))]
    if with_usage:
        tail.append(_sse({**base, "choices": [], "usage": _openai_usage(u)}))
    tail.append(_sse("[DONE]"))
    return head, _templated(lambda t: chunk({"content": t})), tail


def _anthropic_events(
    body: dict[str, Any], n: int, u: dict[str, int], plan: _Plan
) -> tuple[list[bytes], Callable[[str], bytes], list[bytes]]:
    start_usage = {**_anthropic_usage(u), "output_tokens": 1}
    message = {
        "id": f"msg_fake{n}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start_usage,
    }
    head = [
        _sse({"type": "message_start", "message": message}, "message_start"),
        _sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
        _sse({"type": "ping"}, "ping"),
    ]

    def text_delta(t: str) -> bytes:
        return _sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
            "content_block_delta",
        )

    tail = [
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": _anthropic_finish(plan.finish),
                    "stop_sequence": plan.stop_sequence,
                },
                "usage": _anthropic_usage(u),
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return head, _templated(text_delta), tail


_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request_error", "Invalid request"),
    401: ("authentication_error", "invalid_request_error", "Invalid API key"),
    403: ("permission_error", "invalid_request_error", "Permission denied"),
    404: ("not_found_error", "invalid_request_error", "Not found"),
    429: ("rate_limit_error", "rate_limit_exceeded", "Rate limit exceeded, please retry later"),
    500: ("api_error", "server_error", "Internal server error"),
    503: ("api_error", "server_error", "Service unavailable"),
    529: ("overloaded_error", "server_error", "Overloaded"),
}


def _error_body(protocol: str, status: int, message: str | None) -> dict[str, Any]:
    a_type, o_type, default = _ERROR_TYPES.get(status, ("api_error", "server_error", "Error"))
    message = message or default
    if protocol == "anthropic":
        return {
            "type": "error",
            "error": {"type": a_type, "message": message},
            "request_id": "req_fake",
        }
    return {"error": {"message": message, "type": o_type, "param": None, "code": None}}


def _error_event(protocol: str, message: str | None, status: int | None = None) -> bytes:
    if protocol == "anthropic":
        return _sse(_error_body("anthropic", status or 529, message), "error")
    body = _error_body("openai", status or 500, message)
    if status is not None:  # llama-server puts the status in `code`
        body["error"]["code"] = status
    return _sse(body)


async def _send_json(
    writer: asyncio.StreamWriter, status: int, obj: Any, extra: dict[str, str] | None = None
) -> None:
    data = json.dumps(obj).encode()
    head = [
        f"HTTP/1.1 {status} {_phrase(status)}",
        "content-type: application/json",
        f"content-length: {len(data)}",
        "request-id: req_fake",
    ]
    head += [f"{k}: {v}" for k, v in (extra or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()


async def _send_raw(
    writer: asyncio.StreamWriter, status: int, text: str | bytes, content_type: str
) -> None:
    data = text if isinstance(text, bytes) else text.encode()
    head = [
        f"HTTP/1.1 {status} {_phrase(status)}",
        f"content-type: {content_type}",
        f"content-length: {len(data)}",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()


async def _start_chunked(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
        b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\nrequest-id: req_fake\r\n\r\n"
    )
    await writer.drain()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Overloaded" if status == 529 else "Error"


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)


# ---- the built-in dcot demo --------------------------------------------------------------

_OPEN_TAG = re.compile(r"<(thinking|step|count|reflection|reward|answer)>")


def dcot_transcript(problem: str, budget: int = 20) -> list[str]:
    """A realistic tagged dcot transcript for any problem, as segments each opening one tag."""
    numbers = re.findall(r"-?\d+(?:\.\d+)?", problem)
    answer = _demo_answer(problem)
    topic = " ".join(problem.split()[:8]) or "the problem"
    segs: list[str] = [
        f"<thinking>The problem asks about: {topic}. I will list what is given, try a direct "
        "approach, check it, and change course if the check fails.</thinking>\n",
    ]
    count = budget
    plan = [
        (
            "Restate the givens",
            f"We are given: {topic}. Numbers present: {', '.join(numbers) or 'none'}.",
        ),
        (
            "Try a direct computation",
            "Assume the quantities combine linearly; then the result follows by substitution.",
        ),
    ]
    for title, body in plan:
        count -= 1
        segs += [f"<step>{title}\n{body}</step>\n", f"<count>{count}</count>\n"]
    segs += [
        "<reflection>The linear assumption was not justified: substituting back does not reproduce "
        "the givens. This approach is wrong; I should backtrack and use the structure of the problem."
        "</reflection>\n",
        "<reward>0.4</reward>\n",
    ]
    plan = [
        (
            "A different approach",
            "Work from the definitions instead, keeping every quantity exact.",
        ),
        ("Carry out the computation", f"Simplifying step by step gives {answer}."),
        (
            "Check the result",
            f"Substituting {answer} back satisfies every condition in the problem.",
        ),
    ]
    for title, body in plan:
        count -= 1
        segs += [f"<step>{title}\n{body}</step>\n", f"<count>{count}</count>\n"]
    segs += [
        "<reflection>The new approach is consistent and the check passes; confidence is high."
        "</reflection>\n",
        "<reward>0.8</reward>\n",
        f"<answer>The answer is {answer}.</answer>\n",
        "<reflection>The first attempt failed and was abandoned in time; the final result was "
        "verified by substitution. A cleaner start would have saved two steps.</reflection>\n",
        "<reward>0.9</reward>",
    ]
    return segs


def _problem(body: dict[str, Any]) -> str:
    return next(
        (
            _content_text(m.get("content"))
            for m in body.get("messages") or []
            if isinstance(m, dict) and m.get("role") == "user"
        ),
        "",
    )


def _demo_answer(problem: str) -> str:
    numbers = re.findall(r"-?\d+(?:\.\d+)?", problem)
    options = re.findall(r"\(([A-D])\)", problem)
    return options[0] if options else (numbers[-1] if numbers else "42")


def dcot_responder(body: dict[str, Any]) -> Reply:
    """Answer any problem with the dcot demo transcript, continuing where the assistant left off."""
    problem = _problem(body)
    budget_match = re.search(r"budget\D{0,40}?(\d+)", system_text(body) + problem, re.I)
    budget = int(budget_match.group(1)) if budget_match else 20
    segs = dcot_transcript(problem, budget)
    done = len(_OPEN_TAG.findall(assistant_text(body)))
    return Reply(text="".join(segs[done:]) or "<answer>done</answer>")


def g1_responder(body: dict[str, Any]) -> Reply:
    """One g1 JSON step: a low-confidence reflection at step 4, final_answer from step 6 on."""
    n = 1 + sum(
        1
        for m in body.get("messages") or []
        if isinstance(m, dict)
        and m.get("role") == "assistant"
        and _content_text(m.get("content")).lstrip().startswith("{")
    )
    answer = _demo_answer(_problem(body))
    if n == 4:
        step = {
            "title": "Re-examining the approach",
            "content": "Substituting back does not reproduce the givens: the earlier assumption "
            "was wrong, so I will use a different method.",
            "next_action": "continue",
            "confidence": 0.4,
        }
    else:
        said = (
            "Working from the definitions, the quantity comes to",
            "Taking the givens one at a time, each one points to",
            "Putting the pieces together gives",
            "",
            "Checking it against every condition of the problem confirms",
        )
        step = {
            "title": f"Step {n}: {'check the result' if n >= 5 else 'work towards the result'}",
            "content": f"{said[min(n, 5) - 1]} {answer}."
            + (f" Check number {n - 4}." if n >= 5 else ""),
            "next_action": "final_answer" if n >= 6 else "continue",
            "confidence": 0.85,
        }
    return Reply(json.dumps(step))


def direct_responder(body: dict[str, Any]) -> Reply:
    """A plain worked answer ending with a "Final answer:" line."""
    answer = _demo_answer(_problem(body))
    return Reply(
        f"Working from the definitions and checking by substitution.\n\nFinal answer: {answer}"
    )


def judge_responder(body: dict[str, Any]) -> Reply:
    """An LLM judge's mark: points out of the asked maximum that depend only on the solution, so
    the same run always gets the same mark (a proof with a backtrack loses points)."""
    user = last_user_text(body)
    top_match = re.search(r"out of (\d+)", user)
    top = int(top_match.group(1)) if top_match else 10
    solution = user.split("# Candidate's solution", 1)[-1]
    digest = int(hashlib.sha256(solution.encode()).hexdigest(), 16)
    points = top - digest % 4 - (2 if "different approach" in solution else 0)
    points = max(0, min(top, points))
    return Reply(
        "<feedback>\nThe argument sets up the right quantities, but the key step is asserted"
        " rather than proved, and the final case is not checked.\n</feedback>\n"
        f"<points>{points}</points>"
    )


def demo_responder(body: dict[str, Any]) -> Reply:
    """The demo for whatever paradigm the request is from: g1 JSON steps, plain answers, a judge's
    mark, else dcot."""
    if "<points>" in system_text(body):
        return judge_responder(body)
    last = last_user_text(body).lower()
    if "final answer now" in last or 'line of the form "final answer' in last:
        return direct_responder(body)
    json_format = (body.get("response_format") or {}).get("type") == "json_object"
    if json_format or '"next_action"' in system_text(body):
        return g1_responder(body)
    return dcot_responder(body)


def careless_responder(body: dict[str, Any]) -> Reply:
    """A small model that ignores every protocol, as SmolLM2-135M does behind llama-server:
    dcot gets the same untagged text at each call; g1 steps come as nested JSON (`content` a
    list of objects); the plain-text final answer comes wrapped in JSON anyway."""
    answer = _demo_answer(_problem(body))
    last = last_user_text(body).lower()
    if "final answer now" in last:
        step = {"title": "Final Answer", "content": answer, "next_action": "final_answer"}
        return Reply(json.dumps({**step, "confidence": 0.95}))
    json_format = (body.get("response_format") or {}).get("type") == "json_object"
    if json_format or '"next_action"' in system_text(body):
        # Each step a little different: the same step again would be stopped as a repetition.
        n = sum(m.get("role") == "assistant" for m in body.get("messages") or [])
        content = [
            {"step": 1, "description": f"Read the problem, pass {n}", "result": "numbers found"},
            {"step": 2, "description": f"Compute it, way {n}", "result": answer},
        ]
        step = {"title": "Solve", "content": content, "next_action": "continue"}
        return Reply(json.dumps({**step, "confidence": 0.8}, indent=2))
    if 'line of the form "final answer' in last:
        return direct_responder(body)
    return Reply(
        f"Let me think. The numbers give {answer}.\nThe answer to the question is {answer}."
    )


# `--demo dcot` is the pinned name; it also answers g1 and direct requests in their own form.
DEMOS: dict[str, Callable[[dict[str, Any]], Reply]] = {
    "dcot": demo_responder,
    "g1": g1_responder,
    "direct": direct_responder,
    "careless": careless_responder,
}


def script_responder(replies: list[Reply]) -> Callable[[dict[str, Any]], Reply]:
    """Replies used in order, then looping."""
    if not replies:
        raise ValueError("the script has no replies")
    cycle = itertools.cycle(replies)
    lock = threading.Lock()

    def respond(_body: dict[str, Any]) -> Reply:
        with lock:
            return next(cycle)

    return respond


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="fakellm", description=__doc__.splitlines()[0] if __doc__ else None
    )
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--script", metavar="FILE.jsonl", help="one JSON Reply per line, used in order, looping"
    )
    src.add_argument("--demo", choices=sorted(DEMOS), help="a built-in responder")
    p.add_argument("--latency", type=float, default=0.0, help="seconds before the first byte")
    p.add_argument("--chunk", type=int, default=7, help="characters per streamed delta")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between deltas")
    p.add_argument(
        "--batch-delay", type=float, default=0.0, help="seconds a batch stays in progress"
    )
    p.add_argument(
        "--fault",
        choices=("endless", "silent", "cut"),
        help="every reply: a stream without end, no answer at all, or a stream cut mid-way",
    )
    args = p.parse_args(argv)
    if args.script:
        try:
            with open(args.script, encoding="utf-8") as f:
                replies = [Reply.from_json(json.loads(line)) for line in f if line.strip()]
            responder = script_responder(replies)
        except (OSError, ValueError, TypeError) as exc:
            p.error(f"bad script {args.script}: {exc}")
    else:
        responder = DEMOS[args.demo]
    fake = FakeLLM(port=args.port, latency=args.latency, chunk=args.chunk, delay=args.delay)
    fake.responder = responder
    fake.fault = args.fault
    fake.allow_violations = True
    fake.batch_delay = args.batch_delay
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with fake:
        print(f"READY {fake.port}", flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
