"""The providers' pure parts: SSE decoding, client-side stop strings, retry waits, error text."""

from __future__ import annotations

import pytest

from reasoning.providers.errors import CallContext, retry_after, scrub, status_failure
from reasoning.providers.retry import RetryPolicy, Transient
from reasoning.providers.sse import ServerEvent, sse_events
from reasoning.providers.stops import StopScanner


async def decode(lines: list[str]) -> list[ServerEvent]:
    async def gen():
        for line in lines:
            yield line

    return [e async for e in sse_events(gen())]


@pytest.mark.parametrize(
    ("lines", "events"),
    [
        (["data: {}", ""], [ServerEvent(None, "{}")]),
        (["event: ping", "data: x", ""], [ServerEvent("ping", "x")]),
        (["data: a", "data: b", ""], [ServerEvent(None, "a\nb")]),
        ([": keep-alive", "", "data:tight", ""], [ServerEvent(None, "tight")]),
        (["data: one", "", "data: two"], [ServerEvent(None, "one")]),  # unterminated: dropped
        (["", "", "data: x", ""], [ServerEvent(None, "x")]),
        (["id: 7", "retry: 10", "data: x", ""], [ServerEvent(None, "x")]),
        (["data:  two spaces", ""], [ServerEvent(None, " two spaces")]),
    ],
)
async def test_sse_decoding(lines, events):
    assert await decode(lines) == events


@pytest.mark.parametrize(
    ("stops", "deltas", "emitted", "hit"),
    [
        (["</reward>"], ["<reward>0.8</rew", "ard> more"], "<reward>0.8", "</reward>"),
        (["</reward>"], ["<reward>0.8<", "/b> ok"], "<reward>0.8</b> ok", None),
        (["END"], ["E", "N", "D"], "", "END"),
        (["END", "STOP"], ["aSTOP bEND"], "a", "STOP"),
        (["xx"], ["ax", "bx", "xc"], "axb", "xx"),
        ([], ["plain"], "plain", None),
    ],
)
def test_stop_scanner_cuts_at_the_first_stop_across_deltas(stops, deltas, emitted, hit):
    s = StopScanner(stops)
    out = "".join(s.feed(d) for d in deltas)
    if s.hit is None:
        out += s.flush()
    assert (out, s.hit) == (emitted, hit)


def test_stop_scanner_holds_back_only_a_possible_match():
    s = StopScanner(["</reward>"])
    assert s.feed("abc</re") == "abc"
    assert s.feed("x") == "</rex"


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_headers(headers, seconds):
    assert retry_after(headers) == seconds


def test_retry_after_as_an_http_date(monkeypatch):
    import email.utils

    from reasoning.providers import errors

    now = 1_767_225_600.0  # a whole second, so the date's second is exact
    monkeypatch.setattr(errors.time, "time", lambda: now)  # the clock read as the header is
    when = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after({"retry-after": when}) == 30.0


def test_policy_honours_the_server_then_backs_off_with_jitter():
    p = RetryPolicy(max_retries=4, base_s=1.0, max_wait_s=10.0)
    assert 2.0 <= p.wait(0, 2.0) <= 2.2
    assert p.wait(0, 50.0) == 10.0
    for n in range(6):
        w = p.wait(n, None)
        assert min(10.0, 2**n) * 0.5 <= w <= min(10.0, 2**n)


CTX = CallContext(
    "openai", "gpt-4o", "https://api.example/v1", "OPENAI_API_KEY", 30.0, "sk-live-abcdef123456"
)


@pytest.mark.parametrize(
    ("status", "etype", "retryable", "text"),
    [
        (429, None, True, "rate limited (429): m"),
        (500, None, True, "server error (500): m"),
        (529, None, True, "overloaded: m"),
        (200, "overloaded_error", True, "overloaded: m"),
        (0, "api_error", True, "error in the stream: m"),
        (400, "invalid_request_error", False, "openai: request rejected (400): m"),
        (401, None, False, "openai: authentication failed (401): check OPENAI_API_KEY"),
        (403, None, False, "openai: permission denied (403): m"),
        (
            404,
            None,
            False,
            "openai: not found (404): is the model 'gpt-4o' available at https://api.example/v1? m",
        ),
    ],
)
def test_status_classification(status, etype, retryable, text):
    f = status_failure(status, etype, "m", CTX)
    assert isinstance(f, Transient) == retryable
    assert f.message == text


@pytest.mark.parametrize(
    ("status", "etype", "slow_down"),
    [
        (429, None, True),
        (529, None, True),
        (200, "overloaded_error", True),  # in the stream: no HTTP status to go by
        (0, "rate_limit_error", True),
        (500, None, False),
        (0, "api_error", False),
    ],
)
def test_a_rate_limit_or_overload_asks_to_slow_down(status, etype, slow_down):
    f = status_failure(status, etype, "m", CTX)
    assert isinstance(f, Transient) and f.slow_down == slow_down


@pytest.mark.parametrize(
    "raw",
    [
        "Incorrect API key provided: sk-live-abcdef123456.",
        "header was Bearer sk-live-abcdef123456",
        "some other key sk-proj-ZZZZZZZZZZZZ leaked",
    ],
)
def test_scrub_removes_keys_and_newlines(raw):
    out = scrub(raw + "\nsecond line", CTX.key)
    assert "abcdef123456" not in out and "ZZZZZZ" not in out and "\n" not in out


def test_scrub_bounds_the_length():
    assert len(scrub("x" * 5000, None)) == 300
