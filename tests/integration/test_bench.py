"""`ponder bench` and the runner: runs, live grading, score table, resume, faults, cost cap, kill -9."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from cli_helpers import fake_process, import_small, ponder_process
from fakellm import FakeLLM, Reply, system_text

from ponder.cli.bench import progress_line
from ponder.launch import main
from reasoning.events import RunSettings, Usage
from reasoning.providers.base import ChatRequest, Done, RetryScheduled
from store.benchq import bench_status, config_totals
from store.db import open_db
from store.problems import Problem, ensure_bundled, list_problems
from workbench.bench import BenchProgress, run_bench
from workbench.bench.plan import BenchPlan, plan_jobs
from workbench.ratelimit import GatedProvider, RateGate
from workbench.scores import score_table

MIXED = "ponder-mixed"
KEY = "sk-test-bench-not-a-real-key"

Answer = Callable[[Problem, str, str], "str | Reply"]


@pytest.fixture(autouse=True)
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


@pytest.fixture
def db(db: sqlite_utils.Database) -> sqlite_utils.Database:
    """The store with the bundled sets."""
    ensure_bundled(db)
    return db


def dcot_text(answer: str) -> str:
    return (
        "<thinking>Read the givens and pick an approach.</thinking>\n"
        "<step>Work it out\nCompute carefully.</step>\n<count>19</count>\n"
        "<reflection>The computation checks out.</reflection>\n<reward>0.9</reward>\n"
        f"<answer>{answer}</answer>\n"
        "<reflection>Verified.</reflection>\n<reward>0.9</reward>"
    )


def paradigm_of(body: dict[str, Any]) -> str:
    system = system_text(body)
    if "<step>" in system:
        return "dcot"
    return "g1" if '"next_action"' in system else "direct"


def responder(db: sqlite_utils.Database, dataset: str, answer: Answer) -> Callable[..., Reply]:
    """Replies that depend on which problem is asked, under which paradigm and model."""
    problems = sorted(list_problems(db, dataset), key=lambda p: -len(p.text))

    def respond(body: dict[str, Any]) -> Reply:
        first_user = next(m for m in body["messages"] if m["role"] == "user")
        text = first_user["content"]
        text = text if isinstance(text, str) else "".join(b.get("text", "") for b in text)
        problem = next(p for p in problems if p.text in text)
        paradigm = paradigm_of(body)
        reply = answer(problem, paradigm, body["model"])
        if isinstance(reply, Reply):
            return reply
        return Reply(dcot_text(reply) if paradigm == "dcot" else f"Working.\nFinal answer: {reply}")

    return respond


def wrong_choice(reference: str) -> str:
    """A letter that is not in the reference: a wrong answer for single and multiple choice."""
    return next(letter for letter in "ABCD" if letter not in reference.upper())


def bench(fake: FakeLLM, dataset: str, *flags: str) -> list[str]:
    return ["bench", dataset, "--base-url", fake.base_url_openai, *flags]


def runs_of(db: sqlite_utils.Database, where: str = "1", params: tuple[Any, ...] = ()) -> list:
    return db.conn.execute(
        "select r.id, p.key, r.paradigm, r.model, r.status, r.bench_id, r.error, r.attempt_group"
        f" from runs r left join problems p on p.id = r.problem_id where {where} order by r.id",
        params,
    ).fetchall()


def done_per_job(db: sqlite_utils.Database) -> dict[tuple[str, str, str], int]:
    counts: dict[tuple[str, str, str], int] = {}
    for _, key, paradigm, model, status, *_ in runs_of(db):
        if status == "done":
            counts[(key, paradigm, model)] = counts.get((key, paradigm, model), 0) + 1
    return counts


def right_answer(problem: Problem, *_: Any) -> str:
    """What a model that is always right answers."""
    return problem.reference or ""


def small_plan(fake: FakeLLM, **changes: Any) -> BenchPlan:
    """The "small" set, direct, gpt-4o-mini, on the fake's OpenAI endpoint; `changes` override."""
    fields: dict[str, Any] = {"paradigms": ("direct",), "models": ("gpt-4o-mini",)}
    return BenchPlan("small", base_url=fake.base_url_openai, **{**fields, **changes})


def import_answered(tmp_path: Path, db: sqlite_utils.Database, fake: FakeLLM, n: int) -> None:
    """The dataset `small` of `n` problems imported, the fake server answering each one right."""
    import_small(tmp_path, n=n)
    fake.responder = responder(db, "small", right_answer)


