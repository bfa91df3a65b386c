"""Server-sent events from the lines of a streamed HTTP response (the SSE wire format), and how to
tell a 200 that is not an event stream (a JSON message, an HTML page) from one that is."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import NamedTuple


class ServerEvent(NamedTuple):
    event: str | None
    data: str


@dataclass
class StreamTally:
    """What a stream held: its lines, and the events made of them (none of many lines: a body
    under text/event-stream that is no event stream at all)."""

    lines: int = 0
    events: int = 0


async def sse_events(
    lines: AsyncIterable[str], tally: StreamTally | None = None
) -> AsyncIterator[ServerEvent]:
    """Events as they complete; an event not ended by a blank line is dropped, as SSE says."""
    event: str | None = None
    data: list[str] = []
    tally = tally if tally is not None else StreamTally()
    async for line in lines:
        tally.lines += 1
        if not line:
            if data or event is not None:
                tally.events += 1
                yield ServerEvent(event, "\n".join(data))
            event, data = None, []
            continue
        if line[0] == ":":  # a comment, e.g. a keep-alive
            continue
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value


# A body that is not an event stream is read whole, up to this size (a JSON message, a page).
MAX_BODY = 4 << 20


def is_event_stream(content_type: str | None) -> bool:
    return "text/event-stream" in (content_type or "").lower()


def looks_like_events(text: str) -> bool:
    """An event stream sent under another content type (some proxies say text/plain)."""
    return text.lstrip().startswith(("data:", "event:", ": "))


async def read_body(chunks: AsyncIterable[bytes], limit: int = MAX_BODY) -> str:
    """The body as text, at most `limit` bytes of it."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)[:limit].decode("utf-8", "replace")


async def lines_of(text: str) -> AsyncIterator[str]:
    """A body read whole, as the lines of a streamed one."""
    for line in text.splitlines():
        yield line
    yield ""
