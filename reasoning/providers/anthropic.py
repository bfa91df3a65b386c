"""Anthropic Messages API, streaming, with prompt caching on the stable prefix."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator
from typing import Any, Literal

from reasoning.events import Usage
from reasoning.providers.base import ChatRequest, Delta, Done, Finish, Message, ProviderError
from reasoning.providers.endpoint import NO_KEY, Endpoint, drain, estimated_usage
from reasoning.providers.errors import (
    classify,
    error_text,
    no_events,
    not_a_stream,
    scrub,
    stream_error,
)
from reasoning.providers.retry import Transient
from reasoning.providers.sse import (
    StreamTally,
    is_event_stream,
    lines_of,
    looks_like_events,
    read_body,
    sse_events,
)

EPHEMERAL = {"type": "ephemeral"}
# Claude models before 4.6 accept a prefilled final assistant turn; 4.6 and later answer 400.
PREFILL_OK = re.compile(r"^claude-(?:[23]|instant|(?:opus|sonnet|haiku)-4(?:-[015])?(?:$|-\d{8}))")
USAGE_KEYS = (
    ("input", "input_tokens"),
    ("output", "output_tokens"),
    ("read", "cache_read_input_tokens"),
    ("write", "cache_creation_input_tokens"),
)
CONTINUE = "Continue exactly where your previous message stopped, without repeating any of it."
FINISH: dict[str, Finish] = {
    "end_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "stop_sequence": "stop_sequence",
}


def allows_prefill(model: str) -> bool:
    """Whether the model continues a final assistant turn (names other than claude-* are trusted)."""
    return not model.startswith("claude-") or bool(PREFILL_OK.match(model))


def normalise(messages: tuple[Message, ...], *, prefill: bool = True) -> list[dict[str, Any]]:
    """Non-empty messages with alternating roles, starting with the user, as Anthropic requires.

    A final assistant turn is kept as a prefill where the model allows it, else followed by a
    user turn asking to continue.
    """
    merged: list[list[str]] = []
    for m in messages:
        if not m.content.strip():
            continue
        if merged and merged[-1][0] == m.role:
            merged[-1][1] += "\n\n" + m.content
        else:
            merged.append([m.role, m.content])
    if not merged:
        raise ProviderError("anthropic: nothing to send: every message is empty")
    if merged[0][0] == "assistant":
        merged.insert(0, ["user", "Continue."])
    if merged[-1][0] == "assistant" and not prefill:
        merged.append(["user", CONTINUE])
    elif merged[-1][0] == "assistant":
        # A prefilled final assistant turn may not end with whitespace (the API rejects it).
        merged[-1][1] = merged[-1][1].rstrip()
    return [{"role": role, "content": text} for role, text in merged]


def request_params(request: ChatRequest, model: str, extra: dict[str, object]) -> dict[str, Any]:
    """The keyword arguments of messages.create for one request."""
    messages = normalise(request.messages, prefill=allows_prefill(model))
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": request.max_tokens,
        "messages": messages,
        "stream": True,
    }
    if request.cache_prefix:
        # The stable prefix: the system prompt, and everything up to the second-to-last message.
        if request.system.strip():
            params["system"] = [
                {"type": "text", "text": request.system, "cache_control": EPHEMERAL}
            ]
        if len(messages) >= 2:
            m = messages[-2]
            m["content"] = [{"type": "text", "text": m["content"], "cache_control": EPHEMERAL}]
    elif request.system.strip():
        params["system"] = request.system
    if request.stop:
        params["stop_sequences"] = [s for s in request.stop if s]
    thinking = extra.get("thinking")
    if isinstance(thinking, dict):
        params["thinking"] = thinking  # e.g. {"type": "adaptive"} for the reasoning baseline
    # No temperature: API version 2026-10-21 (the SDK's) refuses sampling parameters.
    return params


class AnthropicProvider(Endpoint):
    """Anthropic through the official SDK; SDK retries off, ours on."""

    kind: Literal["anthropic", "openai"] = "anthropic"
    _told_temperature = False
    _told_not_streamed = False

    def _make_client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=self._key or NO_KEY,
            base_url=self.sdk_url,
            default_query=self.sdk_query or None,
            max_retries=0,
            timeout=self.timeout(anthropic),
        )

    async def _attempt(self, request: ChatRequest) -> AsyncGenerator[Delta | Done, None]:
        import anthropic

        params = request_params(request, self.model, self.spec.extra)
        if request.temperature is not None and not self._told_temperature:
            self._told_temperature = True
            self.notify(f"{self.name}: the API takes no temperature; it was not sent")
        counts = {"input": 0, "output": 0, "read": 0, "write": 0}

        def usage() -> Usage:
            return Usage(counts["input"], counts["output"], counts["read"], counts["write"])

        def take(u: Any) -> None:
            if not isinstance(u, dict):
                return
            for name, key in USAGE_KEYS:
                value = u.get(key)
                if isinstance(value, int):
                    counts[name] = value

        stop_reason: str | None = None
        stop_sequence: str | None = None
        complete = False
        tally = StreamTally()
        ctx = self.context
        try:
            # The SDK makes the request and raises its status errors; the events are decoded
            # here with json.loads, several times cheaper than the SDK's per-event models.
            create = self.client().messages.with_streaming_response.create
            async with create(**params) as response:
                content_type = response.headers.get("content-type")
                if is_event_stream(content_type):
                    lines = response.iter_lines()
                else:
                    # A server or proxy that ignores `stream: true`: one message, or a page.
                    body = await read_body(response.iter_bytes())
                    if not looks_like_events(body):
                        for item in self._whole(body, content_type, request):
                            yield item
                        return
                    lines = lines_of(body)
                async for event, data in sse_events(lines, tally):
                    if event == "ping" or not data:
                        continue
                    obj = json.loads(data)
                    if event == "error" or obj.get("type") == "error":
                        raise stream_error(obj, ctx)
                    kind = obj.get("type")
                    if kind == "content_block_delta":
                        delta = obj["delta"]
                        if delta.get("type") == "text_delta" and delta.get("text"):
                            yield Delta(delta["text"])
                    elif kind == "message_start":
                        take(obj["message"].get("usage"))
                    elif kind == "message_delta":
                        take(obj.get("usage"))
                        stop_reason = obj["delta"].get("stop_reason")
                        stop_sequence = obj["delta"].get("stop_sequence")
                    elif kind == "message_stop":
                        complete = True
                        break
                if complete:
                    await drain(lines)  # so the connection goes back to the pool
        except Transient as transient:
            transient.usage = usage()
            raise
        except ProviderError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Transient(
                f"malformed stream data ({type(exc).__name__})", label="bad stream", usage=usage()
            ) from exc
        except Exception as exc:
            failure = classify(exc, anthropic, ctx)
            if isinstance(failure, Transient):
                failure.usage = usage()
            raise failure from exc
        if not complete:
            if tally.lines and not tally.events:
                raise no_events(ctx, tally.lines)
            raise Transient("stream ended without message_stop", label="cut stream", usage=usage())
        yield Done(
            finish=FINISH.get(stop_reason or "", "other"),
            usage=usage(),
            stop_sequence=stop_sequence if stop_reason == "stop_sequence" else None,
            raw_stop_reason=stop_reason,
        )

    def _whole(
        self, body: str, content_type: str | None, request: ChatRequest
    ) -> list[Delta | Done]:
        """A complete, non-streamed message taken as the answer; anything else fails at once
        (a 200 that is not a stream is a mismatch a retry will not mend)."""
        ctx = self.context
        try:
            obj = json.loads(body)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and (obj.get("type") == "error" or obj.get("error")):
            raise ProviderError(
                f"{self.name}: the server answered 200 with an error: "
                f"{scrub(error_text(obj.get('error', obj)), ctx.key)}",
                status=200,
            )
        blocks = obj.get("content") if isinstance(obj, dict) else None
        if (
            not isinstance(obj, dict)
            or obj.get("type") != "message"
            or not isinstance(blocks, list)
        ):
            raise not_a_stream(ctx, content_type, body)
        text = "".join(
            str(b.get("text", ""))
            for b in blocks
            if isinstance(b, dict) and b.get("type") == "text"
        )
        if not self._told_not_streamed:
            self._told_not_streamed = True
            self.notify(f"{self.name}: the server sends whole messages, not streams")
        u = obj.get("usage")
        usage = (
            Usage(
                *(
                    int(u.get(key) or 0) if isinstance(u.get(key), int) else 0
                    for _, key in USAGE_KEYS
                )
            )
            if isinstance(u, dict)
            else estimated_usage(request, text)
        )
        stop_reason = obj.get("stop_reason") if isinstance(obj.get("stop_reason"), str) else None
        stop_sequence = obj.get("stop_sequence")
        return [
            *([Delta(text)] if text else []),
            Done(
                finish=FINISH.get(stop_reason or "", "other"),
                usage=usage,
                stop_sequence=stop_sequence if stop_reason == "stop_sequence" else None,
                raw_stop_reason=stop_reason,
            ),
        ]
