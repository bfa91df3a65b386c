"""The LLM judge end to end on the fake server: `ponder grade --judge`, `ponder scores --agreement`."""

from __future__ import annotations

import json
import os
import re

import pytest
from cli_helpers import ponder
from fakellm import OPENAI_TEST_KEY, FakeLLM, Reply, demo_responder, last_user_text
from store_helpers import add_run, problem_id

from ponder.launch import main
from store.grades import add_grade, effective_grade, grade_history, human_grade
from store.problems import ensure_bundled

JUDGE = "gpt-4o-mini"  # a judge model with a known price, so its cost is counted


@pytest.fixture
def db(db):
    """The store with the bundled sets."""
    ensure_bundled(db)
    return db


def proof_run(db, key: str, answer: str = "QED", steps=(("step", "Idea", "Factor it."),)) -> int:
    pid = problem_id(db, "ponder-proofs", key)
    return add_run(db, pid, answer, steps=steps, model="solver")


def bench_proofs(capsys, fake: FakeLLM, *flags: str) -> tuple[int, str, str]:
    """`ponder bench ponder-proofs` of gpt-4o-mini on the fake server, with `flags`."""
    url = fake.base_url_openai
    return ponder(
        capsys, "bench", "ponder-proofs", "--base-url", url, "--model", "gpt-4o-mini", *flags
    )


def llm_grades(db, run_id):
    return [g for g in grade_history(db, run_id) if g.grader == "llm"]


def test_a_judged_proof_run_gets_points_out_of_max_the_feedback_and_the_judge_name(
    capsys, db, openai_env
):
    run_id = proof_run(
        db, "3", answer="So 30 divides n^5 - n.", steps=(("step", "Factor", "n(n-1)(n+1)(n^2+1)"),)
    )
    openai_env.queue(
        Reply(
            "<feedback>Correct factoring; the mod 5 case is asserted, not shown.</feedback>\n"
            "<points>7</points>"
        )
    )
    code, out, err = ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)
    assert (code, err) == (0, "")
    [g] = llm_grades(db, run_id)
    assert (g.grader_name, g.points, g.max_points, g.verdict) == (JUDGE, 7, 10, "partial")
    assert g.score == pytest.approx(0.7)
    assert g.note == "Correct factoring; the mod 5 case is asserted, not shown."
    assert effective_grade(db, run_id).id == g.id  # no human grade: the judge's counts
    sent = last_user_text(openai_env.chat_requests[-1].body)
    assert "n^5 - n is divisible by 30" in sent and "n(n-1)(n+1)(n^2+1)" in sent
    assert "So 30 divides n^5 - n." in sent and "Putnam" in sent
    assert f"run {run_id}: partial 7/10" in out
    assert "judged 1 run in ponder-proofs" in out and "1 partial" in out and "$0.0" in out


def test_the_score_table_shows_what_the_judge_cost(capsys, db, openai_env):
    proof_run(db, "1")
    code, out, _ = ponder(capsys, "scores", "ponder-proofs")
    assert code == 0 and "LLM judge" not in out
    openai_env.queue(Reply("<feedback>Fine.</feedback><points>10</points>"))
    assert ponder(capsys, "grade", "--judge", "--model", JUDGE)[0] == 0
    code, out, _ = ponder(capsys, "scores", "ponder-proofs")
    assert code == 0 and "(LLM judge: 1 call, " in out and "$0.0" in out


def test_judge_cost_is_recorded_per_call(capsys, db, openai_env):
    run_id = proof_run(db, "1")
    openai_env.queue(Reply("<feedback>Fine.</feedback><points>10</points>"))
    assert ponder(capsys, "grade", "--judge", "--model", JUDGE)[0] == 0
    row = db.conn.execute(
        "select model, input_tokens, output_tokens, cost_usd, response, grade_id"
        " from judge_calls where run_id = ?",
        [run_id],
    ).fetchone()
    model, tokens_in, tokens_out, cost, response, grade_id = row
    assert model == JUDGE and tokens_in > 0 and tokens_out > 0 and cost > 0
    assert response == "<feedback>Fine.</feedback><points>10</points>"
    assert grade_id == llm_grades(db, run_id)[0].id
    assert OPENAI_TEST_KEY not in json.dumps(
        db.conn.execute("select request from judge_calls").fetchall()
    )


