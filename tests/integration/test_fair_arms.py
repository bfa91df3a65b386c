"""Fair arms (SPEC §1): every paradigm under one continuation rule and one output budget, and a
reply that never came to its end is never taken as an answer. Through both wire protocols."""

from __future__ import annotations

import pytest
from fakellm import Reply, assistant_text
from test_engine import PROTOCOLS, provider_for, run_all

from reasoning.events import CallFinished, RunSettings, StepFinished

CUT_HEAD = "Working it out: 17 + 25 = 4"
TAIL = "2.\nFinal answer: 42"


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_reply_cut_at_max_tokens_is_continued_the_same_way_in_direct_and_dcot(
    fake_llm, kind, paradigm, monkeypatch
):
    fake_llm.queue(Reply(CUT_HEAD, finish="length"), Reply(TAIL))
    _, r = await run_all(
        "What is 17 + 25?",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm),  # type: ignore[arg-type]
    )
    assert r.status == "done" and r.calls == 2 and r.answer == "42"
    assert r.stop_reason == ("answer" if paradigm == "direct" else "no_protocol")
    assert CUT_HEAD in assistant_text(fake_llm.chat_requests[1].body)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [({"finish": "length"}, "max_tokens"), ({"cut_after": 30}, "cut")],
)
@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_run_whose_every_call_was_cut_fails_and_keeps_its_text(
    fake_llm, kind, paradigm, fault, reason, monkeypatch
):
    n = iter(range(1, 100))
    fake_llm.responder = lambda body: Reply(
        f"Working it out, part {next(n)}, the answer is nearly", **fault
    )
    events, r = await run_all(
        "q",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm, max_continuations=2),  # type: ignore[arg-type]
    )
    assert r.status == "failed" and r.stop_reason == reason and r.answer is None
    assert r.calls == 3 and "cut" in (r.error or "")
    kept = " ".join(e.step.content for e in events if isinstance(e, StepFinished))
    assert "Working it out, part 1" in kept and "part 3" in kept


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_reply_as_long_as_max_tokens_is_cut_whatever_the_server_says(
    fake_llm, kind, paradigm, monkeypatch
):
    # LiteLLM's Anthropic route: exactly max_tokens tokens, reported as end_turn / stop.
    fake_llm.queue(Reply(CUT_HEAD, finish="stop", usage={"output_tokens": 64}), Reply(TAIL))
    events, r = await run_all(
        "q",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm, max_tokens=64),  # type: ignore[arg-type]
    )
    assert r.status == "done" and r.calls == 2 and r.answer == "42"
    first = next(e for e in events if isinstance(e, CallFinished))
    assert first.stop_reason == "length"


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_an_error_event_that_refuses_the_request_is_stored_and_not_continued(
    fake_llm, kind, paradigm, monkeypatch
):
    fake_llm.queue(
        Reply(
            CUT_HEAD + " and more",
            error_after=len(CUT_HEAD),
            error="Context size has been exceeded.",
            error_status=400,
        )
    )
    events, r = await run_all(
        "q",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm),  # type: ignore[arg-type]
    )
    assert r.status == "failed" and r.stop_reason == "provider_error" and r.calls == 1
    assert len(fake_llm.chat_requests) == 1
    call = next(e for e in events if isinstance(e, CallFinished))
    assert "Context size has been exceeded" in (call.error or "")
    assert call.response_text == CUT_HEAD


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_retryable_error_event_mid_stream_is_stored_and_the_reply_continued(
    fake_llm, kind, paradigm, monkeypatch
):
    fake_llm.queue(
        Reply(CUT_HEAD + "XX", error_after=len(CUT_HEAD), error="Overloaded, try again"),
        Reply(TAIL),
    )
    events, r = await run_all(
        "q",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm),  # type: ignore[arg-type]
    )
    assert r.status == "done" and r.calls == 2 and r.answer == "42"
    first = next(e for e in events if isinstance(e, CallFinished))
    assert "Overloaded" in (first.error or "") and first.stop_reason == "cut"


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
async def test_continuations_stop_at_the_run_output_budget_the_same_for_every_paradigm(
    fake_llm, paradigm, monkeypatch
):
    n = iter(range(1, 100))
    fake_llm.responder = lambda body: Reply(
        f"Still working, part {next(n)}, of this long reply", finish="length"
    )
    _, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(paradigm=paradigm, max_tokens=10, output_budget=20),  # type: ignore[arg-type]
    )
    assert r.status == "failed" and r.stop_reason == "max_tokens" and r.calls == 2


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_guided_feedback_is_a_step_of_its_own_kind_streamed_between_the_models(
    fake_llm, kind, monkeypatch
):
    segments = iter(
        [
            "<step>Try x = 3.</step><count>19</count><reflection>Wrong.</reflection><reward>0.3</reward>",
            "<step>x = 4.</step><count>18</count><reflection>Right.</reflection><reward>0.9</reward>",
            "<answer>4</answer><reflection>Done.</reflection><reward>0.9</reward>",
        ]
    )
    fake_llm.responder = lambda body: Reply(next(segments))
    events, r = await run_all(
        "Solve 2x+3=11", provider_for(fake_llm, kind, monkeypatch), RunSettings(reinforce="guided")
    )
    assert [s.kind for s in r.steps] == [
        "step", "reflection", "feedback", "step", "reflection", "feedback", "answer",
        "final_reflection",
    ]  # fmt: skip
    feedback = [s for s in r.steps if s.kind == "feedback"]
    assert feedback[0].title == "Engine feedback: backtrack" and "Backtrack" in feedback[0].content
    assert feedback[1].title == "Engine feedback: continue"
    assert [s.index for s in r.steps] == list(range(1, 9))
    streamed = [e.step.kind for e in events if isinstance(e, StepFinished)]
    assert streamed.count("feedback") == 2
    # What the engine said is what the model was sent.
    assert feedback[0].content in fake_llm.chat_requests[1].last_user_text


PROSE = "17 + 25 = 42.\nFinal answer: 42\n\nI hope this final answer is clear."


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
def test_the_answer_is_read_from_prose_by_the_graders_extractor(
    fake_llm, kind, paradigm, monkeypatch, capsys
):
    import json

    from cli_helpers import exit_code

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    url = fake_llm.base_url_openai if kind == "openai" else fake_llm.base_url_anthropic
    fake_llm.queue(Reply(PROSE))
    argv = ["solve", "What is 17 + 25?", "--provider", kind, "--base-url", url, "--model", "m"]
    assert exit_code([*argv, "--paradigm", paradigm, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["answer"] == "42"
    assert run["stop_reason"] == ("answer" if paradigm == "direct" else "no_protocol")


@pytest.mark.parametrize("paradigm", ["direct", "dcot"])
@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_reply_cut_the_same_way_every_time_fails_in_both_arms(
    fake_llm, kind, paradigm, monkeypatch
):
    # A proxy that cuts every stream at the same place: the same partial text each time is
    # still text that never came to its end, not an answer ("Working it out, the answe").
    fake_llm.responder = lambda body: Reply("Working it out, the answer is 42", cut_after=25)
    events, r = await run_all(
        "q",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm=paradigm),  # type: ignore[arg-type]
    )
    assert r.status == "failed" and r.stop_reason == "cut" and r.answer is None
    kept = " ".join(e.step.content for e in events if isinstance(e, StepFinished))
    assert "Working it out, the answe" in kept
