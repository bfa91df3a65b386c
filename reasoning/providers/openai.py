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
from reasoning.providers.errors import api_message, classify, stream_error
from reasoning.providers.retry import Transient
from reasoning.providers.sse import sse_events
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

    def _make_client(self) -> Any:
        import openai

        return openai.AsyncOpenAI(
            api_key=self._key or NO_KEY,
            base_url=self.base_url,
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
        ctx = self.context
        try:
            async with AsyncExitStack() as stack:
                # The SDK makes the request and raises its status errors; the chunks are decoded
                # here with json.loads, several times cheaper than the SDK's per-chunk models.
                response = await self._open(request, stack)
                lines = response.aiter_lines()
                ended = False
                async for _event, data in sse_events(lines):
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
            raise Transient("stream ended without finish_reason", label="cut stream", usage=usage)
        if scanner is not None and (rest := scanner.flush()):
            yield Delta(rest)
        yield Done(
            finish=FINISH.get(finish, "other"), usage=usage or Usage(), raw_stop_reason=finish
        )


def _usage(u: dict[str, Any]) -> Usage:
    """OpenAI's prompt_tokens include cached ones; like Anthropic, input_tokens excludes them."""
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    prompt = u.get("prompt_tokens") or 0
    return Usage(
        input_tokens=max(0, prompt - cached),
        output_tokens=u.get("completion_tokens") or 0,
        cache_read_tokens=cached,
    )
