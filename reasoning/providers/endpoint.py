"""What both providers share: the key, one SDK client per event loop, retries, notices."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import replace
from typing import Any, Literal

from reasoning.events import Usage
from reasoning.providers.base import (
    ChatRequest,
    Delta,
    Done,
    ProviderError,
    ProviderSpec,
    RetryScheduled,
)
from reasoning.providers.errors import CallContext
from reasoning.providers.retry import RetryPolicy, retrying
from reasoning.secrets import StreamRedactor, redact, remember, remember_url

CONNECT_TIMEOUT_S = 10.0
# How long to read on after a stream's terminal event, for the end of the HTTP body.
DRAIN_S = 0.1
# Sent when a server needs no key (Ollama, llama.cpp...): the SDKs refuse to run without one.
NO_KEY = "no-key"


def split_url(url: str) -> tuple[str, dict[str, str]]:
    """A base URL as the SDKs take it: without its query, which is sent with every request
    instead (`.../v1?api-version=...`: the SDKs append their paths to the whole URL, query and
    all, and so called a wrong path)."""
    from urllib.parse import parse_qsl, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(query="", fragment="")), query


def api_key_for(spec: ProviderSpec) -> str | None:
    """The key from the config file, else from the spec's environment variable."""
    if spec.api_key is not None:
        return spec.api_key.reveal()
    if spec.api_key_env:
        return os.environ.get(spec.api_key_env) or None
    return None


# Above this many tokens (estimated) a prompt is sent only once confirmed: the TUI asks, the
# command line wants --yes (a file pasted by mistake costs real money at every call).
LARGE_PROMPT_TOKENS = 20_000


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token) for when the server reports no usage."""
    return (len(text) + 3) // 4


def estimated_usage(request: ChatRequest, output: str) -> Usage:
    prompt = request.system + "".join(m.content for m in request.messages)
    return Usage(input_tokens=estimate_tokens(prompt), output_tokens=estimate_tokens(output))


async def drain(lines: AsyncIterator[str]) -> None:
    """Read the rest of a finished stream, briefly: HTTP/1.1 reuses a connection only once its
    body is read to the end, and a new connection costs a TLS handshake."""
    try:
        async with asyncio.timeout(DRAIN_S):
            async for _ in lines:
                pass
    except Exception:  # a timeout or a broken connection: the answer is complete anyway
        pass


async def redacted(
    items: AsyncIterator[Delta | Done | RetryScheduled],
) -> AsyncIterator[Delta | Done | RetryScheduled]:
    """The stream with every key this process holds taken out of the text (a server may echo
    one back), even a key split across deltas; error messages too."""
    guard = StreamRedactor()
    try:
        async with aclosing(items) as stream:  # type: ignore[type-var]
            async for item in stream:
                if isinstance(item, Delta):
                    text = guard.feed(item.text)
                    if text:
                        yield Delta(text)
                    continue
                if isinstance(item, RetryScheduled):
                    yield replace(item, error=redact(item.error))
                    continue
                if isinstance(item, Done):
                    rest = guard.flush()
                    if rest:
                        yield Delta(rest)
                yield item
    except ProviderError as exc:
        exc.message = redact(exc.message)
        exc.args = (exc.message,)
        rest = guard.flush()
        if rest:
            yield Delta(rest)
        raise


MAX_MODELS_LISTED = 1000
LIST_MODELS_TIMEOUT_S = 10.0


def _short(exc: Exception, key: str | None) -> str:
    """An SDK error as a short line: its status and the server's message, never a key."""
    from reasoning.providers.errors import api_message, scrub

    status = getattr(exc, "status_code", None)
    text = " ".join(scrub(api_message(exc), key).split())[:200] or type(exc).__name__
    return f"{status} {text}" if status else text


class Endpoint:
    """A configured model endpoint; subclasses make the client and one streaming attempt."""

    kind: Literal["anthropic", "openai"]

    def __init__(
        self,
        spec: ProviderSpec,
        *,
        on_notice: Callable[[str], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.model = spec.model
        self.base_url = spec.base_url
        # What the SDK client is given: the URL without its query, and the query apart.
        self.sdk_url: str | None = None
        self.sdk_query: dict[str, str] = {}
        if spec.base_url:
            self.sdk_url, self.sdk_query = split_url(spec.base_url)
        # Called with one line when a call is retried ("429 from openai, retrying in 2.0 s").
        self.on_notice = on_notice
        self._sleep = sleep
        self._key = api_key_for(spec)
        remember(self._key)
        remember_url(spec.base_url)
        self.policy = RetryPolicy(
            max_retries=max(0, spec.max_retries),
            base_s=float(spec.extra.get("retry_base_s", 0.5)),  # type: ignore[arg-type]
            max_wait_s=float(spec.extra.get("retry_max_wait_s", 60.0)),  # type: ignore[arg-type]
        )
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.model!r}, base_url={self.base_url!r})"

    @property
    def context(self) -> CallContext:
        return CallContext(
            self.name,
            self.model,
            self.base_url,
            self.spec.api_key_env,
            self.spec.timeout_s,
            self._key,
        )

    def client(self) -> Any:
        """The SDK client for the running loop (an httpx pool cannot be shared across loops)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = self._make_client()
            self._loop = loop
        return self._client

    async def prepare(self) -> None:
        """Build the SDK client for the running loop in a thread: its TLS context alone takes
        tens of milliseconds, which the first call would otherwise spend on the loop (the TUI's,
        the bench's)."""
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return
        client = await asyncio.to_thread(self._make_client)
        if self._client is None or self._loop is not loop:
            self._client, self._loop = client, loop

    def _make_client(self) -> Any:
        raise NotImplementedError

    async def list_models(self, limit: int = MAX_MODELS_LISTED) -> list[str]:
        """The model ids the endpoint offers (its models endpoint, through the SDK: OpenAI's
        and any compatible server's /v1/models, Ollama's included, or Anthropic's); raises
        ProviderError with one line if it cannot say."""
        from reasoning.providers.base import ProviderError

        async def collect() -> list[str]:
            ids: list[str] = []
            async for model in self.client().models.list():
                ids.append(str(model.id))
                if len(ids) >= limit:
                    break
            return ids

        try:
            return await asyncio.wait_for(collect(), LIST_MODELS_TIMEOUT_S)
        except TimeoutError:
            raise ProviderError(f"{self.name}: the model list did not come in time") from None
        except Exception as exc:
            raise ProviderError(
                f"{self.name}: cannot list models: {_short(exc, self._key)}"
            ) from None

    def _attempt(self, request: ChatRequest) -> AsyncGenerator[Delta | Done, None]:
        raise NotImplementedError

    def timeout(self, sdk: Any) -> Any:
        """Connect within 10 s; the read timeout bounds the silence between two chunks."""
        t = self.spec.timeout_s
        return sdk.Timeout(t, connect=min(CONNECT_TIMEOUT_S, t))

    def notify(self, message: str) -> None:
        if self.on_notice is not None:
            try:
                self.on_notice(message)
            except Exception:  # a broken UI callback must not break the call
                pass

    def stream(self, request: ChatRequest) -> AsyncIterator[Delta | Done | RetryScheduled]:
        """Deltas then one Done; ProviderError / StreamCut on failure (see retry.retrying)."""
        return redacted(
            retrying(
                lambda: self._attempt(request),
                name=self.name,
                policy=self.policy,
                notify=self.notify,
                sleep=self._sleep,
            )
        )

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()
