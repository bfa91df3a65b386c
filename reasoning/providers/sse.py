"""Server-sent events from the lines of a streamed HTTP response (the SSE wire format)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import NamedTuple


class ServerEvent(NamedTuple):
    event: str | None
    data: str


async def sse_events(lines: AsyncIterable[str]) -> AsyncIterator[ServerEvent]:
    """Events as they complete; an event not ended by a blank line is dropped, as SSE says."""
    event: str | None = None
    data: list[str] = []
    async for line in lines:
        if not line:
            if data or event is not None:
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
