"""Models that ignore the protocol (untagged dcot, JSON-wrapped g1 answers) still end in a
gradable answer, marked as such: the engine through both protocols, the CLI and the store."""

from __future__ import annotations

import json

import pytest
from fakellm import Reply, careless_responder, last_user_text
from test_engine import PROTOCOLS, provider_for, run_all

from ponder.launch import main
from reasoning.events import RunSettings, StepFinished
from reasoning.paradigms.dcot import NO_PROTOCOL_TITLE
from reasoning.repetition import same_text as repeats

PLAIN = "Let me think. 12 times 12 is 144.\nThe answer to the question is 144."


@pytest.mark.parametrize("kind", PROTOCOLS)
@pytest.mark.parametrize("reinforce", ["self", "guided"])
async def test_an_untagged_message_is_the_answer_at_once(fake_llm, kind, reinforce, monkeypatch):
    fake_llm.responder = lambda body: Reply(PLAIN)
    events, r = await run_all(
        "What is 12*12?",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(reinforce=reinforce),
    )
    assert r.status == "done" and r.stop_reason == "no_protocol" and r.calls == 1
    assert r.answer == PLAIN  # no "Final answer:" line: the whole text, as direct takes it
    assert [s.kind for s in r.steps] == ["thinking", "answer"]
    assert r.steps[0].content == PLAIN and r.steps[1].title == NO_PROTOCOL_TITLE
    assert any(isinstance(e, StepFinished) and e.step.kind == "answer" for e in events)


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_final_answer_line_in_untagged_text_is_the_answer(fake_llm, kind, monkeypatch):
    fake_llm.responder = lambda body: Reply("12 * 12 = 144.\n\nFinal answer: 144")
    _, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.status == "done" and r.stop_reason == "no_protocol" and r.answer == "144"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_a_repeated_segment_stops_the_continuations(fake_llm, kind, monkeypatch):
    # Cut at max_tokens, and the continuation says the same thing again word for word.
    fake_llm.queue(Reply(PLAIN, finish="length"), Reply(PLAIN), Reply(PLAIN))
    _, r = await run_all("q", provider_for(fake_llm, kind, monkeypatch), RunSettings())
    assert r.status == "done" and r.stop_reason == "no_protocol"
    assert r.calls == 2  # not max_continuations + 1
    thinking = [s.content for s in r.steps if s.kind == "thinking"]
    assert thinking == [PLAIN, PLAIN]  # one step per segment, not the copies glued together
    assert r.answer == PLAIN


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_continued_untagged_segments_are_kept_apart(fake_llm, kind, monkeypatch):
    fake_llm.queue(
        Reply("First part of the reasoning", finish="length"),
        Reply("second part.", finish="length"),
        Reply("Final answer: 7"),
    )
    _, r = await run_all(
        "q", provider_for(fake_llm, kind, monkeypatch), RunSettings(max_continuations=2)
    )
    assert r.status == "done" and r.stop_reason == "no_protocol" and r.calls == 3
    assert [s.content for s in r.steps if s.kind == "thinking"] == [
        "First part of the reasoning",
        "second part.",
        "Final answer: 7",
    ]
    assert r.answer == "7"
    # The continuation request carries the text so far and asks to go on.
    assert "Continue" in last_user_text(fake_llm.chat_requests[1].body)


async def test_a_repeat_in_guided_mode_ends_the_run_as_a_repetition(fake_llm, monkeypatch):
    seg = "<step>I keep saying 5.</step><count>19</count><reflection>Fine.</reflection><reward>0.6"
    fake_llm.responder = lambda body: Reply(seg + "</reward>")
    _, r = await run_all(
        "q", provider_for(fake_llm, "openai", monkeypatch), RunSettings(reinforce="guided")
    )
    assert r.status == "done" and r.stop_reason == "repetition" and r.calls == 2
    assert r.answer == "I keep saying 5."


def test_repeats_is_word_for_word_or_nearly():
    long = " ".join(f"word{i}" for i in range(40))
    assert repeats("a b  c", "a b c") and repeats(long, long + " extra")
    assert not repeats("more 1", "more 2") and not repeats("x", None) and not repeats("", "")
    assert not repeats(long, " ".join(f"other{i}" for i in range(40)))


