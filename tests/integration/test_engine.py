"""The engine, end to end through the real SDKs against the fake server, for both protocols."""

from __future__ import annotations

import json

import pytest
from fakellm import FakeLLM, Reply, assistant_text, last_user_text

from reasoning.engine import solve
from reasoning.events import (
    CallFinished,
    CallStarted,
    RunFinished,
    RunResult,
    RunSettings,
    StepStarted,
    TextDelta,
)
from reasoning.providers import build_provider
from reasoning.providers.base import ProviderSpec

PROTOCOLS = ["openai", "anthropic"]

TRANSCRIPT = (
    "<thinking>We need x with 2x + 3 = 11.</thinking>\n"
    "<step>Subtract 3: 2x = 8.</step>\n<count>19</count>\n"
    "<step>Divide by 2: x = 4.</step>\n<count>18</count>\n"
    "<reflection>Check: 2*4 + 3 = 11. Correct.</reflection>\n<reward>0.9</reward>\n"
    "<answer>x = 4</answer>\n"
    "<reflection>Simple linear equation, verified by substitution.</reflection>\n<reward>0.95</reward>\n"
)


def provider_for(
    fake: FakeLLM, kind: str, monkeypatch: pytest.MonkeyPatch, timeout_s: float = 5.0, **extra
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    base = fake.base_url_openai if kind == "openai" else fake.base_url_anthropic
    spec = ProviderSpec(
        kind=kind,  # type: ignore[arg-type]
        name=kind,
        model="test-model",
        base_url=base,
        api_key_env="OPENAI_API_KEY" if kind == "openai" else "ANTHROPIC_API_KEY",
        max_retries=3,
        timeout_s=timeout_s,
        **extra,
    )
    return build_provider(spec)


async def run_all(prompt, provider, settings, **kw) -> tuple[list, RunResult]:
    events = [ev async for ev in solve(prompt, provider, settings, **kw)]
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert len(finished) == 1 and events[-1] is finished[0]
    return events, finished[0].result


def kinds(result: RunResult) -> list[str]:
    return [s.kind for s in result.steps]


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_dcot_clean_run_gives_steps_rewards_and_answer(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(TRANSCRIPT))
    events, r = await run_all(
        "Solve 2x + 3 = 11.", provider_for(fake_llm, kind, monkeypatch), RunSettings()
    )
    assert r.status == "done" and r.stop_reason == "answer"
    assert kinds(r) == ["thinking", "step", "step", "reflection", "answer", "final_reflection"]
    assert [s.budget_left for s in r.steps if s.kind == "step"] == [19, 18]
    assert r.steps[3].reward == 0.9 and r.steps[5].reward == 0.95
    assert r.answer == "x = 4" and r.final_reward == 0.95
    assert r.usage.input_tokens > 0 and r.usage.output_tokens > 0 and r.calls == 1
    # Text arrived in pieces, as deltas of the step that was open.
    opened = {e.index for e in events if isinstance(e, StepStarted)}
    assert {e.index for e in events if isinstance(e, TextDelta)} <= opened
    assert "".join(e.text for e in events if isinstance(e, TextDelta) and e.index == 2).strip() == (
        "Subtract 3: 2x = 8."
    )
    # The audit trail: one call with its request and the raw response.
    started = [e for e in events if isinstance(e, CallStarted)]
    done = [e for e in events if isinstance(e, CallFinished)]
    assert len(started) == len(done) == 1 and done[0].response_text == TRANSCRIPT
    assert "budget of 20 steps" in started[0].request["system"]


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_cut_stream_is_continued_not_taken_as_an_answer(fake_llm, kind, monkeypatch):
    head, tail = TRANSCRIPT[:120], TRANSCRIPT[120:]
    fake_llm.queue(Reply(head + "SHOULD NOT ARRIVE", cut_after=len(head)), Reply(tail))
    _, r = await run_all(
        "Solve 2x + 3 = 11.", provider_for(fake_llm, kind, monkeypatch), RunSettings()
    )
    assert r.status == "done" and r.answer == "x = 4" and r.calls == 2
    second = fake_llm.chat_requests[1].body
    assert head.rstrip() in assistant_text(second)
    assert "cut off" in last_user_text(second)
    assert all("SHOULD NOT ARRIVE" not in s.content for s in r.steps)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_length_finish_is_continued(fake_llm, kind, monkeypatch):
    head, tail = TRANSCRIPT[:150], TRANSCRIPT[150:]
    fake_llm.queue(Reply(head, finish="length"), Reply(tail))
    _, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.status == "done" and r.calls == 2 and r.final_reward == 0.95


async def test_no_answer_after_bounded_continuations_takes_the_answer_from_the_text(
    fake_llm, monkeypatch
):
    n = iter(range(1, 100))
    fake_llm.responder = lambda body: Reply(
        f"<step>Still thinking about it, part {next(n)}.</step><count>19</count>"
    )
    _, r = await run_all(
        "q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(max_continuations=2)
    )
    # Done, graded like any answer, and marked: the protocol was not followed.
    assert r.status == "done" and r.stop_reason == "no_protocol"
    assert r.answer == "Still thinking about it, part 3." and r.calls == 3
    assert [s.content for s in r.steps if s.kind == "step"] == [
        f"Still thinking about it, part {i}." for i in (1, 2, 3)
    ]
    assert r.steps[-1].kind == "answer" and "no <answer>" in (r.steps[-1].title or "")


async def test_no_text_at_all_still_fails_with_no_answer(fake_llm, monkeypatch):
    fake_llm.responder = lambda body: Reply("")
    _, r = await run_all(
        "q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(max_continuations=2)
    )
    assert r.status == "failed" and r.stop_reason == "no_answer" and r.answer is None
    assert r.calls == 3 and "continuations" in (r.error or "")


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_guided_reinforcement_stops_at_each_reward_and_answers_by_band(
    fake_llm, kind, monkeypatch
):
    segments = iter(
        [
            "<step>Try x = 3.</step><count>19</count><reflection>2*3+3 = 9, wrong.</reflection><reward>0.3</reward>",
            "<thinking>Backtrack: solve properly.</thinking><step>x = 4.</step><count>18</count>"
            "<reflection>Looks right.</reflection><reward>0.6</reward>",
            "<step>Check 2*4+3 = 11.</step><count>17</count><reflection>Verified.</reflection><reward>0.9</reward>",
            "<answer>4</answer><reflection>Done.</reflection><reward>0.9</reward>",
        ]
    )
    fake_llm.responder = lambda body: Reply(next(segments))
    _, r = await run_all(
        "Solve 2x+3=11", provider_for(fake_llm, kind, monkeypatch), RunSettings(reinforce="guided")
    )
    assert r.status == "done" and r.answer == "4" and r.final_reward == 0.9 and r.calls == 4
    feedback = [last_user_text(req.body) for req in fake_llm.chat_requests[1:]]
    assert (
        "Backtrack" in feedback[0]
        and "minor adjustments" in feedback[1]
        and "Continue" in feedback[2]
    )
    for req in fake_llm.chat_requests:
        stops = req.body.get("stop") or req.body.get("stop_sequences")
        assert stops == ["</reward>"]
    low = [s for s in r.steps if s.kind == "reflection" and s.reward == 0.3]
    assert low and low[0].backtrack


async def test_engine_enforces_the_step_budget(fake_llm, monkeypatch):
    many = "".join(f"<step>step {i}</step><count>{20 - i}</count>" for i in range(1, 30))
    fake_llm.queue(
        Reply(many), Reply("<answer>7</answer><reflection>ok</reflection><reward>0.7</reward>")
    )
    _, r = await run_all("q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(budget=5))
    assert r.status == "done" and r.answer == "7"
    assert sum(1 for s in r.steps if s.kind == "step") == 5
    assert [s.budget_left for s in r.steps if s.kind == "step"] == [4, 3, 2, 1, 0]
    assert "budget is used up" in last_user_text(fake_llm.chat_requests[1].body)
    assert "step 6" not in assistant_text(fake_llm.chat_requests[1].body)


async def test_max_steps_caps_a_model_that_never_stops(fake_llm, monkeypatch):
    # Blocks that differ (the same block again and again is a repetition, stopped sooner).
    text = "".join(f"<thinking>hmm, idea {i}</thinking>" for i in range(50))
    fake_llm.responder = lambda body: Reply(text)
    _, r = await run_all(
        "q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(max_steps=10)
    )
    assert r.status == "failed" and r.stop_reason == "max_steps" and len(r.steps) == 40


async def test_max_calls_and_wall_time_are_limits(fake_llm, monkeypatch):
    more = iter(range(100))
    fake_llm.responder = lambda body: Reply(f"<step>more {next(more)}</step>", finish="length")
    _, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(max_calls=2, max_continuations=10),
    )
    assert r.stop_reason == "max_calls" and r.calls == 2
    text = " ".join(f"slow{i}" for i in range(200))
    fake_llm.responder = lambda body: Reply(f"<step>{text}</step>", delay=0.01, chunk=5)
    provider = provider_for(fake_llm, "openai", monkeypatch)
    await provider.prepare()  # the SDK imported before the run's clock starts
    events, r = await run_all("q", provider, RunSettings(wall_time_s=0.3))
    assert r.stop_reason == "wall_time"  # before the 3 s stream could end
    got = "".join(e.response_text for e in events if isinstance(e, CallFinished))
    # Stopped early, yet what streamed is counted (estimated).
    assert r.usage.output_tokens == -(-len(got) // 4)


def g1_responder(final_at: int = 3):
    """A g1 model: JSON steps, trying to finish early at step `final_at`, then plain text."""
    count = {"n": 0}

    def respond(body):
        if "Give your final answer now" in last_user_text(body):
            return Reply("Putting it together, x = 4.\n\nFinal answer: 4")
        count["n"] += 1
        n = count["n"]
        action = "final_answer" if n >= final_at else "continue"
        step = {
            "title": f"Step {n}",
            "content": f"Reasoning {n}",
            "next_action": action,
            "confidence": 0.8,
        }
        text = json.dumps(step)
        if n == 2:
            text = "```json\n" + text[:-1] + ",}\n```"  # fenced, trailing comma
        return Reply(text)

    return respond


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_refuses_final_answer_before_min_steps_and_reflects_every_3(
    fake_llm, kind, monkeypatch
):
    fake_llm.responder = g1_responder(final_at=3)
    _, r = await run_all(
        "Solve 2x+3=11",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="g1", min_steps=5),
    )
    assert r.status == "done" and r.answer == "4"
    assert kinds(r) == ["step", "step", "step", "reflection", "step", "answer"]
    assert r.steps[1].title == "Step 2" and r.steps[1].content == "Reasoning 2"
    users = [last_user_text(q.body) for q in fake_llm.chat_requests]
    assert any("take at least 2 more" in u for u in users)
    assert any("Reflect on your reasoning" in u for u in users)
    if kind == "openai":
        assert fake_llm.chat_requests[0].body.get("response_format") == {"type": "json_object"}
    assert r.final_reward == 0.8


async def test_g1_max_steps_stops_a_model_that_never_finishes(fake_llm, monkeypatch):
    fake_llm.responder = g1_responder(final_at=10_000)
    _, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(paradigm="g1", min_steps=2, max_steps=6),
    )
    assert r.status == "done" and r.stop_reason == "max_steps" and r.answer == "4"
    assert len([s for s in r.steps if s.kind != "answer"]) == 6