def test_an_unreadable_reply_is_needs_human_with_the_raw_reply_kept(capsys, db, openai_env):
    run_id = proof_run(db, "2")
    openai_env.queue(Reply("This looks like a reasonable attempt overall."))
    code, out, _ = ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)
    assert code == 0
    [g] = llm_grades(db, run_id)
    assert g.verdict == "needs_human" and g.score is None
    assert g.note.startswith("unreadable judge reply: the judge's reply has no readable points")
    assert "This looks like a reasonable attempt overall." in g.note
    assert "1 need a human" in out


def test_a_failing_judge_gives_needs_human_with_the_reason_and_exit_1(capsys, db, openai_env):
    runs = [proof_run(db, k) for k in ("4", "5", "6", "7")]
    openai_env.responder = lambda body: Reply(status=401, error="invalid api key")
    code, _, err = ponder(
        capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE, "--concurrency", "1"
    )
    assert code == 1 and err.count("\n") == 1 and "the judge failed on its first calls" in err
    failed = [g for r in runs for g in llm_grades(db, r)]
    assert len(failed) == 3  # the breaker: the fourth run was not sent
    assert all(g.verdict == "needs_human" for g in failed)
    assert all(g.note.startswith(f"the judge ({JUDGE}) failed:") for g in failed)
    assert "401" in failed[0].note or "invalid api key" in failed[0].note


def test_a_human_grade_wins_over_a_later_judge_grade(capsys, db, openai_env):
    run_id = proof_run(db, "8")
    human_grade(db, run_id, "9/10", grader_name="ann")
    openai_env.queue(Reply("<feedback>Incomplete.</feedback><points>3</points>"))
    assert ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)[0] == 0
    [g] = llm_grades(db, run_id)
    assert g.points == 3  # recorded beside the human grade, not instead of it
    eff = effective_grade(db, run_id)
    assert (eff.grader, eff.grader_name, eff.points) == ("human", "ann", 9)


def test_runs_already_judged_are_skipped_unless_redo(capsys, db, openai_env):
    run_id = proof_run(db, "9")
    openai_env.responder = lambda body: Reply("<feedback>ok</feedback><points>5</points>")
    assert ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)[0] == 0
    code, out, _ = ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)
    assert code == 0 and "no runs to judge" in out
    assert len(llm_grades(db, run_id)) == 1
    assert ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE, "--redo")[0] == 0
    assert len(llm_grades(db, run_id)) == 2


def test_a_failed_judge_grade_is_tried_again_on_the_next_pass(capsys, db, openai_env):
    run_id = proof_run(db, "10")
    openai_env.queue(Reply("no idea"), Reply("<feedback>ok</feedback><points>6</points>"))
    ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)
    ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)
    assert [g.verdict for g in llm_grades(db, run_id)] == ["needs_human", "partial"]


def test_many_runs_are_judged_concurrently(capsys, db, openai_env):
    runs = [proof_run(db, str(k)) for k in range(1, 9)]
    openai_env.responder = lambda body: Reply(
        "<feedback>ok</feedback><points>10</points>", delay=0.02
    )
    code, out, _ = ponder(
        capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE, "--concurrency", "4"
    )
    assert code == 0 and "judged 8 runs" in out and "8 full" in out
    assert 2 <= openai_env.peak_streams <= 4  # concurrent, within --concurrency
    assert all(effective_grade(db, r).verdict == "full" for r in runs)


