"""The provider protocol: one streaming chat call, with typed outcomes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from reasoning.events import DEFAULT_TIMEOUT_S, Usage

Role = Literal["user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """One provider call. `system` is sent the provider's way (Anthropic: top-level field)."""

    system: str
    messages: tuple[Message, ...]
    max_tokens: int = 4096
    temperature: float | None = None
    stop: tuple[str, ...] = ()
    json_mode: bool = False
    # Mark the stable prefix (system + all but the last message) cacheable where supported.
    cache_prefix: bool = False

    def as_record(self) -> dict[str, object]:
        """The request as stored in the audit trail: messages and parameters, never a key."""
        return {
            "system": self.system,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": list(self.stop),
            "json_mode": self.json_mode,
            "cache_prefix": self.cache_prefix,
        }


@dataclass(frozen=True)
class Delta:
    """A piece of streamed text."""

    text: str


# finish: "stop" natural end, "stop_sequence" a stop string hit, "length" max_tokens reached.
Finish = Literal["stop", "stop_sequence", "length", "other"]


@dataclass(frozen=True)
class Done:
    """The provider's terminal event arrived: the stream is complete."""

    finish: Finish
    usage: Usage
    stop_sequence: str | None = None
    raw_stop_reason: str | None = None


@dataclass(frozen=True)
class RetryScheduled:
    """An attempt failed before any text and will be tried again after `wait_s` seconds."""

    status: int | None  # the HTTP status, None for a timeout or a broken connection
    error: str  # one line, fit to show
    elapsed_s: float  # how long the failed attempt took
    wait_s: float
    slow_down: bool = False  # a rate limit or an overload (429, 529, or such an in-stream error)


class ProviderError(Exception):
    """A provider call failed after its retries; `message` is fit to show a user, `timed_out`
    says the server sent nothing within the timeout on every try (stop reason `timeout`)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        status: int | None = None,
        timed_out: bool = False,
    ):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.timed_out = timed_out


class StreamCut(ProviderError):
    """The stream ended without the provider's terminal event: the text so far is partial.
    `timed_out`: the server went silent mid-way (for longer than the timeout)."""

    def __init__(self, message: str, *, partial_text: str, usage: Usage, timed_out: bool = False):
        super().__init__(message, retryable=True, timed_out=timed_out)
        self.partial_text = partial_text
        self.usage = usage


class Provider(Protocol):
    """A configured model endpoint. `stream` yields Delta items, then exactly one Done,
    or raises ProviderError / StreamCut. Retries of 429/5xx before any text are its own job:
    each one is announced by a RetryScheduled item, so that every attempt can be recorded."""

    name: str  # preset or kind name, e.g. "anthropic", "openai", "ollama"
    kind: Literal["anthropic", "openai"]
    model: str
    base_url: str | None
    on_notice: Callable[[str], None] | None  # told of retries ("429 from openai, retrying in 2 s")

    def stream(self, request: ChatRequest) -> AsyncIterator[Delta | Done | RetryScheduled]: ...

    async def aclose(self) -> None: ...


class Secret:
    """A key held in memory: repr() and str() never show it, and it is not JSON-serialisable."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass
class ProviderSpec:
    """How to build a provider: from CLI flags, presets in the config, and the environment."""

    kind: Literal["anthropic", "openai"]
    name: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    max_retries: int = 4
    timeout_s: float = DEFAULT_TIMEOUT_S  # the wait for the first byte, and for each next one
    extra: dict[str, object] = field(default_factory=dict)
    # A key from the config file; keys from the environment are read via api_key_env at build time.
    api_key: Secret | None = field(default=None, repr=False, compare=False)
