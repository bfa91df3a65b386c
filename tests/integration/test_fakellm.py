"""The fake LLM server, driven through the real SDKs and raw HTTP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from fakellm import FakeLLM, Reply, count_tokens, dcot_transcript

KEY = "sk-test-0123456789abcdef"


def oai(fake: FakeLLM, timeout: float = 10.0) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key=KEY, base_url=fake.base_url_openai, max_retries=0, timeout=timeout
    )


def ant(fake: FakeLLM, timeout: float = 10.0) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(
        api_key=KEY, base_url=fake.base_url_anthropic, max_retries=0, timeout=timeout
    )


async def openai_stream(fake: FakeLLM, **kw: Any) -> list[Any]:
    params: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    params.update(kw)
    async with oai(fake) as client:
        stream = await client.chat.completions.create(**params)
        return [chunk async for chunk in stream]


async def anthropic_stream(fake: FakeLLM, **kw: Any) -> list[Any]:
    params: dict[str, Any] = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 1000,
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
    }
    params.update(kw)
    async with ant(fake) as client:
        stream = await client.messages.create(**params)
        return [ev async for ev in stream]


def openai_text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def anthropic_text(events: list[Any]) -> str:
    return "".join(e.delta.text for e in events if e.type == "content_block_delta")


TEXT = "The quick brown fox jumps over the lazy dog."


# ---- OpenAI protocol ----


async def test_openai_stream_text_arrives_in_order_in_chunks(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, chunk=5))
    chunks = await openai_stream(fake_llm)
    deltas = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert "".join(deltas) == TEXT
    assert all(len(d) == 5 for d in deltas[:-1])


async def test_openai_stream_ends_with_finish_reason_then_usage(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT))
    chunks = await openai_stream(fake_llm)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1].usage
    assert chunks[-1].choices == []
    assert usage.completion_tokens == count_tokens(TEXT)
    assert usage.prompt_tokens == count_tokens("hi")


async def test_openai_stream_without_include_usage_has_no_usage_chunk(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT))
    chunks = await openai_stream(fake_llm, stream_options=None)
    assert all(c.choices and c.usage is None for c in chunks)


async def test_openai_raw_stream_ends_with_done(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("ok"))
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True}
    async with httpx2.AsyncClient() as http:
        r = await http.post(
            f"{fake_llm.base_url_openai}/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {KEY}"},
        )
    lines = [line for line in r.text.splitlines() if line]
    assert r.headers["content-type"].startswith("text/event-stream")
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:])["choices"][0]["finish_reason"] == "stop"


async def test_openai_non_streaming(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT))
    async with oai(fake_llm) as client:
        c = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert c.choices[0].message.content == TEXT
    assert c.choices[0].finish_reason == "stop"
    assert c.usage is not None and c.usage.completion_tokens == count_tokens(TEXT)


async def test_openai_stop_sequence_cuts_before_it(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("<reward>0.8</reward> and more"))
    chunks = await openai_stream(fake_llm, stop=["</reward>", "zzz"])
    assert openai_text(chunks) == "<reward>0.8"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


async def test_openai_max_tokens_cuts_with_length(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("a" * 100))
    chunks = await openai_stream(fake_llm, max_tokens=5)
    assert openai_text(chunks) == "a" * 20
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].usage.completion_tokens == 5


async def test_openai_repeated_prefix_reports_cached_tokens(fake_llm: FakeLLM) -> None:
    system = {"role": "system", "content": "s" * 400}
    fake_llm.queue(Reply("one"), Reply("two"))
    first = await openai_stream(fake_llm, messages=[system, {"role": "user", "content": "q1"}])
    second = await openai_stream(fake_llm, messages=[system, {"role": "user", "content": "q2"}])
    assert first[-1].usage.prompt_tokens_details.cached_tokens == 0
    assert second[-1].usage.prompt_tokens_details.cached_tokens == 100


async def test_usage_override(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("x", usage={"input_tokens": 1234, "output_tokens": 56}))
    chunks = await openai_stream(fake_llm)
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (1234, 56)


async def test_finish_override(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("x", finish="content_filter"))
    chunks = await openai_stream(fake_llm)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "content_filter"


# ---- Anthropic protocol ----


async def test_anthropic_stream_event_sequence(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, chunk=10))
    events = await anthropic_stream(fake_llm)
    types = [e.type for e in events]
    assert types[:2] == ["message_start", "content_block_start"]
    assert types[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(types[2:-3]) == {"content_block_delta"}
    assert anthropic_text(events) == TEXT
    delta = events[-2]
    assert delta.delta.stop_reason == "end_turn"
    assert delta.usage.output_tokens == count_tokens(TEXT)
    assert events[0].message.usage.input_tokens == count_tokens("hi")


async def test_anthropic_stop_sequence_reported(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("step one</step> step two"))
    events = await anthropic_stream(fake_llm, stop_sequences=["</reward>", "</step>"])
    assert anthropic_text(events) == "step one"
    assert events[-2].delta.stop_reason == "stop_sequence"
    assert events[-2].delta.stop_sequence == "</step>"


async def test_anthropic_max_tokens(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("b" * 100))
    events = await anthropic_stream(fake_llm, max_tokens=3)
    assert anthropic_text(events) == "b" * 12
    assert events[-2].delta.stop_reason == "max_tokens"
    assert events[-2].usage.output_tokens == 3


async def test_anthropic_non_streaming(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT))
    async with ant(fake_llm) as client:
        m = await client.messages.create(
            model="claude-sonnet-4-6", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
        )
    assert m.content[0].text == TEXT
    assert m.stop_reason == "end_turn"


async def test_anthropic_cache_write_then_read(fake_llm: FakeLLM) -> None:
    system = [{"type": "text", "text": "s" * 400, "cache_control": {"type": "ephemeral"}}]
    fake_llm.queue(Reply("a"), Reply("b"))
    first = await anthropic_stream(fake_llm, system=system)
    second = await anthropic_stream(fake_llm, system=system)
    u1, u2 = first[0].message.usage, second[0].message.usage
    assert (u1.cache_creation_input_tokens, u1.cache_read_input_tokens, u1.input_tokens) == (
        100,
        0,
        1,
    )
    assert (u2.cache_creation_input_tokens, u2.cache_read_input_tokens, u2.input_tokens) == (
        0,
        100,
        1,
    )
    assert second[-2].usage.cache_read_input_tokens == 100


async def test_anthropic_cache_lookback_reads_the_previous_breakpoint(fake_llm: FakeLLM) -> None:
    """A conversation growing by two messages reads the prefix the previous call wrote."""
    cc = {"type": "ephemeral"}

    def msg(role: str, text: str, mark: bool = False) -> dict[str, Any]:
        block: dict[str, Any] = {"type": "text", "text": text}
        if mark:
            block["cache_control"] = cc
        return {"role": role, "content": [block]}

    fake_llm.queue(Reply("a"), Reply("b"))
    await anthropic_stream(
        fake_llm,
        messages=[msg("user", "u" * 40, True), msg("assistant", "a" * 40), msg("user", "q")],
    )
    events = await anthropic_stream(
        fake_llm,
        messages=[
            msg("user", "u" * 40),
            msg("assistant", "a" * 40),
            msg("user", "v" * 40, True),
            msg("assistant", "w" * 40),
            msg("user", "q"),
        ],
    )
    u = events[0].message.usage
    assert (u.cache_read_input_tokens, u.cache_creation_input_tokens) == (10, 20)


# ---- faults ----


async def test_429_carries_retry_after_headers(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(status=429, retry_after=1.5, retry_after_ms=1500))
    with pytest.raises(openai.RateLimitError) as info:
        await openai_stream(fake_llm)
    assert info.value.response.headers["retry-after"] == "1.5"
    assert info.value.response.headers["retry-after-ms"] == "1500"


@pytest.mark.parametrize(
    ("status", "error_type", "exc"),
    [
        (529, "overloaded_error", anthropic.OverloadedError),
        (500, "api_error", anthropic.InternalServerError),
        (503, "api_error", anthropic.ServiceUnavailableError),
        (429, "rate_limit_error", anthropic.RateLimitError),
    ],
)
async def test_anthropic_error_statuses_have_anthropic_shape(
    fake_llm: FakeLLM, status: int, error_type: str, exc: type[Exception]
) -> None:
    fake_llm.queue(Reply(status=status))
    with pytest.raises(exc) as info:
        await anthropic_stream(fake_llm)
    assert info.value.body["type"] == "error"  # type: ignore[attr-defined]
    assert info.value.body["error"]["type"] == error_type  # type: ignore[attr-defined]


async def test_faults_queued_ahead_of_a_good_reply(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(status=500), Reply("fine"))
    with pytest.raises(openai.InternalServerError):
        await openai_stream(fake_llm)
    assert openai_text(await openai_stream(fake_llm)) == "fine"


async def test_openai_cut_stream_has_no_finish_reason_nor_done(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, cut_after=10))
    chunks = await openai_stream(fake_llm)
    assert openai_text(chunks) == TEXT[:10]
    assert all(c.choices[0].finish_reason is None for c in chunks)


async def test_anthropic_cut_stream_has_no_message_stop(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, cut_after=10))
    events = await anthropic_stream(fake_llm)
    assert anthropic_text(events) == TEXT[:10]
    assert "message_stop" not in [e.type for e in events]


async def test_aborted_stream_raises_in_the_client(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, cut_after=10, abort=True))
    with pytest.raises((openai.APIConnectionError, httpx2.TransportError)):
        await openai_stream(fake_llm)


async def test_anthropic_error_event_mid_stream(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, error_after=7))
    with pytest.raises(anthropic.APIStatusError) as info:
        await anthropic_stream(fake_llm)
    assert info.value.body["error"]["type"] == "overloaded_error"  # type: ignore[attr-defined]


async def test_hang_makes_the_client_timeout_fire(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(hang=True))
    async with ant(fake_llm, timeout=0.3) as client:
        with pytest.raises(anthropic.APITimeoutError):
            await client.messages.create(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}], stream=True
            )


async def test_stall_mid_stream_trips_the_read_timeout(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply(TEXT, stall_after=8))
    got: list[str] = []
    async with oai(fake_llm, timeout=0.3) as client:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        with pytest.raises(openai.APITimeoutError):
            async for c in stream:
                got.append(c.choices[0].delta.content or "")
    assert "".join(got) == TEXT[:8]


async def test_latency_delays_the_first_byte(fake_llm: FakeLLM) -> None:
    """Told by the client's timeout, not a clock: with a long latency no byte comes before the
    client gives up; a reply that sets its own latency to none streams at once."""
    fake_llm.latency = 60.0
    fake_llm.queue(Reply("x"), Reply("y", latency=0.0))
    async with oai(fake_llm, timeout=0.3) as client:
        with pytest.raises(openai.APITimeoutError):
            await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}], stream=True
            )
    chunks = await openai_stream(fake_llm)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "y"


async def test_client_disconnect_is_counted(fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply("y" * 200, chunk=1, delay=0.01))
    async with oai(fake_llm) as client:
        stream = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for _ in stream:
            break
        await stream.close()
    for _ in range(100):
        if fake_llm.disconnects:
            break
        await asyncio.sleep(0.02)
    assert fake_llm.disconnects == 1


# ---- scripting and recording ----


async def test_responder_sees_the_request_body(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda body: f"echo: {body['messages'][-1]['content']}"
    assert (
        openai_text(await openai_stream(fake_llm, messages=[{"role": "user", "content": "ping"}]))
        == "echo: ping"
    )


async def test_queue_is_used_before_the_responder(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda body: Reply("from responder")
    fake_llm.queue("from queue")
    assert openai_text(await openai_stream(fake_llm)) == "from queue"
    assert openai_text(await openai_stream(fake_llm)) == "from responder"


async def test_requests_are_recorded_with_headers_and_body(fake_llm: FakeLLM) -> None:
    fake_llm.queue("a", "b")
    await openai_stream(fake_llm)
    await anthropic_stream(fake_llm, system="be brief")
    o, a = fake_llm.requests
    assert (o.protocol, o.path, o.headers["authorization"]) == (
        "openai",
        "/v1/chat/completions",
        f"Bearer {KEY}",
    )
    assert (a.protocol, a.path) == ("anthropic", "/v1/messages")
    assert KEY in (a.headers.get("x-api-key"), a.headers.get("authorization", "")[7:])
    assert a.body["system"] == "be brief" and a.system_text == "be brief"
    assert o.last_user_text == "hi"


async def test_no_reply_scripted_is_a_400_and_a_violation(fake_llm: FakeLLM) -> None:
    fake_llm.allow_violations = True
    with pytest.raises(openai.BadRequestError, match="no reply scripted"):
        await openai_stream(fake_llm)
    assert fake_llm.violations == ["no reply scripted (queue empty, no responder)"]


async def test_models_list_answers_in_openai_shape(fake_llm: FakeLLM) -> None:
    async with oai(fake_llm) as client:
        models = await client.models.list()
    assert [m.id for m in models.data] == ["fake-model"]


async def test_32_concurrent_streams(fake_llm: FakeLLM) -> None:
    fake_llm.responder = lambda body: Reply(
        body["messages"][0]["content"] * 10, chunk=4, delay=0.02
    )
    async with oai(fake_llm) as client:

        async def one(i: int) -> str:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": f"<{i}>"}], stream=True
            )
            return "".join([c.choices[0].delta.content or "" async for c in stream])

        texts = await asyncio.gather(*(one(i) for i in range(40)))
    assert texts == [f"<{i}>" * 10 for i in range(40)]
    assert fake_llm.peak_streams >= 32


# ---- request shape validation ----


async def raw_post(
    fake: FakeLLM, path: str, body: dict[str, Any], headers: dict[str, str]
) -> httpx2.Response:
    async with httpx2.AsyncClient() as http:
        return await http.post(f"{fake.base_url_anthropic}{path}", json=body, headers=headers)


ANT_HEADERS = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
GOOD_ANT = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("change", "headers", "expected"),
    [
        ({}, {"anthropic-version": "2023-06-01"}, "missing x-api-key"),
        ({}, {"x-api-key": KEY}, "missing anthropic-version"),
        ({"model": None}, ANT_HEADERS, "model: field required"),
        ({"max_tokens": 0}, ANT_HEADERS, "max_tokens: must be an integer > 0"),
        ({"messages": []}, ANT_HEADERS, "messages: must be a non-empty list"),
        (
            {"messages": [{"role": "assistant", "content": "x"}]},
            ANT_HEADERS,
            "roles must alternate",
        ),
        (
            {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
            ANT_HEADERS,
            "roles must alternate",
        ),
        (
            {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "b"}]},
            ANT_HEADERS,
            "'system' is not allowed",
        ),
        ({"messages": [{"role": "user", "content": ""}]}, ANT_HEADERS, "must be non-empty"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": " "}]}]},
            ANT_HEADERS,
            "must be non-empty",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a "},
                ]
            },
            ANT_HEADERS,
            "trailing whitespace",
        ),
        ({"system": [{"type": "text", "text": ""}]}, ANT_HEADERS, "must be non-empty"),
        ({"temperature": 1.0}, {**ANT_HEADERS, "anthropic-version": "2026-10-21"}, "Extra inputs"),
        (
            {
                "model": "claude-sonnet-4-6",
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ],
            },
            ANT_HEADERS,
            "prefilling the assistant message is not supported",
        ),
    ],
)
async def test_anthropic_malformed_requests_are_rejected(
    fake_llm: FakeLLM, change: dict[str, Any], headers: dict[str, str], expected: str
) -> None:
    fake_llm.allow_violations = True
    fake_llm.queue("never sent")
    body = {k: v for k, v in {**GOOD_ANT, **change}.items() if v is not None}
    r = await raw_post(fake_llm, "/v1/messages", body, headers)
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert expected in r.json()["error"]["message"]
    assert any(expected in v for v in fake_llm.violations)
    assert fake_llm.pending == 1


@pytest.mark.parametrize(
    ("change", "headers"),
    [
        ({}, ANT_HEADERS),
        ({}, {"authorization": f"Bearer {KEY}", "anthropic-version": "2026-10-21"}),
        ({"temperature": 0.5}, ANT_HEADERS),  # the 2023-06-01 API still took sampling parameters
        (
            {
                "model": "claude-sonnet-4-5",
                "messages": [
                    {"role": "user", "content": "q"},
                    {"role": "assistant", "content": "a"},
                ],
            },
            ANT_HEADERS,
        ),
    ],
)
async def test_well_formed_anthropic_request_has_no_violation(
    fake_llm: FakeLLM, change: dict[str, Any], headers: dict[str, str]
) -> None:
    fake_llm.queue("ok")
    r = await raw_post(fake_llm, "/v1/messages", {**GOOD_ANT, **change}, headers)
    assert r.status_code == 200 and fake_llm.violations == []


OAI_HEADERS = {"Authorization": f"Bearer {KEY}"}
GOOD_OAI = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    ("change", "headers", "expected"),
    [
        ({}, {}, "Authorization: Bearer"),
        ({"model": None}, OAI_HEADERS, "model: field required"),
        ({"messages": []}, OAI_HEADERS, "messages: must be a non-empty list"),
        ({"messages": [{"role": "tool", "content": "x"}]}, OAI_HEADERS, "unexpected role"),
        ({"stop": ["a", "b", "c", "d", "e"]}, OAI_HEADERS, "at most 4"),
        ({"stream_options": {"include_usage": True}}, OAI_HEADERS, "only allowed when stream"),
        ({"model": "o3-mini", "max_tokens": 10}, OAI_HEADERS, "'max_tokens' is not supported"),
        ({"model": "gpt-5", "temperature": 0.2}, OAI_HEADERS, "'temperature' must be the default"),
        ({"response_format": {"type": "json_object"}}, OAI_HEADERS, "must contain the word 'json'"),
    ],
)
async def test_openai_malformed_requests_are_rejected(
    fake_llm: FakeLLM, change: dict[str, Any], headers: dict[str, str], expected: str
) -> None:
    fake_llm.allow_violations = True
    body = {k: v for k, v in {**GOOD_OAI, **change}.items() if v is not None}
    r = await raw_post(fake_llm, "/v1/chat/completions", body, headers)
    assert r.status_code == 400
    assert expected in r.json()["error"]["message"]
    assert any(expected in v for v in fake_llm.violations)


async def test_server_traits_reject_stream_options(fake_llm: FakeLLM) -> None:
    fake_llm.reject_stream_options = True
    with pytest.raises(openai.BadRequestError, match="stream_options"):
        await openai_stream(fake_llm)
    assert fake_llm.violations == []


# ---- the dcot demo and the command line ----


def test_dcot_transcript_has_every_part() -> None:
    text = "".join(dcot_transcript("What is 6 times 7?"))
    for tag in ("thinking", "step", "count", "reflection", "reward", "answer"):
        assert f"<{tag}>" in text and f"</{tag}>" in text
    assert "<reward>0.4</reward>" in text  # a low reward, then a backtrack
    assert text.rstrip().endswith("<reward>0.9</reward>")
    assert "<count>19</count>" in text


async def test_dcot_demo_continues_after_a_stop_at_reward(fake_llm: FakeLLM) -> None:
    from fakellm import dcot_responder

    fake_llm.responder = dcot_responder
    first = openai_text(await openai_stream(fake_llm, stop=["</reward>"]))
    assert first.endswith("<reward>0.4")
    second = openai_text(
        await openai_stream(
            fake_llm,
            stop=["</reward>"],
            messages=[
                {"role": "user", "content": "What is 6 times 7?"},
                {"role": "assistant", "content": first + "</reward>"},
                {"role": "user", "content": "Low reward: backtrack."},
            ],
        )
    )
    assert second.startswith("<step>A different approach")


def test_command_line_serves_the_demo() -> None:
    script = Path(__file__).resolve().parents[1] / "support" / "fakellm.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--demo", "dcot", "--chunk", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY ")
        port = int(line.split()[1])
        client = openai.OpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        c = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Solve x + 1 = 3"}]
        )
        assert "<answer>" in (c.choices[0].message.content or "")
    finally:
        proc.terminate()
        assert proc.wait(5) == 0


def test_command_line_script_loops(tmp_path: Path) -> None:
    script_file = tmp_path / "replies.jsonl"
    script_file.write_text('{"text": "one"}\n{"text": "two", "chunk": 2}\n')
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve().parents[1] / "support" / "fakellm.py"),
            "--port",
            "0",
            "--script",
            str(script_file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().split()[1])
        client = openai.OpenAI(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
        got = [
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "q"}])
            .choices[0]
            .message.content
            for _ in range(3)
        ]
        assert got == ["one", "two", "one"]
    finally:
        proc.terminate()
        proc.wait(5)


def test_script_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="unknown Reply fields: colour"):
        Reply.from_json({"text": "x", "colour": "red"})


@pytest.mark.parametrize("paradigm", ["dcot", "g1", "direct"])
@pytest.mark.parametrize("reinforce", ["self", "guided"])
async def test_demo_drives_the_engine_to_an_answer(
    fake_llm: FakeLLM, paradigm: str, reinforce: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo served by `--demo dcot` is something the real engine parses for every paradigm."""
    from fakellm import DEMOS

    from reasoning.engine import solve
    from reasoning.events import RunFinished, RunSettings
    from reasoning.providers import build_provider
    from reasoning.providers.base import ProviderSpec

    if paradigm != "dcot" and reinforce == "guided":
        pytest.skip("guided reinforcement is a dcot mode")
    monkeypatch.setenv("DEMO_KEY", "k")
    fake_llm.responder = DEMOS["dcot"]
    spec = ProviderSpec(
        kind="openai",
        name="openai",
        model="m",
        base_url=fake_llm.base_url_openai,
        api_key_env="DEMO_KEY",
    )
    settings = RunSettings(paradigm=paradigm, reinforce=reinforce, min_steps=3)  # type: ignore[arg-type]
    events = [
        e async for e in solve("What is 6 times 7? It is 42.", build_provider(spec), settings)
    ]
    result = events[-1].result if isinstance(events[-1], RunFinished) else None
    assert result is not None and result.status == "done", result
    assert "42" in (result.answer or "")
    if paradigm != "direct":
        rewards = [s.reward for s in result.steps if s.reward is not None]
        assert min(rewards) < 0.5 and any(s.backtrack for s in result.steps)