def test_the_judge_speaks_the_anthropic_protocol_too(capsys, db, fake_llm, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-judge")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.base_url_anthropic)
    run_id = proof_run(db, "1")
    fake_llm.queue(Reply("<feedback>Rigorous.</feedback><points>10/10</points>"))
    code, _, err = ponder(
        capsys, "grade", "--judge", "--provider", "anthropic", "--model", "claude-haiku-4-5"
    )
    assert (code, err) == (0, "")
    [g] = llm_grades(db, run_id)
    assert (g.grader_name, g.verdict, g.points) == ("claude-haiku-4-5", "full", 10)
    assert "<points>" in fake_llm.chat_requests[-1].system_text


def test_a_rubric_file_replaces_the_default_rubric(capsys, db, openai_env, tmp_path):
    proof_run(db, "1")
    rubric = tmp_path / "rubric.txt"
    rubric.write_text("Full marks only for a proof by contradiction, out of {max_points}.")
    openai_env.queue(Reply("<feedback>ok</feedback><points>10</points>"))
    code, _, _ = ponder(capsys, "grade", "--judge", "--model", JUDGE, "--rubric", str(rubric))
    sent = last_user_text(openai_env.chat_requests[-1].body)
    assert code == 0 and "proof by contradiction, out of 10." in sent and "Putnam" not in sent


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade", "nope", "--judge"], "no dataset or run 'nope'"),
        (["grade", "1", "full", "--judge"], "not a verdict"),
        (["grade", "--judge", "--auto"], "one after the other"),
        (["grade", "--judge", "--rubric", "/no/such/rubric.txt"], "cannot read rubric"),
        (["grade", "1", "full", "--rubric", "r.txt"], "are for --judge"),
    ],
)
def test_bad_judge_usage_is_one_line_and_exit_2(capsys, db, openai_env, argv, message):
    proof_run(db, "1")
    code, out, err = ponder(capsys, *argv, "--model", JUDGE)
    assert (code, out) == (2, "") and err.count("\n") == 1 and message in err


def test_without_a_provider_the_judge_says_how_to_set_one(capsys, db):
    proof_run(db, "1")
    code, _, err = ponder(capsys, "grade", "--judge")
    assert code == 2 and "ANTHROPIC_API_KEY" in err and err.count("\n") == 1


def test_auto_grading_still_leaves_proofs_to_the_judge_or_a_human(capsys, db):
    run_id = proof_run(db, "1")
    assert ponder(capsys, "grade", "--auto")[0] == 0
    g = effective_grade(db, run_id)
    assert (g.grader, g.verdict) == ("auto", "needs_human")


def test_bench_with_a_judge_judges_proof_runs_as_they_finish(capsys, db, fake_llm):
    fake_llm.responder = demo_responder  # dcot transcripts for the solver, marks for the judge
    code, out, err = bench_proofs(
        capsys,
        fake_llm,
        "--limit",
        "3",
        "--judge",
        "judge-model",
    )
    assert code == 0, err
    runs = [r[0] for r in db.conn.execute("select id from runs order by id")]
    assert len(runs) == 3
    for run_id in runs:
        [g] = llm_grades(db, run_id)
        assert g.grader_name == "judge-model" and g.max_points == 10 and g.points is not None
        assert effective_grade(db, run_id).grader == "llm"  # over the auto needs_human
    judged = [r for r in fake_llm.chat_requests if r.body["model"] == "judge-model"]
    assert len(judged) == 3
    assert "judge judge-model: 3 runs judged" in out


# ---- agreement ------------------------------------------------------------------------------


def _both(db, key, human, judged, judge=JUDGE):
    """A run graded by a human (points of 10) and by a judge model (points of 10)."""
    run_id = proof_run(db, key)
    for grader, name, points in (("human", "ann", human), ("llm", judge, judged)):
        score = points / 10
        verdict = "full" if score >= 1 else "zero" if score <= 0 else "partial"
        add_grade(
            db,
            run_id,
            grader=grader,
            grader_name=name,
            score=score,
            verdict=verdict,
            points=points,
            max_points=10,
        )
    return run_id


def test_agreement_figures_on_a_hand_made_grade_set(capsys, db):
    # The six-run table of tests/unit/test_agreement.py: kappa 5/8 by hand.
    for key, human, judged in [
        ("1", 10, 10),
        ("2", 10, 6),
        ("3", 5, 5),
        ("4", 0, 0),
        ("5", 0, 2),
        ("6", 10, 10),
    ]:
        _both(db, key, human, judged)
    _both(db, "7", 10, 0, judge="other-judge")
    proof_run(db, "8")  # judged by nobody: not counted
    code, out, _ = ponder(capsys, "scores", "ponder-proofs", "--agreement", "--json")
    assert code == 0
    rows = {r["judge"]: r for r in json.loads(out)["agreement"]}
    mine = rows[JUDGE]
    assert mine["count"] == 6
    assert mine["mean_abs_diff_points"] == pytest.approx((0 + 4 + 0 + 0 + 2 + 0) / 6)
    assert mine["mean_diff_points"] == pytest.approx((0 - 4 + 0 + 0 + 2 + 0) / 6)
    assert mine["exact_match_rate"] == pytest.approx(4 / 6)
    assert mine["weighted_kappa"] == pytest.approx(5 / 8)
    assert (rows["other-judge"]["count"], rows["other-judge"]["mean_abs_diff_points"]) == (1, 10)
    code, out, _ = ponder(capsys, "scores", "ponder-proofs", "--agreement")
    assert code == 0 and "weighted kappa" in out
    line = next(x for x in out.splitlines() if x.startswith(JUDGE))
    assert "0.62" in line and "67%" in line