async def test_g1_unreadable_step_keeps_raw_text_and_goes_on(fake_llm, monkeypatch):
    replies = iter(
        [
            "I refuse to write JSON today.",
            json.dumps({"title": "t", "content": "c", "next_action": "final_answer"}),
        ]
    )
    fake_llm.responder = lambda body: (
        Reply("Final answer: 1")
        if "final answer now" in last_user_text(body)
        else Reply(next(replies))
    )
    _, r = await run_all(
        "q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(paradigm="g1", min_steps=1)
    )
    assert r.status == "done" and r.steps[0].content == "I refuse to write JSON today."
    assert r.answer == "1"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_direct_is_one_call(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply("2x = 8 so x = 4.\n\nFinal answer: 4"))
    _, r = await run_all(
        "Solve 2x+3=11", provider_for(fake_llm, kind, monkeypatch), RunSettings(paradigm="direct")
    )
    assert r.status == "done" and r.answer == "4" and r.calls == 1 and kinds(r) == ["answer"]


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_rate_limit_then_success(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(status=429, retry_after=0.2), Reply(status=500), Reply(TRANSCRIPT))
    _, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.status == "done" and r.answer == "x = 4"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_provider_failure_is_a_failed_run_with_a_clear_message(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(status=401))
    events, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.status == "failed" and r.stop_reason == "provider_error"
    assert "401" in (r.error or "") and "sk-" not in (r.error or "")
    assert next(e.error for e in events if isinstance(e, CallFinished))


