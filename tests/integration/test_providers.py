"""Both providers through the real SDKs against the fake server: streaming, usage, faults, shapes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fakellm import FakeLLM, Reply, count_tokens

from reasoning.events import Usage
from reasoning.providers import build_provider
from reasoning.providers.base import (
    ChatRequest,
    Delta,
    Done,
    Message,
    Provider,
    ProviderError,
    ProviderSpec,
    RetryScheduled,
    StreamCut,
)

KEY = "sk-test-SECRET-0123456789"
KINDS = ["anthropic", "openai"]


def make(
    fake: FakeLLM,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    model: str = "test-model",
    notices: list[str] | None = None,
    **kw: Any,
) -> Provider:
    monkeypatch.setenv("TEST_KEY", KEY)
    spec = ProviderSpec(
        kind=kind,  # type: ignore[arg-type]
        name=kind,
        model=model,
        base_url=fake.base_url_anthropic if kind == "anthropic" else fake.base_url_openai,
        api_key_env="TEST_KEY",
        max_retries=kw.pop("max_retries", 3),
        timeout_s=kw.pop("timeout_s", 5.0),
        extra={"retry_base_s": 0.01, **kw.pop("extra", {})},
    )
    return build_provider(spec, on_notice=None if notices is None else notices.append)


def ask(text: str = "What is 2 + 2?", **kw: Any) -> ChatRequest:
    return ChatRequest(
        system=kw.pop("system", "Be brief."), messages=(Message("user", text),), **kw
    )


async def collect(provider: Provider, request: ChatRequest) -> tuple[str, Done, list[str]]:
    deltas: list[str] = []
    done: list[Done] = []
    async for item in provider.stream(request):
        if isinstance(item, Delta):
            assert not done, "a Delta after Done"
            deltas.append(item.text)
        elif isinstance(item, Done):
            done.append(item)
        else:  # a retry, announced before any text
            assert isinstance(item, RetryScheduled) and not deltas and not done
    assert len(done) == 1
    return "".join(deltas), done[0], deltas


TEXT = "Two plus two is four. <answer>4</answer>"


# ---- streaming, usage, finish ----


@pytest.mark.parametrize("kind", KINDS)
async def test_streaming_text_arrives_in_order(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, chunk=3))
    text, done, deltas = await collect(make(fake_llm, kind, monkeypatch), ask())
    assert text == TEXT
    assert len(deltas) == len(range(0, len(TEXT), 3))
    assert done.finish == "stop"


@pytest.mark.parametrize("kind", KINDS)
async def test_usage_is_reported(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT))
    _, done, _ = await collect(make(fake_llm, kind, monkeypatch), ask("hi", system="sys"))
    assert done.usage == Usage(
        input_tokens=count_tokens("sys") + count_tokens("hi"), output_tokens=count_tokens(TEXT)
    )


async def test_anthropic_cache_prefix_marks_and_cache_tokens(fake_llm, monkeypatch):
    provider = make(fake_llm, "anthropic", monkeypatch)
    convo = (
        Message("user", "u" * 400),
        Message("assistant", "a" * 400),
        Message("user", "continue"),
    )
    request = ChatRequest(system="s" * 800, messages=convo, cache_prefix=True)
    fake_llm.queue("one", "two")
    _, first, _ = await collect(provider, request)
    _, second, _ = await collect(provider, request)
    body = fake_llm.chat_requests[0].body
    assert body["system"] == [
        {"type": "text", "text": "s" * 800, "cache_control": {"type": "ephemeral"}}
    ]
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "a" * 400, "cache_control": {"type": "ephemeral"}}
    ]
    assert body["messages"][0]["content"] == "u" * 400
    assert body["messages"][2]["content"] == "continue"
    prefix = count_tokens("s" * 800) + 2 * count_tokens("u" * 400)
    assert (first.usage.cache_write_tokens, first.usage.cache_read_tokens) == (prefix, 0)
    assert (second.usage.cache_write_tokens, second.usage.cache_read_tokens) == (0, prefix)
    assert second.usage.input_tokens == count_tokens("continue")


async def test_anthropic_without_cache_prefix_sends_plain_strings(fake_llm, monkeypatch):
    fake_llm.queue("x")
    await collect(make(fake_llm, "anthropic", monkeypatch), ask())
    body = fake_llm.chat_requests[0].body
    assert body["system"] == "Be brief."
    assert "cache_control" not in str(body)


async def test_openai_cached_tokens_become_cache_read(fake_llm, monkeypatch):
    provider = make(fake_llm, "openai", monkeypatch)
    fake_llm.queue("one", "two")
    await collect(provider, ask("first", system="s" * 400))
    _, done, _ = await collect(provider, ask("again", system="s" * 400))
    # OpenAI's prompt_tokens include the cached ones; Ponder's input_tokens do not.
    assert done.usage.cache_read_tokens == 100
    assert done.usage.input_tokens == count_tokens("again")


@pytest.mark.parametrize("kind", KINDS)
async def test_stop_sequence_ends_the_text_before_it(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("<reflection>ok</reflection><reward>0.8</reward><step>next"))
    request = ask(stop=("</reward>",))
    text, done, _ = await collect(make(fake_llm, kind, monkeypatch), request)
    assert text == "<reflection>ok</reflection><reward>0.8"
    if kind == "anthropic":
        assert (done.finish, done.stop_sequence) == ("stop_sequence", "</reward>")
    else:  # OpenAI reports a plain "stop" and does not say which string matched
        assert done.finish == "stop"
    sent = fake_llm.chat_requests[0].body
    assert sent.get("stop_sequences", sent.get("stop")) == ["</reward>"]


@pytest.mark.parametrize("kind", KINDS)
async def test_max_tokens_gives_length(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("word " * 100))
    text, done, _ = await collect(make(fake_llm, kind, monkeypatch), ask(max_tokens=10))
    assert done.finish == "length"
    assert len(text) == 40 and done.usage.output_tokens == 10


async def test_openai_temperature_sent_only_when_set(fake_llm, monkeypatch):
    provider = make(fake_llm, "openai", monkeypatch)
    fake_llm.queue("a", "b")
    await collect(provider, ask())
    await collect(provider, ask(temperature=0.3))
    first, second = (r.body for r in fake_llm.chat_requests)
    assert "temperature" not in first and second["temperature"] == 0.3


async def test_anthropic_never_sends_temperature_and_says_so_once(fake_llm, monkeypatch):
    # API 2026-10-21 (the SDK's version) refuses temperature, even 1.0; the fake enforces it.
    notices: list[str] = []
    provider = make(fake_llm, "anthropic", monkeypatch, notices=notices)
    fake_llm.queue("a", "b")
    await collect(provider, ask(temperature=0.3))
    await collect(provider, ask(temperature=0.3))
    assert all("temperature" not in r.body for r in fake_llm.chat_requests)
    assert notices == ["anthropic: the API takes no temperature; it was not sent"]


# ---- retries ----


@pytest.mark.parametrize("kind", KINDS)
async def test_429_waits_for_retry_after_then_succeeds(fake_llm, kind, monkeypatch):
    notices: list[str] = []
    fake_llm.queue(Reply(status=429, retry_after=0.4), Reply("ok"))
    text, _, _ = await collect(make(fake_llm, kind, monkeypatch, notices=notices), ask())
    assert text == "ok"
    assert notices == [f"429 from {kind}, retrying in {notices[0].split()[-2]} s"]
    assert 0.4 <= float(notices[0].split()[-2]) <= 0.5
    assert len(fake_llm.chat_requests) == 2


async def test_retry_after_ms_is_honoured(fake_llm, monkeypatch):
    fake_llm.queue(Reply(status=429, retry_after_ms=300), Reply("ok"))
    notices: list[str] = []
    await collect(make(fake_llm, "openai", monkeypatch, notices=notices), ask())
    assert 0.3 <= float(notices[0].split()[-2]) <= 0.33


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [500, 503, 529])
async def test_server_errors_are_retried(fake_llm, kind, status, monkeypatch):
    notices: list[str] = []
    fake_llm.queue(Reply(status=status), Reply(status=status), Reply("ok"))
    text, _, _ = await collect(make(fake_llm, kind, monkeypatch, notices=notices), ask())
    assert text == "ok" and len(notices) == 2
    assert ("overloaded" if status == 529 else str(status)) in notices[0]


@pytest.mark.parametrize("kind", KINDS)
async def test_exhausted_retries_give_a_clear_provider_error(fake_llm, kind, monkeypatch):
    fake_llm.queue(*[Reply(status=529, error="Overloaded")] * 3)
    with pytest.raises(ProviderError) as info:
        await collect(make(fake_llm, kind, monkeypatch, max_retries=2), ask())
    err = info.value
    assert not isinstance(err, StreamCut)
    assert err.message == f"{kind}: overloaded: Overloaded (gave up after 3 attempts)"
    assert err.retryable and err.status == 529
    assert len(fake_llm.chat_requests) == 3


async def test_retry_after_beyond_the_cap_fails_at_once(fake_llm, monkeypatch):
    fake_llm.queue(Reply(status=429, retry_after=3600), Reply("never"))
    with pytest.raises(ProviderError, match="asks to wait 3600 s"):
        await collect(make(fake_llm, "openai", monkeypatch), ask())
    assert fake_llm.pending == 1


async def test_backoff_grows_between_attempts(fake_llm, monkeypatch):
    notices: list[str] = []
    fake_llm.queue(*[Reply(status=500)] * 4, Reply("ok"))
    provider = make(
        fake_llm,
        "openai",
        monkeypatch,
        notices=notices,
        max_retries=4,
        extra={"retry_base_s": 0.04},
    )
    await collect(provider, ask())
    waits = [float(n.split()[-2]) for n in notices]
    # Exponential with jitter in [0.5, 1] x base * 2^n: each bound doubles.
    for n, w in enumerate(waits):
        assert 0.02 * 2**n - 0.05 <= w <= 0.04 * 2**n + 0.05


# ---- cut streams, timeouts ----


@pytest.mark.parametrize("kind", KINDS)
async def test_stream_without_terminal_event_is_a_stream_cut(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, cut_after=12))
    with pytest.raises(StreamCut) as info:
        await collect(make(fake_llm, kind, monkeypatch), ask())
    assert info.value.partial_text == TEXT[:12]
    assert "without" in info.value.message
    assert len(fake_llm.chat_requests) == 1  # text was streamed: the engine continues, no retry


@pytest.mark.parametrize("kind", KINDS)
async def test_connection_reset_mid_stream_is_a_stream_cut(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, cut_after=9, abort=True))
    with pytest.raises(StreamCut) as info:
        await collect(make(fake_llm, kind, monkeypatch), ask())
    assert info.value.partial_text == TEXT[:9]


@pytest.mark.parametrize("kind", KINDS)
async def test_cut_before_any_text_is_retried(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, cut_after=0), Reply("whole"))
    text, _, _ = await collect(make(fake_llm, kind, monkeypatch), ask())
    assert text == "whole"


async def test_anthropic_usage_survives_a_cut(fake_llm, monkeypatch):
    fake_llm.queue(Reply(TEXT, cut_after=5))
    with pytest.raises(StreamCut) as info:
        await collect(make(fake_llm, "anthropic", monkeypatch), ask("hi", system="sys"))
    assert info.value.usage.input_tokens == count_tokens("sys") + count_tokens("hi")


@pytest.mark.parametrize("kind", KINDS)
async def test_error_event_inside_the_stream(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, error_after=0), Reply(TEXT, error_after=6))
    with pytest.raises(StreamCut) as info:
        await collect(make(fake_llm, kind, monkeypatch), ask())
    assert info.value.partial_text == TEXT[:6]
    assert len(fake_llm.chat_requests) == 2  # the first (before any text) was retried


@pytest.mark.parametrize("kind", KINDS)
async def test_silent_server_fails_within_the_timeout(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(hang=True), Reply(hang=True), Reply("never asked"))
    provider = make(fake_llm, kind, monkeypatch, timeout_s=0.3, max_retries=4)
    with pytest.raises(ProviderError) as info:
        await collect(provider, ask())
    assert "no answer within 0.3 s" in info.value.message
    assert "gave up after 2 attempts" in info.value.message  # a timeout is retried only once
    assert fake_llm.pending == 1


@pytest.mark.parametrize("kind", KINDS)
async def test_server_that_stops_mid_stream_is_cut_by_the_read_timeout(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TEXT, stall_after=10))
    provider = make(fake_llm, kind, monkeypatch, timeout_s=0.3)
    with pytest.raises(StreamCut) as info:  # cut by the 0.3 s read timeout
        await collect(provider, ask())
    assert info.value.partial_text == TEXT[:10]


async def test_connection_refused_is_retried_then_reported(monkeypatch):
    with FakeLLM() as fake:
        provider = make(fake, "openai", monkeypatch, max_retries=1)
    # The server is gone now: nothing listens on its port.
    with pytest.raises(ProviderError) as info:
        await collect(provider, ask())
    assert info.value.message.startswith("openai: connection to http://127.0.0.1:")
    assert "gave up after 2 attempts" in info.value.message


@pytest.mark.parametrize("kind", KINDS)
async def test_cancelling_the_consumer_closes_the_http_stream(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("z" * 500, chunk=1, delay=0.01))
    provider = make(fake_llm, kind, monkeypatch)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(ask()):
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if fake_llm.disconnects:
            break
        await asyncio.sleep(0.02)
    assert fake_llm.disconnects == 1


# ---- non-retryable errors ----


@pytest.mark.parametrize("kind", KINDS)
async def test_401_gives_a_clear_message_without_the_key(fake_llm, kind, monkeypatch):
    # A server that echoes the key back in its error must not get it shown.
    fake_llm.queue(Reply(status=401, error=f"Incorrect API key provided: {KEY}"))
    with pytest.raises(ProviderError) as info:
        await collect(make(fake_llm, kind, monkeypatch), ask())
    assert info.value.message == f"{kind}: authentication failed (401): check TEST_KEY"
    assert info.value.status == 401 and not info.value.retryable
    assert len(fake_llm.chat_requests) == 1
    assert KEY not in str(info.value) and "SECRET" not in repr(info.value)


@pytest.mark.parametrize("kind", KINDS)
async def test_400_is_not_retried_and_is_one_line_without_the_key(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(status=400, error=f"bad\nthing with Bearer {KEY}"))
    with pytest.raises(ProviderError) as info:
        await collect(make(fake_llm, kind, monkeypatch), ask())
    msg = info.value.message
    assert msg.startswith(f"{kind}: request rejected (400): bad thing")
    assert "\n" not in msg and KEY not in msg
    assert len(fake_llm.chat_requests) == 1


async def test_404_names_the_model(fake_llm, monkeypatch):
    fake_llm.queue(Reply(status=404, error="model not found"))
    with pytest.raises(ProviderError) as info:
        await collect(make(fake_llm, "openai", monkeypatch, model="llama9"), ask())
    assert (
        "not found (404): is the model 'llama9' available at http://127.0.0.1" in info.value.message
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_the_key_is_sent_but_never_shown(fake_llm, kind, monkeypatch):
    fake_llm.queue("ok")
    provider = make(fake_llm, kind, monkeypatch)
    await collect(provider, ask())
    h = fake_llm.chat_requests[0].headers
    assert KEY in (h.get("x-api-key"), h.get("authorization", "").removeprefix("Bearer "))
    assert KEY not in repr(provider) and KEY not in repr(provider.spec)  # type: ignore[attr-defined]


# ---- request shapes ----


async def test_anthropic_merges_same_role_and_drops_empty_messages(fake_llm, monkeypatch):
    fake_llm.queue("ok")
    messages = (
        Message("user", "problem"),
        Message("assistant", ""),
        Message("user", "more detail"),
        Message("assistant", "partial answer  \n"),
    )
    request = ChatRequest(system="", messages=messages)
    await collect(make(fake_llm, "anthropic", monkeypatch), request)
    body = fake_llm.chat_requests[0].body
    assert body["messages"] == [
        {"role": "user", "content": "problem\n\nmore detail"},
        {"role": "assistant", "content": "partial answer"},
    ]
    assert "system" not in body  # an empty system prompt is not sent


@pytest.mark.parametrize(
    ("model", "prefill"),
    [
        ("claude-haiku-4-5", True),
        ("claude-3-5-haiku-20241022", True),
        ("claude-sonnet-4-20250514", True),
        ("claude-sonnet-4-6", False),
        ("claude-opus-4-8", False),
        ("claude-fable-5", False),
        ("test-model", True),
    ],
)
async def test_anthropic_continuation_uses_prefill_only_where_allowed(
    fake_llm, model, prefill, monkeypatch
):
    fake_llm.queue("ok")
    request = ChatRequest(
        system="s", messages=(Message("user", "q"), Message("assistant", "half an answer "))
    )
    await collect(make(fake_llm, "anthropic", monkeypatch, model=model), request)
    messages = fake_llm.chat_requests[0].body["messages"]
    if prefill:
        assert messages[-1] == {"role": "assistant", "content": "half an answer"}
    else:  # Claude 4.6+ refuses a prefill: the partial answer is followed by a request to go on
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]
        assert messages[-1]["content"].startswith("Continue exactly where")


async def test_anthropic_conversation_starting_with_assistant_gets_a_user_turn(
    fake_llm, monkeypatch
):
    fake_llm.queue("ok")
    request = ChatRequest(system="s", messages=(Message("assistant", "so far"),))
    await collect(make(fake_llm, "anthropic", monkeypatch), request)
    assert [m["role"] for m in fake_llm.chat_requests[0].body["messages"]] == ["user", "assistant"]


async def test_openai_plain_model_parameters(fake_llm, monkeypatch):
    fake_llm.queue("ok")
    await collect(make(fake_llm, "openai", monkeypatch, model="gpt-4o-mini"), ask(stop=("a", "b")))
    body = fake_llm.chat_requests[0].body
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["max_tokens"] == 4096 and "max_completion_tokens" not in body
    assert body["stream_options"] == {"include_usage": True}
    assert body["stop"] == ["a", "b"]


@pytest.mark.parametrize("model", ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3"])
async def test_reasoning_models_get_their_parameter_rules(fake_llm, model, monkeypatch):
    fake_llm.queue("ok")
    request = ask(temperature=0.7, stop=("</reward>",), max_tokens=500)
    await collect(make(fake_llm, "openai", monkeypatch, model=model), request)
    body = fake_llm.chat_requests[0].body
    assert body["messages"][0]["role"] == "developer"
    assert body["max_completion_tokens"] == 500
    assert "max_tokens" not in body and "temperature" not in body and "stop" not in body


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4.1-mini", "llama3.1", "o1ne"])
async def test_other_models_are_not_reasoning_models(fake_llm, model, monkeypatch):
    fake_llm.queue("ok")
    await collect(make(fake_llm, "openai", monkeypatch, model=model), ask(temperature=0.5))
    body = fake_llm.chat_requests[0].body
    assert body["messages"][0]["role"] == "system" and body["temperature"] == 0.5


async def test_reasoning_model_stops_are_found_client_side(fake_llm, monkeypatch):
    fake_llm.queue(Reply("<step>one</step><reward>0.7</reward><step>two</step>", chunk=4))
    provider = make(fake_llm, "openai", monkeypatch, model="o3")
    text, done, _ = await collect(provider, ask(stop=("</reward>",)))
    assert text == "<step>one</step><reward>0.7"
    assert (done.finish, done.stop_sequence) == ("stop_sequence", "</reward>")
    assert done.usage.output_tokens > 0  # estimated: the stream was closed before its usage


async def test_more_than_four_stops_are_all_honoured(fake_llm, monkeypatch):
    fake_llm.queue(Reply("alpha beta gamma FIFTH delta"))
    stops = ("s1", "s2", "s3", "s4", "FIFTH")
    text, done, _ = await collect(make(fake_llm, "openai", monkeypatch), ask(stop=stops))
    assert fake_llm.chat_requests[0].body["stop"] == ["s1", "s2", "s3", "s4"]
    assert text == "alpha beta gamma " and done.stop_sequence == "FIFTH"


async def test_json_mode_sends_response_format(fake_llm, monkeypatch):
    fake_llm.queue('{"title": "t"}')
    await collect(make(fake_llm, "openai", monkeypatch), ask("Reply in JSON.", json_mode=True))
    assert fake_llm.chat_requests[0].body["response_format"] == {"type": "json_object"}


async def test_server_rejecting_stream_options_is_retried_without_and_remembered(
    fake_llm, monkeypatch
):
    fake_llm.reject_stream_options = True
    notices: list[str] = []
    provider = make(fake_llm, "openai", monkeypatch, notices=notices)
    fake_llm.queue("one", "two")
    assert (await collect(provider, ask()))[0] == "one"
    assert (await collect(provider, ask()))[0] == "two"
    sent = ["stream_options" in r.body for r in fake_llm.chat_requests]
    assert sent == [True, False, False]
    assert notices == ["openai: server rejects stream_options; usage may be unknown"]


async def test_server_rejecting_json_mode_is_retried_without(fake_llm, monkeypatch):
    fake_llm.reject_json_mode = True
    fake_llm.queue('{"a": 1}')
    text, _, _ = await collect(
        make(fake_llm, "openai", monkeypatch), ask("JSON please", json_mode=True)
    )
    assert text == '{"a": 1}'
    assert ["response_format" in r.body for r in fake_llm.chat_requests] == [True, False]


async def test_notice_callback_that_raises_does_not_break_the_call(fake_llm, monkeypatch):
    def broken(_: str) -> None:
        raise RuntimeError("ui gone")

    provider = make(fake_llm, "openai", monkeypatch)
    provider.on_notice = broken  # type: ignore[attr-defined]
    fake_llm.queue(Reply(status=500), Reply("ok"))
    assert (await collect(provider, ask()))[0] == "ok"


def test_a_provider_works_from_two_event_loops(fake_llm, monkeypatch):
    provider = make(fake_llm, "anthropic", monkeypatch)
    fake_llm.queue("one", "two")
    assert asyncio.run(collect(provider, ask()))[0] == "one"
    assert asyncio.run(collect(provider, ask()))[0] == "two"


@pytest.mark.parametrize("kind", KINDS)
async def test_concurrent_streams_share_one_provider(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply(
        f"answer to {body['messages'][-1]['content']}", delay=0.01
    )
    provider = make(fake_llm, kind, monkeypatch)
    texts = await asyncio.gather(*(collect(provider, ask(f"q{i}")) for i in range(20)))
    assert [t[0] for t in texts] == [f"answer to q{i}" for i in range(20)]
    await provider.aclose()