def test_agreement_uses_the_latest_grades_and_ignores_unreadable_judge_grades(capsys, db):
    run_id = _both(db, "1", 10, 4)
    human_grade(db, run_id, "4/10", grader_name="ann")  # the human changed their mind
    add_grade(db, run_id, grader="llm", grader_name=JUDGE, score=None, verdict="needs_human")
    out = ponder(capsys, "scores", "ponder-proofs", "--agreement", "--json")[1]
    [row] = json.loads(out)["agreement"]
    assert (row["count"], row["exact_match_rate"]) == (1, 1.0)


def test_agreement_with_nothing_graded_by_both_says_so(capsys, db):
    proof_run(db, "1")
    code, out, _ = ponder(capsys, "scores", "ponder-proofs", "--agreement")
    assert code == 0 and "no run on ponder-proofs has both" in out


# ---- the set's worked solution --------------------------------------------------------------


def test_the_judge_is_shown_the_sets_worked_solution_beside_the_reference_answer(
    capsys, db, openai_env, tmp_path
):
    from store_helpers import add_run

    from store.problems import get_problem

    item = {
        "problem": "What is the remainder when 100 is divided by 7?",
        "solution": "Since $100 = 14 \\cdot 7 + 2$, the remainder is $\\boxed{2}$.",
        "answer": "2",
        "subject": "Number Theory",
        "level": 1,
        "unique_id": "test/number_theory/12.json",
    }
    path = tmp_path / "math500.jsonl"
    path.write_text(json.dumps(item) + "\n", encoding="utf-8")
    assert ponder(capsys, "import", str(path), "--dataset", "m500")[0] == 0
    problem = get_problem(db, "m500", "test/number_theory/12.json")
    run_id = add_run(db, problem.id, "about two, I think", steps=["100 is 98 + 2."])
    add_grade(db, run_id, grader="auto", score=None, verdict="needs_human", grader_name="graders")
    openai_env.queue(Reply("<feedback>Right, barely argued.</feedback><points>8</points>"))
    code, _, err = ponder(capsys, "grade", "m500", "--judge", "--model", JUDGE)
    assert (code, err) == (0, "")
    sent = last_user_text(openai_env.chat_requests[-1].body)
    reference = sent.split("# Reference", 1)[1].split("# Marking scheme", 1)[0]
    assert "Answer: 2" in reference
    assert "Worked solution:\nSince $100 = 14 \\cdot 7 + 2$, the remainder is" in reference
    assert "100 is 98 + 2." in sent.split("# Candidate's solution", 1)[1]
    [g] = llm_grades(db, run_id)
    assert (g.verdict, g.points) == ("partial", 8)


def test_without_a_worked_solution_the_reference_section_is_the_answer_alone(
    capsys, db, openai_env
):
    proof_run(db, "1")
    openai_env.queue(Reply("<feedback>ok</feedback><points>10</points>"))
    assert ponder(capsys, "grade", "ponder-proofs", "--judge", "--model", JUDGE)[0] == 0
    sent = last_user_text(openai_env.chat_requests[-1].body)
    assert "# Reference\n\n(none given: judge the argument on its own)\n\n#" in sent
    assert "Worked solution" not in sent


# ---- one grader per run ----------------------------------------------------------------------