def test_cli_json_and_store_say_the_protocol_was_not_followed(fake_llm, monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    fake_llm.responder = careless_responder
    assert main(["solve", "What is 12*12?", "--model", "m", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["status"] == "done" and obj["stop_reason"] == "no_protocol"
    assert obj["answer"] and obj["steps"][-1]["kind"] == "answer"
    assert obj["steps"][-1]["title"] == NO_PROTOCOL_TITLE
    assert main(["runs", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert runs[0]["status"] == "done" and runs[0]["answer"] == obj["answer"]
    assert main(["show", str(obj["run_id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["stop_reason"] == "no_protocol"
    # Plain output names the mark too.
    assert main(["solve", "What is 12*12?", "--model", "m", "--no-store"]) == 0
    assert "no_protocol" in capsys.readouterr().out


# ---- g1 -----------------------------------------------------------------------------------

WRAPPED = [
    '{"title": "Final Answer", "content": "144", "next_action": "final_answer", "confidence": 0.95}',
    '```json\n{"title": "Final Answer", "content": "144"}\n```',
    '{"answer": "144", "confidence": 0.9}',
    '{"final_answer": "144", "content": "12 squared"}',
    '{"title": "Final Answer", "content": "144", "next_act',  # cut mid-way
    '{"step": {"title": "Final Answer", "content": "144"}}',  # nested
]


def g1_model(final: str, step: object = "12 times 12 is 144"):
    def respond(body):
        if "final answer now" in last_user_text(body).lower():
            return Reply(final)
        return Reply(json.dumps({"title": "Work", "content": step, "next_action": "final_answer"}))

    return respond


@pytest.mark.parametrize("kind", PROTOCOLS)
@pytest.mark.parametrize("final", WRAPPED)
async def test_g1_final_answer_wrapped_in_json_is_its_content(fake_llm, kind, final, monkeypatch):
    fake_llm.responder = g1_model(final)
    _, r = await run_all(
        "What is 12*12?",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="g1", min_steps=1),
    )
    assert r.status == "done" and r.stop_reason == "answer"
    assert r.answer == "144" and r.steps[-1].kind == "answer" and r.steps[-1].content == "144"


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_g1_step_content_as_a_list_or_object_is_readable(fake_llm, kind, monkeypatch):
    fake_llm.responder = careless_responder  # nested JSON steps, JSON-wrapped final answer
    _, r = await run_all(
        "What is 12*12?",
        provider_for(fake_llm, kind, monkeypatch),
        RunSettings(paradigm="g1", min_steps=2, max_steps=3),
    )
    assert r.status == "done" and r.stop_reason == "max_steps" and r.answer == "12"
    steps = [s for s in r.steps if s.kind in ("step", "reflection")]
    assert len(steps) == 3
    for s in steps:
        assert s.title == "Solve"
        assert "{" not in s.content and '"' not in s.content
        assert "- step: 1\n  description: Read the problem" in s.content


async def test_g1_step_cut_at_max_tokens_inside_nested_json_is_read(fake_llm, monkeypatch):
    nested = {"title": "Deep", "content": [{"a": "first"}, {"b": "second " + "x" * 400}]}

    def respond(body):
        if "final answer now" in last_user_text(body).lower():
            return Reply("Final answer: 5")
        return Reply(json.dumps(nested))

    fake_llm.responder = respond
    _, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(paradigm="g1", min_steps=1, max_steps=2, max_tokens=40),
    )
    assert r.status == "done" and r.answer == "5"
    first = r.steps[0]
    assert first.title == "Deep" and first.content.startswith("- a: first\n- b: second xxx")


async def test_g1_step_degenerating_into_a_pattern_is_stopped(fake_llm, monkeypatch):
    runaway = '{"title": "T", "content": "fine", "id": "' + "12" * 3000 + '"}'

    def respond(body):
        if "final answer now" in last_user_text(body).lower():
            return Reply("Final answer: 3")
        return Reply(runaway, chunk=4, delay=0.001)

    fake_llm.responder = respond
    events, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(paradigm="g1", min_steps=1, max_steps=1),
    )
    assert r.status == "done" and r.answer == "3" and r.steps[0].content == "fine"
    notices = [e.message for e in events if type(e).__name__ == "Notice"]
    assert any("kept repeating" in n for n in notices)
    assert fake_llm.disconnects >= 1  # the stream was closed, not read to its end


async def test_g1_without_a_single_json_step_says_no_protocol(fake_llm, monkeypatch):
    def respond(body):
        if "final answer now" in last_user_text(body).lower():
            return Reply("Final answer: 9")
        return Reply("I think it is 9, no JSON here.")

    fake_llm.responder = respond
    _, r = await run_all(
        "q",
        provider_for(fake_llm, "anthropic", monkeypatch),
        RunSettings(paradigm="g1", min_steps=1, max_steps=2),
    )
    assert r.status == "done" and r.stop_reason == "no_protocol" and r.answer == "9"


def test_the_g1_answer_is_one_string_in_json_store_and_csv(fake_llm, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-cli")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.base_url_anthropic)
    fake_llm.responder = g1_model(WRAPPED[0], step=[{"x": 1}])
    argv = ["solve", "What is 12*12?", "--paradigm", "g1", "--min-steps", "1", "--json"]
    assert main([*argv, "--model", "m"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["answer"] == "144" and obj["steps"][-1]["content"] == "144"
    assert obj["steps"][0]["content"] == "- x: 1"
    assert main(["show", str(obj["run_id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["answer"] == "144"
    csv_path = tmp_path / "runs.csv"
    assert main(["export", str(csv_path), "--what", "runs"]) == 0
    import csv

    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [row["answer"] for row in rows] == ["144"]
