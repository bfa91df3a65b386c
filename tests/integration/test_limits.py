"""Bounded runs (SPEC §1, Limits): every run ends within its token, time and call limits, whatever
the server does, through the real SDKs against the fake server, both protocols."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sqlite3

import pytest
from cli_helpers import exit_code
from fakellm import FakeLLM, Reply, filler, last_user_text
from test_engine import PROTOCOLS, run_all

from graders.extract import final_answer
from ponder.launch import main
from reasoning.engine import solve
from reasoning.events import (
    CallFinished,
    CallRetried,
    Notice,
    RunSettings,
    TextDelta,
)
from reasoning.providers import build_provider
from reasoning.providers.base import ProviderSpec
from reasoning.session import chars_allowed


def provider(fake: FakeLLM, kind: str, monkeypatch: pytest.MonkeyPatch, timeout_s: float = 5.0):
    """A provider for the fake, with a short backoff (the waits are the policy's, scaled down)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    spec = ProviderSpec(
        kind=kind,  # type: ignore[arg-type]
        name=kind,
        model="test-model",
        base_url=fake.base_url_openai if kind == "openai" else fake.base_url_anthropic,
        api_key_env="OPENAI_API_KEY" if kind == "openai" else "ANTHROPIC_API_KEY",
        max_retries=3,
        timeout_s=timeout_s,
        extra={"retry_base_s": 0.02},
    )
    return build_provider(spec)


def streamed(events: list) -> str:
    return "".join(e.response_text for e in events if isinstance(e, CallFinished))


# ---- tokens ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_an_endless_stream_is_stopped_at_max_tokens(fake_llm, kind, monkeypatch):
    fake_llm.fault = "endless"
    fake_llm.responder = lambda body: Reply("Let me think about 2+2.")
    events, r = await run_all(
        "What is 2+2?",
        provider(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="direct", max_tokens=50, max_continuations=0),
    )
    assert r.status == "failed" and r.stop_reason == "max_tokens" and r.calls == 1
    text = streamed(events)
    assert chars_allowed(50) < len(text) <= chars_allowed(50) + 7  # one delta past the limit
    assert 0 < r.usage.output_tokens <= chars_allowed(50) // 4 + 2  # estimated, counted
    assert r.steps[0].content == text.strip()  # the text is kept
    assert any(isinstance(e, Notice) and "ran past max_tokens" in e.message for e in events)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_run_stops_at_its_output_budget(fake_llm, kind, monkeypatch):
    # A model that never ends a segment: each is continued until the budget is spent.
    more = iter(range(100))

    def respond(body):
        n = next(more)
        words = " ".join(f"x{n}y{i}" for i in range(100))
        return Reply(f"<step>Part {n}: {words}", finish="length")

    fake_llm.responder = respond
    events, r = await run_all(
        "q",
        provider(fake_llm, kind, monkeypatch),
        RunSettings(max_tokens=300, output_budget=500, max_continuations=10),
    )
    assert r.stop_reason == "output_budget" and r.status == "failed"
    assert r.usage.output_tokens == 500 and r.calls == 4
    # The last call asked only for what was left of the budget.
    asked = [json.loads(json.dumps(q.body)) for q in fake_llm.chat_requests]
    assert asked[-1]["max_tokens"] < 300