def test_two_judge_passes_at_once_judge_each_run_once(capsys, db, openai_env):
    """Two `ponder grade --judge` at the same time on one database file: every run is judged
    by one of them, and the other leaves it be (its grading claim, store/claims.py)."""
    import threading

    runs = [proof_run(db, str(k)) for k in range(1, 9)]
    openai_env.responder = lambda body: Reply(
        "<feedback>ok</feedback><points>6</points>", chunk=4, delay=0.01
    )
    start = threading.Barrier(2)
    codes: list[int] = []

    def one_pass() -> None:
        start.wait()
        codes.append(
            main(["grade", "ponder-proofs", "--judge", "--model", JUDGE, "--concurrency", "2"])
        )

    passes = [threading.Thread(target=one_pass) for _ in range(2)]
    for t in passes:
        t.start()
    for t in passes:
        t.join()
    out = capsys.readouterr().out
    assert codes == [0, 0]
    assert [len(llm_grades(db, r)) for r in runs] == [1] * 8
    assert len(openai_env.chat_requests) == 8  # no run was sent to the judge twice
    assert db.execute("select count(*) from judge_calls").fetchone()[0] == 8
    assert db.execute("select count(*) from grading_claims").fetchone()[0] == 0  # all given back
    judged = [int(n) for n in re.findall(r"judged (\d+) runs? in ponder-proofs", out)]
    skipped = [int(n) for n in re.findall(r"\((\d+) runs? judged by .* meanwhile", out)]
    assert sum(judged) == 8
    # Each pass accounts for every run it set out to judge: judged by it, or by the other.
    assert sum(judged) + sum(skipped) == 8 * out.count("judging 8 runs")


async def test_a_run_another_grader_holds_waits_and_is_not_judged_again(db, openai_env):
    """The other grader's claim: the pass judges the rest first, then finds the run marked."""
    import asyncio
    import socket

    from store.claims import claim, release
    from workbench.judge import Judge, JudgeSettings, judge_runs, resolve_judge

    held, free = proof_run(db, "1"), proof_run(db, "2")
    other = f"{os.getppid()}:1@{socket.gethostname()}"  # a live process on this machine
    assert claim(db, held, other)
    openai_env.responder = lambda body: Reply("<feedback>ok</feedback><points>4</points>")
    settings = JudgeSettings(model=JUDGE, concurrency=2)
    judge = Judge(resolve_judge(settings), settings)
    try:
        task = asyncio.create_task(judge_runs(db, [held, free], judge, redo=False))
        for _ in range(500):
            if llm_grades(db, free):
                break
            await asyncio.sleep(0.02)
        assert llm_grades(db, free) and not llm_grades(db, held) and not task.done()
        # The other grader marks the run with the same judge model, and gives it back.
        add_grade(
            db,
            held,
            grader="llm",
            grader_name=JUDGE,
            score=0.9,
            verdict="partial",
            points=9,
            max_points=10,
        )
        release(db, held, other)
        summary = await asyncio.wait_for(task, 30)
    finally:
        await judge.aclose()
    assert [r.run_id for r in summary.results] == [free] and summary.skipped == 1
    assert len(openai_env.chat_requests) == 1
    assert [g.points for g in llm_grades(db, held)] == [9]


async def test_a_long_judge_call_keeps_its_claim_fresh(db, openai_env, monkeypatch):
    import asyncio

    import workbench.grading as wg
    import workbench.judge as wj
    from store.claims import held_by_other

    run_id = proof_run(db, "3")
    monkeypatch.setattr(wg, "CLAIM_RENEW_S", 0.05)
    openai_env.queue(Reply("<feedback>ok</feedback><points>5</points>", latency=0.6))
    settings = wj.JudgeSettings(model=JUDGE)
    judge = wj.Judge(wj.resolve_judge(settings), settings)
    try:
        task = asyncio.create_task(judge.judge_run(db, run_id))
        stamps: set[float] = set()
        while not task.done():
            row = db.execute(
                "select owner, claimed_at from grading_claims where run_id = ?", [run_id]
            ).fetchone()
            if row is not None:
                assert ":judge" in row[0]
                assert held_by_other(db, run_id)  # a judge call is its own grader
                stamps.add(row[1])
            await asyncio.sleep(0.02)
        result = await task
    finally:
        await judge.aclose()
    assert result is not None and result.grade.points == 5
    assert len(stamps) >= 2  # renewed while the call was in flight
    assert db.execute("select count(*) from grading_claims").fetchone()[0] == 0


