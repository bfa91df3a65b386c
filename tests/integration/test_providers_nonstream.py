"""A 200 that is not an event stream: a whole JSON message is the answer, anything else fails at
once naming what came back. Either way the server sees exactly one request."""

from __future__ import annotations

import json

import pytest
from fakellm import Reply
from test_engine import PROTOCOLS, provider_for, run_all

from reasoning.events import RunSettings
from reasoning.providers.base import ChatRequest, Delta, Done, Message

HTML = (
    "<!doctype html><html><head><title>Sign in - Corporate Proxy</title></head>"
    "<body><form>...</form></body></html>"
)


async def collect(provider, request):
    return [item async for item in provider.stream(request)]


def ask(text: str = "hi", **kw) -> ChatRequest:
    return ChatRequest(system="", messages=(Message("user", text),), max_tokens=100, **kw)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_whole_message_for_a_streamed_request_is_the_answer(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("The answer is 144.", not_streamed=True))
    notices: list[str] = []
    provider = provider_for(fake_llm, kind, monkeypatch)
    provider.on_notice = notices.append
    items = await collect(provider, ask())
    assert [i.text for i in items if isinstance(i, Delta)] == ["The answer is 144."]
    done = items[-1]
    assert isinstance(done, Done) and done.finish == "stop"
    assert done.usage.input_tokens > 0 and done.usage.output_tokens == 5  # the server's figures
    assert len(fake_llm.chat_requests) == 1
    assert fake_llm.chat_requests[0].body["stream"] is True
    assert any("whole messages" in n for n in notices)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_whole_message_cut_at_max_tokens_says_length(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("x" * 1000, not_streamed=True))
    items = await collect(provider_for(fake_llm, kind, monkeypatch), ask())
    assert isinstance(items[-1], Done) and items[-1].finish == "length"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_an_html_page_fails_at_once_naming_the_content_type(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply(body=HTML)
    _, r = await run_all(
        "q", provider_for(fake_llm, kind, monkeypatch), RunSettings(paradigm="direct")
    )
    assert r.status == "failed" and r.stop_reason == "provider_error"
    assert "text/html" in (r.error or "") and "not an event stream" in (r.error or "")
    assert "Sign in - Corporate Proxy" in (r.error or "")
    assert len(fake_llm.chat_requests) == 1  # no retry: it would get the same page


@pytest.mark.parametrize("kind", PROTOCOLS)
@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        ('{"error": {"message": "model smollm3 not loaded"}}', "application/json", "not loaded"),
        ('{"object": "list", "data": []}', "application/json", "application/json"),
        ("", "text/plain", "text/plain"),
    ],
)
async def test_other_bodies_fail_at_once(fake_llm, kind, body, content_type, said, monkeypatch):
    fake_llm.responder = lambda _b: Reply(body=body, content_type=content_type)
    _, r = await run_all(
        "q", provider_for(fake_llm, kind, monkeypatch), RunSettings(paradigm="direct")
    )
    assert r.status == "failed" and said in (r.error or "")
    assert len(fake_llm.chat_requests) == 1


def _openai_events(text: str) -> str:
    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(end)}\n\ndata: [DONE]\n\n"


async def test_an_event_stream_under_another_content_type_is_read(fake_llm, monkeypatch):
    fake_llm.queue(Reply(body=_openai_events("streamed anyway"), content_type="text/plain"))
    items = await collect(provider_for(fake_llm, "openai", monkeypatch), ask())
    assert [i.text for i in items if isinstance(i, Delta)] == ["streamed anyway"]
    assert isinstance(items[-1], Done) and items[-1].finish == "stop"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_every_paradigm_runs_on_a_server_that_never_streams(fake_llm, kind, monkeypatch):
    from fakellm import demo_responder

    fake_llm.responder = lambda body: Reply(demo_responder(body).text, not_streamed=True)
    for settings in (
        RunSettings(paradigm="direct"),
        RunSettings(paradigm="dcot"),
        RunSettings(paradigm="dcot", reinforce="guided"),
        RunSettings(paradigm="g1", min_steps=2, max_steps=4),
    ):
        fake_llm.clear()
        fake_llm.responder = lambda body: Reply(demo_responder(body).text, not_streamed=True)
        _, r = await run_all("What is 6*7?", provider_for(fake_llm, kind, monkeypatch), settings)
        assert r.status == "done" and r.answer, (settings, r.error)
        assert r.calls == len(fake_llm.chat_requests)  # one request a call: no retries
