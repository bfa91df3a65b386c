"""Verbal reinforcement as an arm of its own: `dcot+guided` runs, counts and scores apart from
plain dcot, beside direct, in one bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from fakellm import FakeLLM, Reply
from test_bench import dcot_text, import_small, paradigm_of

from store.benchq import bench_progress, config_totals
from store.problems import list_problems
from workbench.bench import run_bench
from workbench.bench.plan import BenchError, BenchPlan, arms


@pytest.fixture(autouse=True)
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-arms")


def test_reinforce_modes_make_arms_of_dcot_only():
    assert arms(("direct", "dcot"), ("self", "guided")) == ("direct", "dcot", "dcot+guided")
    assert arms(("dcot", "g1"), ("guided",)) == ("dcot+guided", "g1")
    assert arms(("dcot",)) == ("dcot",)


def arms_responder(db: sqlite_utils.Database) -> Any:
    problems = sorted(list_problems(db, "small"), key=lambda p: -len(p.text))

    def respond(body: dict[str, Any]) -> Reply:
        text = json.dumps(body["messages"])
        problem = next(p for p in problems if p.text in text)
        if body.get("stop") == ["</reward>"]:  # guided: the engine stops at each reward
            if not any(m["role"] == "assistant" for m in body["messages"]):
                return Reply("<step>Multiply.</step><count>19</count>"
                             "<reflection>Sound.</reflection><reward>0.9</reward>")  # fmt: skip
            return Reply(
                f"<answer>{problem.reference}</answer><reflection>ok</reflection><reward>0.9</reward>"
            )
        if paradigm_of(body) == "dcot":
            return Reply(dcot_text(problem.reference or ""))
        return Reply(f"Final answer: {problem.reference}")

    return respond


async def test_a_bench_runs_dcot_and_dcot_guided_as_two_arms(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=3)
    with FakeLLM() as fake:
        fake.responder = arms_responder(db)
        plan = BenchPlan(
            "small",
            paradigms=arms(("direct", "dcot"), ("self", "guided")),
            models=("gpt-4o-mini",),
            base_url=fake.base_url_openai,
        )
        summary = await run_bench(db, plan)
        guided_requests = [r for r in fake.chat_requests if r.body.get("stop") == ["</reward>"]]
    errors = db.conn.execute("select paradigm, error from runs where status != 'done'").fetchall()
    assert summary.done == 9 and summary.failed == 0, errors
    assert len(guided_requests) == 6  # a step with its reward, feedback, then the answer
    by_arm = {c.paradigm: c for c in config_totals(db, summary.bench_id)}
    assert sorted(by_arm) == ["dcot", "dcot+guided", "direct"]
    assert all(c.runs == 3 and c.done == 3 for c in by_arm.values())
    progress = {c.paradigm: c.done for c in bench_progress(db, summary.bench_id)}
    assert progress == {"dcot": 3, "dcot+guided": 3, "direct": 3}
    stored = db.conn.execute(
        "select paradigm, json_extract(params, '$.reinforce'), count(*) from runs"
        " group by 1, 2 order by 1, 2"
    ).fetchall()
    assert stored == [("dcot", "guided", 3), ("dcot", "self", 3), ("direct", "self", 3)]


async def test_an_unknown_arm_is_one_line(db: sqlite_utils.Database, tmp_path: Path) -> None:
    import_small(tmp_path, n=1)
    with pytest.raises(BenchError, match="unknown paradigm 'g1\\+guided'"):
        await run_bench(db, BenchPlan("small", paradigms=("g1+guided",), models=("m",)))


async def test_show_json_and_the_runs_csv_say_the_arm_and_where_a_run_belongs(
    db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    from cli_helpers import exit_code

    import_small(tmp_path, n=1)
    with FakeLLM() as fake:
        fake.responder = arms_responder(db)
        plan = BenchPlan(
            "small",
            paradigms=arms(("dcot",), ("guided",)),
            models=("gpt-4o-mini",),
            base_url=fake.base_url_openai,
        )
        summary = await run_bench(db, plan)
    [run_id] = [r[0] for r in db.conn.execute("select id from runs")]
    capsys.readouterr()
    assert exit_code(["show", str(run_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["reinforce"], shown["provider"], shown["bench_id"]) == (
        "guided", "openai", summary.bench_id,
    )  # fmt: skip
    assert "attempt_group" in shown and "selected" in shown
    path = tmp_path / "runs.csv"
    assert exit_code(["export", str(path), "--what", "runs"]) == 0
    [row] = list(csv.DictReader(path.open()))
    assert (row["reinforce"], row["arm"], row["bench_id"], row["provider"]) == (
        "guided", "dcot+guided", summary.bench_id, "openai",
    )  # fmt: skip
    kinds = [s["kind"] for s in shown["steps"]]
    assert kinds == ["step", "reflection", "feedback", "answer", "final_reflection"]
    # The engine's feedback is a step of its own in show's text too.
    assert exit_code(["show", str(run_id)]) == 0
    text = capsys.readouterr().out
    assert "Engine feedback: continue" in text and "Reward 0.9" in text


async def test_a_bench_records_the_settings_each_arm_ran_with(
    db: sqlite_utils.Database, tmp_path: Path
) -> None:
    from reasoning.events import RunSettings

    import_small(tmp_path, n=1)
    with FakeLLM() as fake:
        fake.responder = arms_responder(db)
        plan = BenchPlan(
            "small",
            paradigms=arms(("direct", "dcot"), ("self", "guided")),
            models=("gpt-4o-mini",),
            base_url=fake.base_url_openai,
            settings=RunSettings(max_tokens=512),
        )
        summary = await run_bench(db, plan)
    [stored] = db.conn.execute("select plan from benches where id = ?", [summary.bench_id])
    by_arm = json.loads(stored[0])["arms"]
    assert sorted(by_arm) == ["dcot", "dcot+guided", "direct"]
    assert (by_arm["dcot+guided"]["paradigm"], by_arm["dcot+guided"]["reinforce"]) == (
        "dcot", "guided",
    )  # fmt: skip
    # One budget and one continuation rule for every arm.
    for key in ("max_tokens", "output_budget", "max_continuations", "wall_time_s"):
        assert len({json.dumps(s[key]) for s in by_arm.values()}) == 1, key
    assert by_arm["direct"]["max_tokens"] == 512