# ---- the judge's spend under a bench's --max-cost ---------------------------------------------

BIG = {"input_tokens": 100_000, "output_tokens": 100_000}  # gpt-4o-mini: about $0.075 a call
DCOT_PROOF = (
    "<thinking>Set up.</thinking>\n<step>Argue\nBy cases.</step>\n<count>19</count>\n"
    "<reflection>Checked.</reflection>\n<reward>0.8</reward>\n<answer>QED</answer>\n"
    "<reflection>Done.</reflection>\n<reward>0.8</reward>"
)


def _priced(solver_usage, judge_usage):
    """Replies whose cost is set by their usage: the solver's and the judge's."""
    from fakellm import system_text

    def respond(body):
        if "<points>" in system_text(body):
            return Reply(
                "<feedback>Gap in the last case.</feedback><points>6</points>", usage=judge_usage
            )
        return Reply(DCOT_PROOF, usage=solver_usage)

    return respond


def _spend(db) -> tuple[float, float]:
    runs = db.execute("select coalesce(sum(cost_usd), 0) from runs").fetchone()[0]
    judge = db.execute("select coalesce(sum(cost_usd), 0) from judge_calls").fetchone()[0]
    return runs, judge


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_a_bench_cost_cap_counts_what_the_judge_spends(db, openai_env, concurrency):
    """Five proofs, each run and each judge call about $0.075, a $0.34 cap: solving alone would
    fit four runs and judging them would double the spend. Each proof run keeps its judge
    call's share of the cap, so the bench makes two runs and judges both: $0.30."""
    from workbench.bench import run_bench
    from workbench.bench.plan import BenchPlan

    openai_env.responder = _priced(BIG, BIG)
    plan = BenchPlan(
        "ponder-proofs",
        models=("gpt-4o-mini",),
        base_url=openai_env.base_url_openai,
        concurrency=concurrency,
        limit=5,
        max_cost=0.34,
        judge="gpt-4o-mini",
    )
    summary = await run_bench(db, plan)
    runs, judge = _spend(db)
    assert runs + judge <= 0.34
    assert (summary.done, len(summary.judged), summary.not_judged) == (2, 2, 0)
    assert (summary.stopped, summary.not_started) == ("max_cost", 3)
    assert summary.judge_cost_usd == pytest.approx(judge) and judge > 0.14
    assert summary.cost_usd == pytest.approx(runs)


def test_a_judge_dearer_than_it_looked_leaves_runs_unjudged_and_the_report_says_so(
    capsys, db, openai_env
):
    """Cheap runs, a dear judge: until its first call the judge's share is guessed from the
    runs, so that call may pass the estimate; after it, the runs the cap cannot pay the judge
    for are not started, or not judged, and the report says so."""
    openai_env.responder = _priced(None, BIG)
    code, out, err = bench_proofs(
        capsys,
        openai_env,
        "--limit",
        "3",
        "--concurrency",
        "1",
        "--max-cost",
        "0.1",
        "--judge",
        "gpt-4o-mini",
    )
    assert code == 0, err
    runs, judge = _spend(db)
    assert runs + judge <= 0.1
    n_runs = db.execute("select count(*) from runs").fetchone()[0]
    n_judged = db.execute("select count(*) from judge_calls").fetchone()[0]
    assert n_judged == 1 and 1 <= n_runs <= 3
    if n_runs > 1:
        assert f"{n_runs - 1} runs not judged: the judge would have passed --max-cost" in out
        assert "(ponder grade ponder-proofs --judge --model gpt-4o-mini judges them later)" in out
    if n_runs < 3:
        assert "stopped by --max-cost" in out


def test_a_judge_of_unknown_price_under_a_cost_cap_is_refused_up_front(capsys, db, openai_env):
    openai_env.responder = _priced(BIG, BIG)
    code, out, err = bench_proofs(
        capsys,
        openai_env,
        "--max-cost",
        "1",
        "--judge",
        "judge-of-no-known-price",
    )
    assert code != 0
    assert "price of the judge judge-of-no-known-price is unknown" in out + err
    assert openai_env.chat_requests == []


def test_bench_help_says_the_cost_cap_counts_the_judge(capsys):
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    assert "the --judge model's calls included" in " ".join(capsys.readouterr().out.split())
