"""OpenAI Chat Completions, streaming with usage; also any OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator
from contextlib import AsyncExitStack
from typing import Any, Literal

from reasoning.events import Usage
from reasoning.providers.base import ChatRequest, Delta, Done, Finish, ProviderError, ProviderSpec
from reasoning.providers.endpoint import NO_KEY, Endpoint, drain, estimated_usage
from reasoning.providers.errors import (
    api_message,
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
from reasoning.providers.stops import StopScanner

# Reasoning models: max_completion_tokens, no temperature, no stop, system -> developer.
REASONING_MODEL = re.compile(r"^(?:[\w.-]+/)?(?:o1|o3|o4|gpt-5|gpt-6)(?:$|[-.])")
MAX_STOP = 4
FINISH: dict[str, Finish] = {"stop": "stop", "length": "length"}


def is_reasoning_model(model: str) -> bool:
    """o1/o3/o4/gpt-5 families (a provider prefix like `openai/` is allowed)."""
    return bool(REASONING_MODEL.match(model))


class OpenAIProvider(Endpoint):
    """OpenAI (or a compatible server) through the official SDK; SDK retries off, ours on."""

    kind: Literal["anthropic", "openai"] = "openai"

    def __init__(self, spec: ProviderSpec, **kw: Any) -> None:
        super().__init__(spec, **kw)
        flag = spec.extra.get("reasoning")
        self.reasoning = is_reasoning_model(spec.model) if flag is None else bool(flag)
        # Some compatible servers reject these; learnt on the first 400 and remembered.
        self.stream_options_ok = True
        self.json_mode_ok = True
        self._told_not_streamed = False

    def _make_client(self) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=self._key or NO_KEY,
            base_url=self.sdk_url,
            default_query=self.sdk_query or None,
            max_retries=0,
            timeout=self.timeout(openai),
        )

    def params(self, request: ChatRequest) -> dict[str, Any]:
        """The keyword arguments of chat.completions.create for one request."""
        messages: list[dict[str, str]] = []
        if request.system:
            messages.append(
                {"role": "developer" if self.reasoning else "system", "content": request.system}
            )
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        p: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if self.stream_options_ok:
            p["stream_options"] = {"include_usage": True}
        if self.reasoning:
            p["max_completion_tokens"] = request.max_tokens
        else:
            p["max_tokens"] = request.max_tokens
            if request.temperature is not None:
                p["temperature"] = request.temperature
            stops = [s for s in request.stop if s]
            if stops:
                p["stop"] = stops[:MAX_STOP]
        if request.json_mode and self.json_mode_ok:
            p["response_format"] = {"type": "json_object"}
        return p

    def _fallback(self, exc: Exception, params: dict[str, Any]) -> bool:
        """Drop an option the server rejected (once, remembered); False if nothing to drop."""
        message = api_message(exc).lower()
        if "stream_options" in params and "stream_options" in message:
            self.stream_options_ok = False
            self.notify(f"{self.name}: server rejects stream_options; usage may be unknown")
            return True
        if "response_format" in params and ("response_format" in message or "json" in message):
            self.json_mode_ok = False
            self.notify(f"{self.name}: server rejects JSON mode; continuing without it")
            return True
        return False

    async def _open(self, request: ChatRequest, stack: AsyncExitStack) -> Any:
        """The streamed HTTP response, after dropping options the server turned down.

        Sent with the SDK client's documented raw `post` (its auth, headers, errors and pool):
        `params` is already the wire JSON, and `chat.completions.create` would walk it against
        the typed parameters on every call, a cost that grows with the conversation.
        """
        import httpx2
        import openai

        while True:
            params = self.params(request)
            try:
                response = await self.client().post(
                    "/chat/completions", body=params, cast_to=httpx2.Response, stream=True
                )
                stack.push_async_callback(response.aclose)
                return response
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if not self._fallback(exc, params):
                    raise

    async def _attempt(self, request: ChatRequest) -> AsyncGenerator[Delta | Done, None]:
        import openai

        stops = [s for s in request.stop if s]
        # Stops the server will not honour (reasoning models, more than 4) are found here.
        scanner = (
            StopScanner(stops) if stops and (self.reasoning or len(stops) > MAX_STOP) else None
        )
        usage: Usage | None = None
        finish: str | None = None
        seen: list[str] = []
        tally = StreamTally()
        ctx = self.context
        try:
            async with AsyncExitStack() as stack:
                # The SDK makes the request and raises its status errors; the chunks are decoded
                # here with json.loads, several times cheaper than the SDK's per-chunk models.
                response = await self._open(request, stack)
                content_type = response.headers.get("content-type")
                if is_event_stream(content_type):
                    lines = response.aiter_lines()
                else:
                    # A server or proxy that ignores `stream: true`: one message, or a page.
                    body = await read_body(response.aiter_bytes())
                    if not looks_like_events(body):
                        for item in self._whole(body, content_type, request, scanner):
                            yield item
                        return
                    lines = lines_of(body)
                ended = False
                async for _event, data in sse_events(lines, tally):
                    if data.startswith("[DONE]"):
                        ended = True
                        break
                    chunk = json.loads(data)
                    if chunk.get("error"):
                        raise stream_error(chunk, ctx)
                    if chunk.get("usage"):
                        usage = _usage(chunk["usage"])
                    for choice in (chunk.get("choices") or [])[:1]:
                        text = (choice.get("delta") or {}).get("content")
                        if text:
                            seen.append(text)
                            out = scanner.feed(text) if scanner is not None else text
                            if out:
                                yield Delta(out)
                        if choice.get("finish_reason"):
                            finish = choice["finish_reason"]
                    if scanner is not None and scanner.hit is not None:
                        break  # closing the stream stops the generation
                if ended:
                    await drain(lines)  # so the connection goes back to the pool
        except Transient as transient:
            transient.usage = usage
            raise
        except ProviderError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Transient(
                f"malformed stream data ({type(exc).__name__})", label="bad stream", usage=usage
            ) from exc
        except Exception as exc:
            raise classify(exc, openai, ctx) from exc
        if scanner is not None and scanner.hit is not None:
            yield Done(
                finish="stop_sequence",
                usage=usage or estimated_usage(request, "".join(seen)),
                stop_sequence=scanner.hit,
                raw_stop_reason="stop_sequence (client-side)",
            )
            return
        if finish is None:
            if tally.lines and not tally.events:
                raise no_events(ctx, tally.lines)
            raise Transient("stream ended without finish_reason", label="cut stream", usage=usage)
        if scanner is not None and (rest := scanner.flush()):
            yield Delta(rest)
        yield Done(
            finish=FINISH.get(finish, "other"), usage=usage or Usage(), raw_stop_reason=finish
        )

    def _whole(
        self,
        body: str,
        content_type: str | None,
        request: ChatRequest,
        scanner: StopScanner | None,
    ) -> list[Delta | Done]:
        """A complete, non-streamed chat.completion taken as the answer; anything else fails
        at once (a 200 that is not a stream is a mismatch a retry will not mend)."""
        ctx = self.context
        try:
            obj = json.loads(body)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and obj.get("error"):
            raise ProviderError(
                f"{self.name}: the server answered 200 with an error: "
                f"{scrub(error_text(obj['error']), ctx.key)}",
                status=200,
            )
        choice = _first_choice(obj)
        message = choice.get("message") if choice is not None else None
        content = _text_of(message.get("content")) if isinstance(message, dict) else None
        if choice is None or content is None:
            raise not_a_stream(ctx, content_type, body)
        if not self._told_not_streamed:
            self._told_not_streamed = True
            self.notify(f"{self.name}: the server sends whole messages, not streams")
        u = obj.get("usage") if isinstance(obj, dict) else None
        usage = _usage(u) if isinstance(u, dict) else estimated_usage(request, content)
        if scanner is not None:
            out = scanner.feed(content)
            if scanner.hit is not None:
                return [
                    *([Delta(out)] if out else []),
                    Done("stop_sequence", usage, scanner.hit, "stop_sequence (client-side)"),
                ]
            content = out + scanner.flush()
        finish = choice.get("finish_reason")
        finish = finish if isinstance(finish, str) else "stop"
        return [
            *([Delta(content)] if content else []),
            Done(finish=FINISH.get(finish, "other"), usage=usage, raw_stop_reason=finish),
        ]


def _first_choice(obj: object) -> dict[str, Any] | None:
    choices = obj.get("choices") if isinstance(obj, dict) else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def _text_of(content: object) -> str | None:
    """Message content: a string, or a list of text parts; None when it is neither."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return None


def _usage(u: dict[str, Any]) -> Usage:
    """OpenAI's prompt_tokens include cached ones; like Anthropic, input_tokens excludes them."""
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    prompt = u.get("prompt_tokens") or 0
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=u.get("completion_tokens") or 0,
        cache_read_tokens=cached,
    )
