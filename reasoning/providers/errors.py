"""SDK exceptions turned into retryable failures or one-line messages fit for a user."""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from reasoning.providers.base import ProviderError
from reasoning.providers.retry import Transient

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
# Error types that Anthropic sends inside a 200 stream (`event: error`) and that are worth a retry.
RETRYABLE_TYPES = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
_KEYLIKE = re.compile(r"\b(sk-|sk_|gsk_|Bearer\s+)[A-Za-z0-9._\-]{6,}")
MAX_MESSAGE = 300
# A silent server costs a whole timeout per attempt: retry it once, not max_retries times.
TIMEOUT_RETRIES = 1


@dataclass(frozen=True)
class CallContext:
    """What an error message may mention: never the key itself (kept only to scrub it out)."""

    name: str
    model: str
    base_url: str | None
    key_env: str | None
    timeout_s: float
    key: str | None = field(default=None, repr=False)


def scrub(text: str, key: str | None) -> str:
    """One line, no key (nor anything that looks like one), bounded length."""
    if key:
        text = text.replace(key, "***")
    text = _KEYLIKE.sub(lambda m: m.group(1) + "***", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


_SECRET_PARAM = re.compile(r"key|token|secret|password|sig", re.IGNORECASE)


def public_url(url: str | None) -> str | None:
    """A URL fit to show or store: no password in it, no key-like query value."""
    if not url or ("@" not in url and "?" not in url):
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = f"{user.partition(':')[0]}:***@{host}" if ":" in user else f"***@{host}"
        query = urlencode(
            [
                (k, "***" if _SECRET_PARAM.search(k) else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="*",
        )
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:  # not a URL one can take apart: show none of it
        return "(a URL that cannot be read)"


def api_message(exc: BaseException) -> str:
    """The server's own explanation from an SDK status error, else the exception text."""
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            return err
    return str(getattr(exc, "message", None) or exc)


def error_type(exc: BaseException) -> str | None:
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and isinstance(err.get("type"), str):
            return err["type"]
    return None


def retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date), if present."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def classify(exc: BaseException, sdk: ModuleType, ctx: CallContext) -> Transient | ProviderError:
    """Map an exception from an SDK call or its stream to a Transient (retry) or a ProviderError."""
    import httpx2

    where = public_url(ctx.base_url) or "the default endpoint"
    if isinstance(exc, sdk.APITimeoutError | httpx2.TimeoutException):
        return Transient(
            f"no answer within {ctx.timeout_s:g} s from {where}",
            label="timeout",
            max_retries=TIMEOUT_RETRIES,
        )
    if isinstance(exc, sdk.APIConnectionError | httpx2.TransportError):
        cause = exc.__cause__ or exc
        detail = scrub(str(cause) or type(cause).__name__, ctx.key)
        return Transient(f"connection to {where} failed ({detail})", label="connection error")
    if isinstance(exc, sdk.APIStatusError):
        headers = getattr(getattr(exc, "response", None), "headers", None)
        status = int(getattr(exc, "status_code", 0) or 0)
        return status_failure(status, error_type(exc), api_message(exc), ctx, headers)
    return ProviderError(
        f"{ctx.name}: unexpected error: {scrub(f'{type(exc).__name__}: {exc}', ctx.key)}"
    )


def status_failure(
    status: int, etype: str | None, message: str, ctx: CallContext, headers: Any = None
) -> Transient | ProviderError:
    """An HTTP error status, or (status 0) an error event inside a stream, classified."""
    msg = scrub(message, ctx.key)
    if (
        status in (0, 200)
        or etype in RETRYABLE_TYPES
        or status in RETRYABLE_STATUS
        or status >= 500
    ):
        slow_down = True
        if etype == "overloaded_error" or status == 529:
            label, text = "overloaded (529)", "overloaded"
        elif status == 429 or etype == "rate_limit_error":
            label, text = "429", "rate limited (429)"
        elif status in (0, 200):
            label, text, slow_down = "stream error", "error in the stream", False
        else:
            label, text, slow_down = str(status), f"server error ({status})", False
        return Transient(
            f"{text}: {msg}" if msg else text,
            label=label,
            status=status or None,
            retry_after=retry_after(headers),
            slow_down=slow_down,
        )
    return ProviderError(_fatal_message(status, msg, ctx), status=status)


# Error types sent inside a stream that a retry or a continuation cannot mend (the request
# itself is refused: too long for the context, malformed, not allowed).
FATAL_TYPES = {
    "invalid_request_error",
    "exceed_context_size_error",
    "context_length_exceeded",
    "request_too_large",
    "authentication_error",
    "permission_error",
    "not_found_error",
}


def stream_error(payload: Any, ctx: CallContext) -> Transient | ProviderError:
    """An error object sent inside a stream (Anthropic `event: error`, OpenAI `{"error": ...}`):
    retryable (overloaded, a server error) or not (the request refused: its type, or an HTTP
    status in its `code` as llama-server sends, says so)."""
    err = payload.get("error", payload) if isinstance(payload, dict) else payload
    if not isinstance(err, dict):
        return status_failure(0, None, str(err), ctx)
    etype = err.get("type") if isinstance(err.get("type"), str) else None
    message = str(err.get("message") or etype or "unknown error")
    code = err.get("code")
    status = code if isinstance(code, int) and 400 <= code < 600 else 0
    refused = etype in FATAL_TYPES or (
        400 <= status < 500 and status not in RETRYABLE_STATUS and etype not in RETRYABLE_TYPES
    )
    if refused:
        return ProviderError(
            f"{ctx.name}: error in the stream: {scrub(message, ctx.key)}", status=status or None
        )
    return status_failure(status, etype, message, ctx)


def _fatal_message(status: int, msg: str, ctx: CallContext) -> str:
    n = ctx.name
    if status == 401:
        where = ctx.key_env or "the API key in the config file"
        return f"{n}: authentication failed (401): check {where}"
    if status == 403:
        return f"{n}: permission denied (403): {msg}"
    if status == 404:
        at = f" at {public_url(ctx.base_url)}" if ctx.base_url else ""
        return f"{n}: not found (404): is the model '{ctx.model}' available{at}? {msg}"
    if status == 402:
        return f"{n}: payment required (402): {msg}"
    return f"{n}: request rejected ({status}): {msg}"


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def error_text(err: object) -> str:
    """The message of an error object found in a response body."""
    if isinstance(err, dict):
        return str(err.get("message") or err.get("type") or err)
    return str(err)


def no_events(ctx: CallContext, lines: int) -> ProviderError:
    """A 200 under text/event-stream whose body held no server-sent event at all (bytes of
    something else): a permanent mismatch, not a stream cut short."""
    where = public_url(ctx.base_url) or "the default endpoint"
    return ProviderError(
        f"{ctx.name}: {where} answered 200 with text/event-stream but sent no server-sent"
        f" events ({lines} lines of something else): is the base URL an API endpoint?",
        status=200,
    )


def not_a_stream(ctx: CallContext, content_type: str | None, body: str) -> ProviderError:
    """A 200 whose body is neither an event stream nor a complete message: a permanent
    mismatch (a login page, a proxy's own answer, the wrong base URL), not worth a retry."""
    kind = (content_type or "no content type").split(";")[0].strip() or "no content type"
    said = m.group(1) if (m := _TITLE.search(body)) else _TAGS.sub(" ", body)
    said = scrub(said, ctx.key)[:120]
    where = public_url(ctx.base_url) or "the default endpoint"
    return ProviderError(
        f"{ctx.name}: {where} answered 200 with {kind}, not an event stream"
        + (f" ({said})" if said else "")
        + ": is the base URL an API endpoint?",
        status=200,
    )