# ---- time --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_an_endless_stream_is_stopped_at_max_time_with_its_text_kept(
    fake_llm, kind, monkeypatch
):
    fake_llm.fault = "endless"
    fake_llm.responder = lambda body: Reply("Thinking.", chunk=20, delay=0.005)
    p = provider(fake_llm, kind, monkeypatch)
    await p.prepare()  # the SDK imported and its client built before the clock starts
    events, r = await run_all(
        "q", p, RunSettings(paradigm="direct", max_tokens=1_000_000, wall_time_s=1.0)
    )
    assert r.status == "failed" and r.stop_reason == "wall_time" and r.calls == 1
    text = streamed(events)
    assert text.startswith("Thinking. Still going, sentence 1.")
    # What streamed is kept: in the step shown and counted (estimated) in the usage.
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == text
    assert r.usage.output_tokens == -(-len(text) // 4)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_silent_server_fails_within_the_timeout(fake_llm, kind, monkeypatch):
    fake_llm.fault = "silent"
    fake_llm.responder = lambda body: Reply("never sent")
    events, r = await run_all(
        "q", provider(fake_llm, kind, monkeypatch, timeout_s=0.3), RunSettings(paradigm="direct")
    )
    assert r.status == "failed" and r.stop_reason == "timeout"
    assert "no answer within 0.3 s" in (r.error or "")
    # One retry of a timeout, not the provider's max_retries: two requests in all.
    assert len(fake_llm.chat_requests) == 2
    assert len([e for e in events if isinstance(e, CallRetried)]) == 1


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_server_silent_mid_stream_ends_the_run_with_timeout(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply("Working it out, the answer is", stall_after=12)
    events, r = await run_all(
        "q",
        provider(fake_llm, kind, monkeypatch, timeout_s=0.3),
        RunSettings(paradigm="g1", max_continuations=1),
    )
    assert r.status == "failed" and r.stop_reason == "timeout"
    assert len(fake_llm.chat_requests) == 2  # 1 + 1 retry of the step
    assert [s.content for s in r.steps] == ["Working it o"] * 2  # the partial text kept


# ---- retries of cut streams ----------------------------------------------------------------


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_cut_on_every_call_makes_one_plus_retries_requests_with_backoff(
    fake_llm, kind, monkeypatch
):
    fake_llm.fault = "cut"
    step = {"title": "T", "content": "Reasoning about it", "next_action": "continue"}
    fake_llm.responder = lambda body: Reply(json.dumps(step))
    events, r = await run_all(
        "q", provider(fake_llm, kind, monkeypatch), RunSettings(paradigm="g1", max_continuations=2)
    )
    assert r.status == "failed" and r.stop_reason == "cut"
    assert len(fake_llm.chat_requests) == 3  # the first step, tried 1 + 2 times; then the end
    waits = [e.message for e in events if isinstance(e, Notice) and "waiting" in e.message]
    assert len(waits) == 2  # each retry after the backoff of a 5xx
    assert all(s.title == "(cut)" and s.content for s in r.steps)  # the partial text kept


# ---- loops ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_repeating_stream_is_stopped_with_repetition(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply("24*6 = 144. So 24*6, " + "24*6, " * 2000)
    events, r = await run_all("What is 24*6?", provider(fake_llm, kind, monkeypatch), RunSettings())
    assert r.stop_reason == "repetition" and r.status == "done" and r.calls == 1
    assert len(streamed(events)) < 600  # 12,000 characters were on their way
    assert r.answer  # taken from the text


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_direct_stopped_in_a_loop_takes_its_answer_from_the_text(fake_llm, kind, monkeypatch):
    loop = "I am sure of it.\n" * 40
    fake_llm.responder = lambda body: Reply("12 * 12 = 144.\nFinal answer: 144\n" + loop)
    _, r = await run_all(
        "What is 12*12?",
        provider(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="direct"),
        extract=final_answer,
    )
    assert r.status == "done" and r.stop_reason == "repetition" and r.answer == "144"


def _g1(step_text):
    """A g1 model whose steps are `step_text(n)`, answering the final request in plain text."""
    count = {"n": 0}

    def respond(body):
        if "final answer now" in last_user_text(body).lower():
            return Reply("Final answer: 4")
        count["n"] += 1
        return Reply(step_text(count["n"]))

    return respond


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_stops_after_a_few_unreadable_steps(fake_llm, kind, monkeypatch):
    fake_llm.responder = _g1(lambda n: f"Prose, not JSON, part {n}: so x is {n}.")
    _, r = await run_all("q", provider(fake_llm, kind, monkeypatch), RunSettings(paradigm="g1"))
    assert r.status == "done" and r.stop_reason == "no_protocol"
    assert r.calls == 3  # not 41: three unreadable steps in a row, and no final-answer call
    assert r.steps[-1].kind == "answer" and r.answer


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_stops_after_steps_that_say_the_same_again(fake_llm, kind, monkeypatch):
    content = "We multiply twelve by twelve to get the product of the two numbers here."
    same = json.dumps({"title": "Multiply", "content": content, "next_action": "continue"})
    fake_llm.responder = _g1(lambda n: same)
    _, r = await run_all("q", provider(fake_llm, kind, monkeypatch), RunSettings(paradigm="g1"))
    assert r.status == "done" and r.stop_reason == "repetition" and r.calls == 3


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_final_answer_request_alternates_turns(fake_llm, kind, monkeypatch):
    fake_llm.responder = _g1(
        lambda n: json.dumps({"title": f"S{n}", "content": f"Idea {n}", "next_action": "continue"})
    )
    _, r = await run_all(
        "q",
        provider(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="g1", min_steps=1, max_steps=2),
    )
    assert r.status == "done" and r.stop_reason == "max_steps" and r.answer == "4"
    final = fake_llm.chat_requests[-1].body["messages"]
    roles = [m["role"] for m in final if m["role"] != "system"]
    assert all(a != b for a, b in itertools.pairwise(roles))  # never two in a row
    assert "final answer now" in last_user_text(fake_llm.chat_requests[-1].body).lower()


# ---- g1 while it streams ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_g1_step_in_prose_is_shown_as_it_streams(fake_llm, kind, monkeypatch):
    fake_llm.responder = _g1(lambda n: f"First I look at the problem, step {n}, then I compute.")
    events, _ = await run_all(
        "q", provider(fake_llm, kind, monkeypatch), RunSettings(paradigm="g1", max_steps=1)
    )
    shown = "".join(e.text for e in events if isinstance(e, TextDelta) and e.index == 1)
    assert shown == "First I look at the problem, step 1, then I compute."


async def test_the_engine_stops_at_max_tokens_through_solve_events(fake_llm, monkeypatch):
    """The call's own record says why it ended: stopped by the engine at max_tokens."""
    fake_llm.fault = "endless"
    fake_llm.responder = lambda body: Reply("x")
    events = [
        e
        async for e in solve(
            "q",
            provider(fake_llm, "openai", monkeypatch),
            RunSettings(paradigm="direct", max_tokens=20, max_continuations=0),
        )
    ]
    finished = [e for e in events if isinstance(e, CallFinished)]
    assert [e.stop_reason for e in finished] == ["length"]


# ---- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_env(request, fake_llm, monkeypatch):
    """The fake server reached through the SDKs' own environment, as a user's shell would."""
    if request.param == "openai":
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli")
        monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    else:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-cli")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.base_url_anthropic)
    fake_llm.responder = lambda body: Reply("Thinking it over.")
    return fake_llm


def solve_json(capsys, *flags: str) -> tuple[int, dict, str]:
    code = main(["solve", "What is 2+2?", "--paradigm", "direct", "--model", "m", "--json", *flags])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.parametrize("cli_env", PROTOCOLS, indirect=True)
def test_solve_stops_an_endless_stream_at_max_tokens(cli_env, capsys):
    cli_env.fault = "endless"
    calls = iter(range(100))
    # Each call's text its own: a continuation that says the same again ends the run at once.
    cli_env.responder = lambda body: Reply(filler(400, f"c{next(calls)}."))
    code, obj, _ = solve_json(capsys, "--max-tokens", "50")
    assert code == 1 and obj["status"] == "failed" and obj["stop_reason"] == "max_tokens"
    # The reply and its 3 continuations (the rule of every paradigm), each stopped there.
    assert obj["usage"]["calls"] == 4
    assert 0 < obj["usage"]["output_tokens"] <= 4 * (chars_allowed(50) // 4 + 2)


@pytest.mark.parametrize("cli_env", PROTOCOLS, indirect=True)
def test_solve_stops_an_endless_stream_at_max_time(cli_env, capsys):
    cli_env.fault = "endless"
    code, obj, _ = solve_json(capsys, "--max-tokens", "1000000", "--max-time", "1.5")
    assert code == 1 and obj["status"] == "failed" and obj["stop_reason"] == "wall_time"


@pytest.mark.parametrize("cli_env", PROTOCOLS, indirect=True)
def test_solve_timeout_ends_a_silent_server(cli_env, capsys):
    cli_env.fault = "silent"
    code, obj, err = solve_json(capsys, "--timeout", "0.3")
    assert code == 1 and obj["stop_reason"] == "timeout"
    assert "no answer within 0.3 s" in err


@pytest.mark.parametrize("cli_env", ["openai"], indirect=True)
def test_the_config_sets_the_timeout_and_max_time(cli_env, capsys, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_time_s = 900\ntimeout_s = 0.3\n")
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    cli_env.fault = "silent"
    code, obj, _ = solve_json(capsys)
    assert code == 1 and obj["stop_reason"] == "timeout"
    with sqlite3.connect(os.environ["PONDER_DB"]) as conn:
        (params,) = conn.execute(
            "select params from runs where id = ?", (obj["run_id"],)
        ).fetchone()
    assert json.loads(params)["wall_time_s"] == 900  # recorded with the run


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--max-time", "0"), ("--max-time", "soon"), ("--timeout", "-1"), ("--timeout", "inf")],
)
def test_limits_must_be_positive_seconds(flag, value, capsys):
    assert exit_code(["solve", "q", flag, value]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and flag in err


def test_a_bad_limits_table_is_one_line(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    config.write_text('[limits]\ntimeout_s = "fast"\n')
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert exit_code(["solve", "q", "--provider", "openai"]) == 2
    assert "[limits]: timeout_s must be a number of seconds" in capsys.readouterr().err


def test_bench_takes_the_limits_and_its_resume_line_keeps_them(tmp_path, monkeypatch):
    from ponder.cli.bench import plan_from_args, resume_command
    from ponder.cli.main import build_parser

    config = tmp_path / "config.toml"
    config.write_text("[limits]\nmax_time_s = 900\n")
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    args = build_parser().parse_args(["bench", "ponder-mixed", "--timeout", "20"])
    plan = plan_from_args(args)
    assert plan.settings.wall_time_s == 900 and plan.settings.timeout_s == 20
    assert "--timeout 20" in resume_command(args) and "--max-time" not in resume_command(args)


async def test_a_cancelled_g1_step_keeps_its_streamed_text_and_tokens(db, fake_llm, monkeypatch):
    from workbench.drive import Driver

    prose = " ".join(f"I look at part {i} of the problem." for i in range(200))
    fake_llm.responder = lambda body: Reply(prose, chunk=20, delay=0.002)
    seen: list[str] = []
    task: asyncio.Task | None = None

    def on_event(event, run_id):
        if isinstance(event, TextDelta):
            seen.append(event.text)
            if len("".join(seen)) >= 200 and task is not None:
                task.cancel()  # Esc, once some of the step is on screen

    driver = Driver(
        "q",
        provider(fake_llm, "openai", monkeypatch),
        RunSettings(paradigm="g1"),
        db=db,
        on_event=on_event,
    )
    task = asyncio.ensure_future(driver.run())
    with pytest.raises(asyncio.CancelledError):
        await task
    run = db.conn.execute("select status, output_tokens from runs").fetchone()
    step = db.conn.execute("select content from steps where idx = 1").fetchone()
    assert run[0] == "cancelled" and run[1] > 0  # the token estimate kept
    assert step[0].startswith("I look at part 0 of the problem.")  # the raw text kept


def test_config_show_says_the_limits_a_run_gets(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    config.write_text("[limits]\ntimeout_s = 20\n")
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    assert main(["config", "show"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("limits"))
    assert line == "limits       a run's wall time 1800 s, a call's wait for a byte 20 s ([limits])"
