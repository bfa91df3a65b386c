"""The judge is graded through the one grading path, and its calls go through the engine's Session:
`grade --judge --max-tokens/--max-time`, a judge that never ends its reply, a cut reply asked for
again, and the live line of the calls in flight."""

from __future__ import annotations

import io

import pytest
from cli_helpers import ponder
from fakellm import FakeLLM, Reply
from store_helpers import add_run, problem_id

from store.grades import grade_history
from store.problems import ensure_bundled

JUDGE = "gpt-4o-mini"
MARK = "<feedback>Fine.</feedback><points>6</points>"


@pytest.fixture
def db(db):
    ensure_bundled(db)
    return db


def proof_run(db, key: str = "3") -> int:
    return add_run(db, problem_id(db, "ponder-proofs", key), "QED", model="solver")


def llm_grades(db, run_id):
    return [g for g in grade_history(db, run_id) if g.grader == "llm"]


def max_tokens_sent(body: dict) -> int:
    return body.get("max_completion_tokens") or body.get("max_tokens")


def test_max_tokens_is_what_the_judge_asks_for(capsys, db, openai_env):
    run_id = proof_run(db)
    openai_env.queue(Reply(MARK))
    code, _, err = ponder(capsys, "grade", str(run_id), "--judge", "--model", JUDGE,
                          "--max-tokens", "77")  # fmt: skip
    assert (code, err) == (0, "")
    assert max_tokens_sent(openai_env.chat_requests[-1].body) == 77
    assert [g.points for g in llm_grades(db, run_id)] == [6]


@pytest.mark.parametrize(
    "flags",
    [("--max-tokens", "0"), ("--max-time", "0"), ("--max-time", "-3"), ("--max-time", "inf")],
)
def test_judge_limits_out_of_range_are_bad_usage(capsys, db, openai_env, flags):
    proof_run(db)
    code, _, err = ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE, *flags)
    assert code == 2 and flags[0] in err
    assert openai_env.chat_requests == []


def test_a_judge_reply_that_repeats_itself_is_stopped_and_needs_a_human(capsys, db, openai_env):
    run_id = proof_run(db)
    openai_env.queue(
        Reply("<feedback>" + "A careful reading. " * 80 + "</feedback><points>4</points>")
    )
    code, _, _ = ponder(capsys, "grade", str(run_id), "--judge", "--model", JUDGE)
    [g] = llm_grades(db, run_id)
    assert g.verdict == "needs_human" and "repetition" in g.note
    assert code == 1  # the only judge call failed


def test_an_endless_judge_reply_is_stopped_at_max_tokens_and_needs_a_human(capsys, db, openai_env):
    """A server that never ends the judge's reply: the engine stops it near max_tokens, the
    reply has no <points>, and the run waits for a person with the reason."""
    run_id = proof_run(db)
    openai_env.responder = lambda body: Reply("<feedback>Thinking", endless=True)
    code, out, _ = ponder(capsys, "grade", str(run_id), "--judge", "--model", JUDGE,
                          "--max-tokens", "60")  # fmt: skip
    assert code == 0
    [g] = llm_grades(db, run_id)
    assert g.verdict == "needs_human"
    assert "token limit" in g.note or "max_tokens" in g.note or "could not be read" in g.note
    assert len(openai_env.chat_requests) == 1  # stopped, not asked again


def test_a_silent_judge_fails_at_max_time_and_the_run_needs_a_human(capsys, db, openai_env):
    run_id = proof_run(db)
    openai_env.responder = lambda body: Reply(hang=True)
    code, out, err = ponder(capsys, "grade", str(run_id), "--judge", "--model", JUDGE,
                            "--max-time", "0.5")  # fmt: skip
    [g] = llm_grades(db, run_id)
    assert g.verdict == "needs_human" and "failed" in g.note
    assert code == 1 and "every judge call failed" in err


def test_a_judge_reply_cut_mid_stream_is_asked_for_again(capsys, db, openai_env):
    run_id = proof_run(db)
    openai_env.queue(Reply(MARK, cut_after=12), Reply(MARK))
    code, _, _ = ponder(capsys, "grade", str(run_id), "--judge", "--model", JUDGE)
    assert code == 0
    assert [g.points for g in llm_grades(db, run_id)] == [6]
    assert len(openai_env.chat_requests) == 2


async def test_a_judge_call_reports_its_progress_while_it_streams(db):
    from workbench.judge import Judge, JudgeSettings, resolve_judge

    run_id = proof_run(db)
    seen = []
    with FakeLLM() as fake:
        fake.queue(
            Reply(
                "<feedback>"
                + " ".join(
                    f"Line {i} checks case {i * 7 % 13} of the induction." for i in range(40)
                )
                + "</feedback><points>4</points>"
            )
        )
        settings = JudgeSettings(model=JUDGE, base_url=fake.base_url_openai)
        judge = Judge(resolve_judge(settings), settings, on_progress=seen.append)
        try:
            result = await judge.judge_run(db, run_id)
        finally:
            await judge.aclose()
    assert result is not None and result.grade.points == 4
    assert seen and {p.run_id for p in seen} == {run_id}
    assert [p.output_tokens for p in seen] == sorted(p.output_tokens for p in seen)


def test_the_live_line_off_a_terminal_is_a_line_per_run_every_ten_seconds_of_streaming(monkeypatch):
    from ponder.cli import judging
    from workbench.judge import JudgeProgress

    err = io.StringIO()
    monkeypatch.setattr(judging.sys, "stderr", err)
    live = judging._Live()
    for elapsed in (0.5, 4.0, 10.2, 10.6, 12.0, 20.7):
        live.show(JudgeProgress(7, int(elapsed * 10), elapsed))
    live.show(JudgeProgress(8, 3, 11.0))  # a short reply after a long wait: nothing to say
    live.show(JudgeProgress(8, 5, 11.2))
    assert err.getvalue().splitlines() == [
        "ponder: judging run 7: ≈106 tokens, 11 s",
        "ponder: judging run 7: ≈207 tokens, 21 s",
    ]
