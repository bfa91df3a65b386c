"""Providers keep their HTTP connections: one pool per provider, bodies read to the end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from reasoning.providers import build_provider
from reasoning.providers.base import ChatRequest, Delta, Done, Message, ProviderSpec

KINDS = ["openai", "anthropic"]


def _openai_events() -> list[bytes]:
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "Final answer: 4"}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 4}},
    ]
    return [f"data: {json.dumps(c)}\n\n".encode() for c in chunks] + [b"data: [DONE]\n\n"]


def _anthropic_events() -> list[bytes]:
    events = [
        ("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 5}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0}),
        (
            "content_block_delta",
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Final: 4"}},
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 4},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [f"event: {e}\ndata: {json.dumps(d)}\n\n".encode() for e, d in events]


@dataclass
class MiniServer:
    """A keep-alive HTTP/1.1 SSE server that counts connections; `hold` leaves bodies unended."""

    hold: bool = False
    connections: int = 0
    requests: int = 0
    port: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.decode("latin-1").split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                self.requests += 1
                events = _anthropic_events() if b"/v1/messages" in head else _openai_events()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\n\r\n"
                )
                for ev in events:
                    writer.write(f"{len(ev):x}\r\n".encode() + ev + b"\r\n")
                if not self.hold:
                    writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(server: MiniServer) -> AsyncIterator[MiniServer]:
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = srv.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        for w in server.writers:
            w.close()
        srv.close()


def provider(kind: str, port: int, timeout_s: float = 5.0) -> object:
    base = f"http://127.0.0.1:{port}" + ("/v1" if kind == "openai" else "")
    spec = ProviderSpec(
        kind=kind, name=kind, model="test-model", base_url=base, timeout_s=timeout_s
    )  # type: ignore[arg-type]
    return build_provider(spec)


REQUEST = ChatRequest(system="Be brief.", messages=(Message("user", "What is 2 + 2?"),))


async def call(p: object) -> tuple[str, Done]:
    text, done = [], None
    async for item in p.stream(REQUEST):  # type: ignore[attr-defined]
        if isinstance(item, Delta):
            text.append(item.text)
        elif isinstance(item, Done):
            done = item
    assert done is not None
    return "".join(text), done


@pytest.mark.parametrize("kind", KINDS)
async def test_calls_in_a_row_share_one_connection(kind: str) -> None:
    async with serving(MiniServer()) as server:
        p = provider(kind, server.port)
        for _ in range(5):
            text, done = await call(p)
            assert "4" in text and done.finish == "stop"
        await p.aclose()  # type: ignore[attr-defined]
    assert server.requests == 5
    assert server.connections == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_prepare_builds_the_client_in_a_thread_and_the_calls_use_it(kind: str) -> None:
    import threading

    async with serving(MiniServer()) as server:
        p = provider(kind, server.port)
        built_in: list[str] = []
        make = p._make_client  # type: ignore[attr-defined]

        def traced() -> object:
            built_in.append(threading.current_thread().name)
            return make()

        p._make_client = traced  # type: ignore[attr-defined]
        await p.prepare()  # type: ignore[attr-defined]
        await p.prepare()  # type: ignore[attr-defined]  # once per loop
        for _ in range(2):
            text, _done = await call(p)
            assert "4" in text
        await p.aclose()  # type: ignore[attr-defined]
    assert len(built_in) == 1 and built_in[0] != threading.main_thread().name
    assert server.requests == 2 and server.connections == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_concurrent_calls_reuse_the_pool(kind: str) -> None:
    async with serving(MiniServer()) as server:
        p = provider(kind, server.port)
        for _ in range(3):
            await asyncio.gather(*(call(p) for _ in range(4)))
        await p.aclose()  # type: ignore[attr-defined]
    assert server.requests == 12
    assert server.connections <= 4


@pytest.mark.parametrize("kind", KINDS)
async def test_a_body_left_open_after_the_terminal_event_does_not_hold_the_answer(
    kind: str,
) -> None:
    async with serving(MiniServer(hold=True)) as server:
        # A read timeout far beyond the test's own (pytest-timeout): waiting for the body's
        # end instead of answering would fail the test, however slow the machine.
        p = provider(kind, server.port, timeout_s=600.0)
        text, done = await call(p)
        assert "4" in text and done.finish == "stop" and done.usage.output_tokens == 4
        await p.aclose()  # type: ignore[attr-defined]