async def test_resume_continues_from_the_recorded_steps(fake_llm, monkeypatch):
    from reasoning.events import Step, Transcript

    done = [
        Step(1, "thinking", "We need x."),
        Step(2, "step", "2x = 8.", budget_left=19),
    ]
    fake_llm.queue(
        Reply(
            "<step>x = 4</step><count>18</count><answer>4</answer><reflection>ok</reflection><reward>0.8</reward>"
        )
    )
    events, r = await run_all(
        "Solve 2x+3=11",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(),
        transcript=Transcript("Solve 2x+3=11", done),
    )
    assert r.status == "done" and r.answer == "4"
    assert [s.index for s in r.steps] == [1, 2, 3, 4, 5]
    assert min(e.index for e in events if isinstance(e, StepStarted)) == 3
    sent = assistant_text(fake_llm.chat_requests[0].body)
    assert "<step>\n2x = 8.\n</step>" in sent and "<count>19</count>" in sent


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_model_text_with_markup_and_escapes_is_kept_verbatim_in_events(
    fake_llm, kind, monkeypatch
):
    nasty = "[bold]x[/] \x1b[31mred\x1b[0m \x1b]8;;file:///etc/passwd\x07link\x1b]8;;\x07"
    fake_llm.queue(Reply(f"<step>{nasty}</step><answer>1</answer>"))
    _, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.steps[0].content == nasty  # stored as written; sanitised only where it is shown


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_stream_that_goes_silent_is_cut_and_continued(fake_llm, kind, monkeypatch):
    head, tail = TRANSCRIPT[:100], TRANSCRIPT[100:]
    fake_llm.queue(Reply(head + "never sent", stall_after=len(head)), Reply(tail))
    provider = provider_for(fake_llm, kind, monkeypatch, timeout_s=0.5)
    _, r = await run_all("q", provider, RunSettings())
    assert r.status == "done" and r.answer == "x = 4" and r.calls == 2


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_server_that_never_answers_fails_on_the_read_timeout(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply(hang=True)
    provider = provider_for(fake_llm, kind, monkeypatch, timeout_s=0.3)
    _, r = await run_all("q", provider, RunSettings())
    assert r.status == "failed" and r.stop_reason == "timeout"
    assert "no answer within 0.3 s" in (r.error or "")


async def test_a_slow_server_is_waited_for(fake_llm, monkeypatch):
    fake_llm.queue(Reply(TRANSCRIPT, latency=0.3, delay=0.002))
    _, r = await run_all("q", provider_for(fake_llm, "anthropic", monkeypatch), RunSettings())
    assert r.status == "done" and r.final_reward == 0.95