# ---- the whole flow ----------------------------------------------------------------------


def test_bench_over_bundled_set_two_paradigms_runs_grades_and_scores(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # Keys 1-19 are choice and integer problems: right and wrong answers grade unambiguously.
    def answer(p: Problem, paradigm: str, model: str) -> str:
        assert p.reference is not None
        if paradigm == "dcot" or int(p.key) % 2 == 1:
            return p.reference
        return wrong_choice(p.reference) if p.kind and "choice" in p.kind else "999999"

    fake_llm.responder = responder(db, MIXED, answer)
    flags = ("--paradigm", "dcot", "--paradigm", "direct", "--model", "gpt-4o-mini")
    rc = main(bench(fake_llm, MIXED, *flags, "--limit", "19", "--concurrency", "6"))
    printed = capsys.readouterr().out
    assert rc == 0

    runs = runs_of(db)
    assert len(runs) == 38
    assert {r[4] for r in runs} == {"done"}
    assert len({r[5] for r in runs}) == 1  # one bench id on every run
    assert sorted(done_per_job(db).values()) == [1] * 38
    graded = db.conn.execute("select count(distinct run_id) from grades").fetchone()[0]
    assert graded == 38

    rows = {r.paradigm: r for r in score_table(db, MIXED)}
    assert rows["dcot"].n == 19 and rows["dcot"].full == 19 and rows["dcot"].total == "19/19"
    assert rows["direct"].n == 19 and rows["direct"].full == 10 and rows["direct"].zero == 9
    assert rows["direct"].total == "10/19" and rows["direct"].coverage == "19 of 38"
    assert rows["dcot"].cost_usd is not None and rows["dcot"].cost_usd > 0
    assert "19/19" in printed and "10/19" in printed and "with technique vs without" in printed

    status = bench_status(db, runs[0][5])
    assert status is not None and status.runs == 38 and status.done == 38
    assert status.dataset == MIXED and status.cost_unknown == 0

    out_csv = tmp_path / "scores.csv"
    assert main(["export", str(out_csv), "--what", "scores", "--dataset", MIXED]) == 0
    with out_csv.open() as f:
        exported = {row["paradigm"]: row for row in csv.DictReader(f)}
    assert exported["dcot"]["total"] == "19/19" and exported["direct"]["full"] == "10"
    assert exported["direct"]["n"] == "19" and exported["direct"]["model"] == "gpt-4o-mini"


def test_bench_over_imported_set_compares_two_models(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=6)

    def answer(p: Problem, paradigm: str, model: str) -> str:
        assert p.reference is not None
        return p.reference if model == "model-a" or int(p.key) <= 2 else "1"

    fake_llm.responder = responder(db, "small", answer)
    flags = ("--paradigm", "direct", "--model", "model-a", "--model", "model-b")
    assert main(bench(fake_llm, "small", *flags)) == 0
    capsys.readouterr()
    rows = {r.model: r for r in score_table(db, "small")}
    assert (rows["model-a"].total, rows["model-b"].total) == ("6/6", "2/6")
    assert (rows["model-b"].full, rows["model-b"].zero) == (2, 4)
    assert {r.body["model"] for r in fake_llm.chat_requests} == {"model-a", "model-b"}
    assert len(fake_llm.chat_requests) == 12


def test_plan_is_problem_x_model_x_paradigm_in_problem_order(
    fake_llm: FakeLLM, db: sqlite_utils.Database
) -> None:
    plan = BenchPlan(
        MIXED,
        paradigms=("dcot", "direct"),
        models=("m1", "m2"),
        base_url=fake_llm.base_url_openai,
        limit=3,
    )
    jobs = plan_jobs(db, plan)
    assert [(j.key, j.model, j.paradigm) for j in jobs[:4]] == [
        ("1", "m1", "dcot"),
        ("1", "m1", "direct"),
        ("1", "m2", "dcot"),
        ("1", "m2", "direct"),
    ]
    assert len(jobs) == 12 and {j.key for j in jobs} == {"1", "2", "3"}


# ---- resume and failures -------------------------------------------------------------------


def test_failed_runs_are_recorded_and_resume_reruns_only_what_is_not_done(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=6)
    broken = {"2", "5"}

    def answer(p: Problem, paradigm: str, model: str) -> str | Reply:
        assert p.reference is not None
        if p.key in broken:
            return Reply(status=400, error=f"this server cannot take problem {p.key}")
        return p.reference

    fake_llm.responder = responder(db, "small", answer)
    flags = ("--paradigm", "direct", "--model", "gpt-4o-mini", "--concurrency", "2")
    assert main(bench(fake_llm, "small", *flags)) == 1  # not every run ended done
    out = capsys.readouterr()
    line = out.err.strip().splitlines()[-1]
    assert "4 done, 2 failed" in line and "--resume" in line, out.err
    failed = runs_of(db, "r.status = 'failed'")
    assert sorted(r[1] for r in failed) == ["2", "5"]
    assert all("cannot take problem" in (r[6] or "") for r in failed)
    assert "failed runs:" in out.out and "cannot take problem 5" in out.out
    first_bench = runs_of(db)[0][5]

    broken.clear()
    fake_llm.clear()
    assert main(bench(fake_llm, "small", *flags, "--resume")) == 0
    out = capsys.readouterr()
    assert len(fake_llm.chat_requests) == 2  # only the two failed jobs ran again
    assert "4 of 6 jobs already done" in out.out
    assert sorted(done_per_job(db).values()) == [1] * 6
    assert {r[5] for r in runs_of(db)} == {first_bench}  # resume continues the same bench
    assert len(runs_of(db, "r.status = 'failed'")) == 2  # the failures stay in the history
    assert score_table(db, "small")[0].total == "6/6"

    fake_llm.clear()
    assert main(bench(fake_llm, "small", *flags, "--resume")) == 0
    assert fake_llm.chat_requests == []
    assert "0 runs, 6 of 6 jobs already done" in capsys.readouterr().out


def test_without_resume_a_new_bench_runs_every_job_again(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_answered(tmp_path, db, fake_llm, n=3)
    flags = ("--paradigm", "direct", "--model", "gpt-4o-mini")
    assert main(bench(fake_llm, "small", *flags)) == 0
    assert main(bench(fake_llm, "small", *flags)) == 0
    capsys.readouterr()
    assert len(runs_of(db)) == 6 and len({r[5] for r in runs_of(db)}) == 2
    assert score_table(db, "small")[0].n == 3  # the latest finished run per job counts


def test_a_provider_failing_every_job_stops_early_and_exits_1(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=12)
    fake_llm.responder = lambda body: Reply(status=401, error="invalid api key")
    flags = ("--paradigm", "direct", "--model", "gpt-4o-mini", "--concurrency", "1")
    assert main(bench(fake_llm, "small", *flags)) == 1
    err = capsys.readouterr().err
    assert "nothing could run" in err and "authentication failed" in err
    assert KEY not in err
    assert len(fake_llm.chat_requests) == 5  # then no more runs of that model were started
    assert len(runs_of(db, "r.status = 'failed'")) == 5


def test_attempts_make_k_runs_per_job_in_one_group(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_answered(tmp_path, db, fake_llm, n=3)
    flags = ("--paradigm", "direct", "--model", "gpt-4o-mini", "--attempts", "3")
    assert main(bench(fake_llm, "small", *flags)) == 0
    runs = runs_of(db)
    assert len(runs) == 9
    groups: dict[str, set[str]] = {}
    for r in runs:
        groups.setdefault(r[7], set()).add(r[1])
    assert len(groups) == 3 and all(len(keys) == 1 for keys in groups.values())
    fake_llm.clear()
    assert main(bench(fake_llm, "small", *flags, "--resume")) == 0
    assert fake_llm.chat_requests == []  # every group complete
    capsys.readouterr()


def test_of_k_attempts_only_the_selected_one_is_scored(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=2)
    calls: dict[str, int] = {}

    def answer(p: Problem, *_: str) -> Reply:
        calls[p.key] = calls.get(p.key, 0) + 1
        # The second attempt is right and the most confident; the others are wrong.
        right = calls[p.key] == 2
        reward = 0.95 if right else 0.3
        text = p.reference if right else "1"
        return Reply(f"<answer>{text}</answer><reflection>r</reflection><reward>{reward}</reward>")

    fake_llm.responder = responder(db, "small", answer)
    flags = (
        "--paradigm",
        "dcot",
        "--model",
        "gpt-4o-mini",
        "--attempts",
        "3",
        "--concurrency",
        "1",
    )
    assert main(bench(fake_llm, "small", *flags)) == 0
    selected = db.conn.execute("select selected, final_reward from runs order by id").fetchall()
    assert sorted(selected) == [(0, 0.3)] * 4 + [(1, 0.95)] * 2
    (row,) = score_table(db, "small")
    assert row.n == 2 and row.full == 2 and row.zero == 0 and row.total == "2/2"
    capsys.readouterr()


# ---- rate limits and cost ------------------------------------------------------------------


async def test_a_429_pauses_every_run_of_the_provider_without_failing_any(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=8)
    notes: list[str] = []
    with FakeLLM(latency=0.05) as fake:
        fake.queue(Reply(status=429, retry_after=0.6))
        fake.responder = responder(db, "small", right_answer)
        plan = small_plan(
            fake,
            concurrency=4,
        )
        summary = await run_bench(db, plan, lambda p: notes.append(p.note or ""))
        requests = fake.chat_requests
    assert (summary.done, summary.failed) == (8, 0)
    assert len(requests) == 9  # eight runs and the one retried call
    limited = requests[0].at
    first_wave = [r for r in requests if r.at - limited < 0.03]
    later = [r for r in requests if r.at - limited >= 0.03]
    assert len(first_wave) <= 4 and later
    # Without the shared gate the next runs would call ~0.05 s after the 429; they waited it out.
    assert min(r.at for r in later) - limited >= 0.55
    assert any("holding every openai call" in n for n in notes)


async def test_calls_in_flight_are_bounded_globally_and_per_provider(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=12)
    peaks = []
    for concurrency, per_provider in ((6, None), (6, 2)):
        with FakeLLM(chunk=2, delay=0.02) as fake:  # each stream lasts ~0.25 s
            fake.responder = responder(db, "small", right_answer)
            plan = small_plan(
                fake,
                concurrency=concurrency,
                provider_concurrency=per_provider,
            )
            summary = await run_bench(db, plan)
            assert summary.done == 12
            peaks.append(fake.peak_streams)
    assert peaks == [6, 2]


@pytest.mark.parametrize(
    ("retry", "paused"),
    [
        (RetryScheduled(429, "rate limited (429)", 0.1, 2.0, slow_down=True), 2.0),
        (RetryScheduled(None, "overloaded", 0.1, 0.5, slow_down=True), 0.5),  # in-stream event
        (RetryScheduled(500, "server error (500)", 0.1, 1.0), 0.0),
        (RetryScheduled(None, "no answer within 5 s", 5.0, 3.0), 0.0),  # a timeout
    ],
)
async def test_a_retry_that_asks_to_slow_down_pauses_the_gate(
    retry: RetryScheduled, paused: float
) -> None:
    class Inner:
        name, kind, model, base_url, on_notice = "openai", "openai", "m", None, None

        async def stream(self, request: ChatRequest) -> AsyncIterator[Any]:
            yield retry
            yield Done("stop", Usage())

        async def aclose(self) -> None:
            pass

    now = [100.0]
    gate = RateGate("openai", 4, clock=lambda: now[0])
    provider = GatedProvider(Inner(), gate)
    items = [item async for item in provider.stream(ChatRequest("s", ()))]
    assert items[0] is retry  # passed on, so the run records the attempt
    assert gate.paused_for == pytest.approx(paused)


async def test_max_cost_stops_starting_runs_before_the_cap(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=10)
    # gpt-4o-mini: $0.075 a run, all of it input (an output as long as max_tokens is a cut reply)
    big = {"input_tokens": 500_000, "output_tokens": 0}
    with FakeLLM() as fake:
        fake.responder = responder(
            db, "small", lambda p, *_: Reply(f"Final answer: {p.reference}", usage=big)
        )
        plan = small_plan(
            fake,
            concurrency=4,
            max_cost=0.2,
        )
        summary = await run_bench(db, plan)
    assert summary.done == 2 and summary.not_started == 8
    assert summary.stopped == "max_cost"
    assert summary.cost_usd == pytest.approx(0.15)
    assert len(runs_of(db)) == 2


async def test_max_cost_passed_mid_run_cancels_the_run_in_flight(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=3)
    big = {"input_tokens": 496_000, "output_tokens": 1_000}
    step = json.dumps(
        {"title": "A step", "content": "Thinking.", "next_action": "continue", "confidence": 0.8}
    )
    with FakeLLM() as fake:
        fake.responder = lambda body: Reply(step, usage=big)
        plan = small_plan(
            fake,
            paradigms=("g1",),
            max_cost=0.1,
            # The fake's usage (100,000 tokens a call) would pass the output budget first.
            settings=RunSettings(output_budget=10**9),
        )
        summary = await run_bench(db, plan)
    assert summary.stopped == "max_cost"
    assert (summary.cancelled, summary.done, summary.not_started) == (1, 0, 2)
    assert [r[4] for r in runs_of(db)] == ["cancelled"]


async def test_max_cost_counts_calls_in_flight_and_ends_within_one_call_of_the_cap(
    db: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cheap first run, then expensive ones streaming at once: the spend of finished calls
    # alone would let all four run to their end ($0.80 each, $3.20 against a $1 cap).
    config = tmp_path / "config.toml"
    config.write_text('[prices."pricey"]\ninput = 0.0\noutput = 200.0\n')  # $0.0002 a token
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    import_small(tmp_path, n=9)
    # 14,760 characters (3,690 tokens), each line its own: the same line again is a loop.
    long = "".join(f"Working it out, careful line {i:03d} of 360.\n" for i in range(360))

    def answer(problem: Problem, *_: Any) -> Reply:
        if problem.key == "1":
            return Reply("Final answer: 7")
        return Reply(long + f"Final answer: {problem.reference}", chunk=40, delay=0.002)

    with FakeLLM() as fake:
        fake.responder = responder(db, "small", answer)
        plan = small_plan(
            fake,
            models=("pricey",),
            concurrency=4,
            max_cost=1.0,
            settings=RunSettings(max_tokens=5000),
        )
        summary = await run_bench(db, plan)
    assert summary.stopped == "max_cost"
    assert summary.done == 1 and summary.cancelled >= 1 and summary.not_started >= 4
    one_call = 3690 * 200 / 1_000_000  # what one expensive call costs
    assert 1.0 < summary.cost_usd <= 1.0 + one_call
    assert all(status in ("done", "cancelled") for *_, status, _, _, _ in runs_of(db))


def test_max_cost_with_an_unknown_price_runs_nothing_and_says_why(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_answered(tmp_path, db, fake_llm, n=2)
    flags = ("--paradigm", "direct", "--model", "no-such-priced-model", "--max-cost", "1")
    assert main(bench(fake_llm, "small", *flags)) == 1
    captured = capsys.readouterr()
    assert "price of no-such-priced-model is unknown" in captured.out + captured.err
    assert fake_llm.chat_requests == []


def test_unknown_prices_are_reported_not_zero(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_answered(tmp_path, db, fake_llm, n=2)
    assert main(bench(fake_llm, "small", "--paradigm", "direct", "--model", "mystery")) == 0
    out = capsys.readouterr().out
    assert "cost unknown for 2 runs" in out
    assert config_totals(db, runs_of(db)[0][5])[0].cost_usd is None


# ---- usage errors and output ---------------------------------------------------------------


def test_unknown_dataset_is_a_usage_error_listing_the_known_ones(
    fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    assert main(bench(fake_llm, "no-such-set")) == 2
    err = capsys.readouterr().err
    assert "no dataset 'no-such-set'" in err and MIXED in err and "ponder-proofs" in err


@pytest.mark.parametrize(
    "flags",
    [("--concurrency", "0"), ("--attempts", "0"), ("--limit", "0"), ("--max-cost", "-1")],
)
def test_bad_numbers_are_usage_errors(
    fake_llm: FakeLLM, flags: tuple[str, str], capsys: pytest.CaptureFixture
) -> None:
    assert main(bench(fake_llm, MIXED, *flags)) == 2
    assert flags[0] in capsys.readouterr().err


def test_progress_line_shows_done_failed_running_eta_tokens_cost() -> None:
    p = BenchProgress(
        bench_id="b",
        dataset="d",
        jobs=100,
        skipped=0,
        total=100,
        done=40,
        failed=2,
        cancelled=0,
        running=8,
        not_started=0,
        graded=40,
        tokens=123456,
        cost_usd=0.5,
        cost_unknown=3,
        elapsed_s=42.0,
        eta_s=58.0,
        paused_s=1.5,
    )
    assert progress_line(p) == (
        "[ 42/100] done 40 · failed 2 · running 8 · ETA 0:58 · 123,456 tokens"
        " · $0.5000 (+3 unknown) · paused 1.5 s"
    )


def test_model_text_in_failures_is_printed_safely(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=1)
    fake_llm.responder = lambda body: Reply(status=400, error="bad \x1b]0;owned\x07 \x1b[31mred")
    assert main(bench(fake_llm, "small", "--paradigm", "direct", "--model", "m")) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x1b" not in captured.err


# ---- stopping: Ctrl+C, kill -9 -------------------------------------------------------------


async def test_stop_cancels_runs_in_flight_and_resume_completes(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=6)
    with FakeLLM(latency=0.3) as fake:
        fake.responder = responder(db, "small", right_answer)
        plan = small_plan(
            fake,
            concurrency=2,
        )
        stop = asyncio.Event()

        def on_progress(p: BenchProgress) -> None:
            if p.done >= 2 and p.running:
                stop.set()

        summary = await run_bench(db, plan, on_progress, stop=stop)
        assert summary.stopped == "cancelled" and summary.cancelled >= 1
        assert summary.done + summary.cancelled + summary.not_started == 6
        statuses = [r[4] for r in runs_of(db)]
        assert "running" not in statuses and "cancelled" in statuses

        resumed = await run_bench(db, dataclass_replace(plan, resume=True))
    assert resumed.bench_id == summary.bench_id
    assert resumed.total == 6 - summary.done
    assert sorted(done_per_job(db).values()) == [1] * 6
    assert score_table(db, "small")[0].n == 6


def dataclass_replace(plan: BenchPlan, **changes: Any) -> BenchPlan:
    import dataclasses

    return dataclasses.replace(plan, **changes)


def _wait_for(db_path: str, predicate: Callable[[list[str]], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path, timeout=5) as conn:
            statuses = [r[0] for r in conn.execute("select status from runs")]
        if predicate(statuses):
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting; statuses: {statuses}")


def _bench_process(port: int, *flags: str) -> subprocess.Popen[str]:
    url = f"http://127.0.0.1:{port}/v1"
    args = ["--paradigm", "direct", "--base-url", url, "--model", "gpt-4o-mini", *flags]
    return ponder_process("bench", "small", *args)


@pytest.mark.slow
def test_kill_9_mid_bench_then_resume_completes_with_one_finished_run_per_job(
    db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=8)
    slow = {"text": "Working it out.\nFinal answer: 7", "chunk": 4, "delay": 0.08}
    fake, port = fake_process(tmp_path, slow, flags=("--latency", "0.2"))
    try:
        bench_proc = _bench_process(port, "--concurrency", "2")
        db_path = os.environ["PONDER_DB"]
        try:
            _wait_for(db_path, lambda s: s.count("done") >= 2 and "running" in s)
            # What the TUI shows of a bench started elsewhere: its runs, read from the store.
            watcher = open_db(db_path, recover=False)
            (bench_id,) = {r[5] for r in runs_of(watcher)}
            seen = bench_status(watcher, bench_id)
            assert seen is not None and seen.done >= 2 and seen.running >= 1
        finally:
            bench_proc.kill()  # SIGKILL: no cleanup of any kind
            bench_proc.communicate(timeout=10)
        assert bench_proc.returncode == -signal.SIGKILL
        with sqlite3.connect(db_path) as conn:
            left_running = conn.execute("select count(*) from runs where status = 'running'")
            assert left_running.fetchone()[0] >= 1

        port_url = f"http://127.0.0.1:{port}/v1"
        flags = ["--paradigm", "direct", "--model", "gpt-4o-mini", "--concurrency", "2"]
        rc = main(["bench", "small", "--base-url", port_url, *flags, "--resume"])
        assert rc == 0
    finally:
        fake.terminate()
        fake.wait(10)
    capsys.readouterr()
    assert sorted(done_per_job(db).values()) == [1] * 8
    statuses = [r[4] for r in runs_of(db)]
    assert "running" not in statuses and statuses.count("interrupted") >= 1
    assert len({r[5] for r in runs_of(db)}) == 1
    (row,) = score_table(db, "small")
    assert row.n == 8 and row.graded == 8


@pytest.mark.slow
def test_ctrl_c_marks_runs_in_flight_cancelled_and_exits_130(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=6)
    slow = {"text": "Working it out.\nFinal answer: 7", "chunk": 4, "delay": 0.08}
    fake, port = fake_process(tmp_path, slow, flags=("--latency", "0.2"))
    try:
        bench_proc = _bench_process(port, "--concurrency", "2")
        _wait_for(os.environ["PONDER_DB"], lambda s: s.count("done") >= 1 and "running" in s)
        bench_proc.send_signal(signal.SIGINT)
        out, err = bench_proc.communicate(timeout=20)
    finally:
        fake.terminate()
        fake.wait(10)
    assert bench_proc.returncode == 130, err
    assert "Traceback" not in err
    resume = f"ponder bench small --paradigm direct --model gpt-4o-mini --base-url http://127.0.0.1:{port}/v1 --concurrency 2 --resume"
    assert resume in err
    statuses = [r[4] for r in runs_of(db)]
    assert "running" not in statuses and "cancelled" in statuses
    assert "bench " in out  # the partial report was printed
