"""Reading runs back: history list, search, one run, its JSON, transcript, crash recovery."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import sqlite_utils
import store_helpers
from store_helpers import record_run, recorder

from reasoning.events import (
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
)
from store.db import open_db
from store.queries import (
    NoSuchRun,
    count_runs,
    delete_run,
    fts_query,
    get_run,
    list_runs,
    load_transcript,
    mark_interrupted,
    run_json,
)


def add_problem(db: sqlite_utils.Database, dataset: str, key: str, text: str) -> int:
    return store_helpers.add_problem(db, key, "4", dataset=dataset, text=text)


def record(
    db: sqlite_utils.Database,
    prompt: str = "What is 2+2?",
    answer: str | None = "4",
    *,
    model: str = "gpt-test",
    problem_id: int | None = None,
    steps: int = 2,
    status: str = "done",
) -> int:
    """A run of `steps` finished steps, a usage update, and its end."""
    return record_run(
        db,
        prompt,
        answer,
        model=model,
        problem_id=problem_id,
        settings=RunSettings(budget=9),
        steps=[
            Step(i, "step", f"step {i} text", title=f"T{i}", reward=0.5 + i / 10, budget_left=9 - i)
            for i in range(1, steps + 1)
        ],
        usage=Usage(30, 20, 5),
        usage_update=True,
        status=status,
        final_reward=0.9,
        elapsed_s=1.5,
    )


def add_grade(
    db: sqlite_utils.Database, run_id: int, grader: str, score: float, verdict: str
) -> None:
    db.execute(
        "insert into grades (run_id, grader, score, verdict, created_at) values (?, ?, ?, ?, 'now')",
        [run_id, grader, score, verdict],
    )


def test_list_runs_is_newest_first_and_pages(db):
    ids = [record(db, f"problem number {i}") for i in range(7)]
    assert [r.run_id for r in list_runs(db)] == ids[::-1]
    assert [r.run_id for r in list_runs(db, limit=3)] == ids[6:3:-1]
    assert [r.run_id for r in list_runs(db, limit=3, offset=3)] == ids[3:0:-1]
    assert [r.run_id for r in list_runs(db, limit=3, offset=6)] == ids[:1]
    assert list_runs(db, limit=3, offset=7) == []
    assert count_runs(db) == 7


def test_summary_carries_the_run_and_its_problem(db):
    pid = add_problem(db, "jee", "q7", "Find the sum of the roots.")
    run_id = record(db, "Find the sum of the roots.", "12", problem_id=pid)
    free = record(db, "free prompt", "x")
    by_id = {r.run_id: r for r in list_runs(db)}
    s = by_id[run_id]
    assert (s.status, s.paradigm, s.provider, s.model) == ("done", "dcot", "openai", "gpt-test")
    assert (s.problem, s.answer, s.final_reward, s.stop_reason) == ("jee:q7", "12", 0.9, "answer")
    assert s.started_at
    assert by_id[free].problem is None


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("quadratic", ["quad"]),  # the prompt
        ("Quadratics", ["quad"]),  # case and stemming
        ("seventeen", ["answer"]),  # the answer
        ("llama", ["model"]),  # the model
        ("circle radius", ["problem"]),  # the problem's text, all words
        ("circle banana", []),
        ("quadr", ["quad"]),  # the last word is a prefix, as one types
        ("nothing-like-this", []),
    ],
)
def test_search_covers_prompt_answer_model_and_problem_text(db, search, expected):
    pid = add_problem(db, "geo", "c1", "A circle has radius 3.")
    names = {
        record(db, "Solve the quadratic equation", "x = 2"): "quad",
        record(db, "A counting question", "seventeen"): "answer",
        record(db, "Another question", "5", model="llama3.1:8b"): "model",
        record(db, "Problem c1", "28.27", problem_id=pid): "problem",
    }
    assert [names[r.run_id] for r in list_runs(db, search=search)] == expected
    assert count_runs(db, search=search) == len(expected)


@pytest.mark.parametrize(
    "search", ['"', "*", "AND (", "NEAR(", "a:b", "-x", "'; drop table runs; --", "^"]
)
def test_search_syntax_in_user_text_is_taken_literally(db, search):
    record(db)
    list_runs(db, search=search)  # no FTS syntax error
    assert count_runs(db) == 1


def test_a_search_without_words_matches_nothing_and_a_blank_one_everything(db):
    record(db)
    assert list_runs(db, search="?!") == []
    assert len(list_runs(db, search="  ")) == 1


def test_fts_query_quotes_every_word():
    assert fts_query('say "hi" or NOT') == '"say" "hi" "or" "NOT"*'
    assert fts_query("  ") is None


def test_dataset_filter(db):
    a = add_problem(db, "jee", "1", "alpha")
    b = add_problem(db, "putnam", "1", "beta")
    ra = record(db, problem_id=a)
    record(db, problem_id=b)
    record(db)
    assert [r.run_id for r in list_runs(db, dataset="jee")] == [ra]
    assert list_runs(db, dataset="nope") == []


def test_effective_grade_is_latest_human_else_latest_auto(db):
    ungraded = record(db)
    auto_only = record(db)
    human = record(db)
    add_grade(db, auto_only, "auto", 0.0, "zero")
    add_grade(db, auto_only, "auto", 1.0, "full")
    add_grade(db, human, "human", 0.5, "partial")
    add_grade(
        db, human, "auto", 1.0, "full"
    )  # a later automatic grade does not override a human one
    by_id = {r.run_id: r for r in list_runs(db)}
    assert (by_id[ungraded].grade, by_id[ungraded].grade_verdict) == (None, None)
    assert (by_id[auto_only].grade, by_id[auto_only].grade_verdict) == (1.0, "full")
    assert (by_id[human].grade, by_id[human].grade_verdict) == (0.5, "partial")


def test_get_run_returns_the_whole_run(db):
    run_id = record(db, steps=3)
    d = get_run(db, run_id)
    assert d is not None
    assert d.run_id == run_id and d.prompt == "What is 2+2?"
    assert [s.index for s in d.steps] == [1, 2, 3]
    assert d.steps[0] == Step(
        1, "step", "step 1 text", title="T1", reward=0.6, budget_left=8,
        started_at=d.steps[0].started_at, finished_at=d.steps[0].finished_at,
    )  # fmt: skip
    assert d.partial_steps == ()
    assert d.usage == Usage(30, 20, 5, 0)
    assert (d.calls, d.cost_usd, d.elapsed_s, d.error, d.stop_reason) == (
        1,
        None,
        1.5,
        None,
        "answer",
    )
    assert d.settings().budget == 9
    assert get_run(db, 999) is None


def test_run_json_is_the_pinned_solve_json_object(db):
    run_id = record(db, steps=1)
    obj = run_json(db, run_id)
    pinned = ["run_id", "status", "stop_reason", "paradigm", "provider", "model", "steps", "answer"]
    pinned += ["final_reward", "reinforce", "usage", "elapsed_s"]
    assert list(obj)[: len(pinned)] == pinned
    assert set(obj) - set(pinned) <= {"problem", "error", "started_at"}
    assert obj["steps"] == [
        {
            "index": 1,
            "kind": "step",
            "title": "T1",
            "content": "step 1 text",
            "reward": 0.6,
            "budget_left": 8,
            "backtrack": False,
        }
    ]
    assert obj["usage"] == {
        "input_tokens": 30,
        "output_tokens": 20,
        "cache_read_tokens": 5,
        "calls": 1,
        "cost_usd": None,
    }
    assert (obj["run_id"], obj["status"], obj["answer"], obj["final_reward"], obj["elapsed_s"]) == (
        run_id,
        "done",
        "4",
        0.9,
        1.5,
    )
    with pytest.raises(NoSuchRun, match="no run 999"):
        run_json(db, 999)


def test_load_transcript_has_the_finished_steps_only(db):
    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", "m", None, "the prompt", RunSettings()))
    rec.handle(StepFinished(Step(1, "thinking", "plan")))
    rec.handle(StepFinished(Step(2, "step", "work", budget_left=18)))
    rec.handle(StepStarted(3, "step"))
    rec.handle(TextDelta(3, "unfinished"))
    rec.flush()
    assert rec.run_id is not None
    t = load_transcript(db, rec.run_id)
    assert t.prompt == "the prompt"
    assert [(s.index, s.kind, s.content) for s in t.steps] == [
        (1, "thinking", "plan"),
        (2, "step", "work"),
    ]
    d = get_run(db, rec.run_id)
    assert d is not None and d.partial_steps == (3,) and d.steps[-1].content == "unfinished"
    with pytest.raises(NoSuchRun):
        load_transcript(db, 999)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def running_run(
    db: sqlite_utils.Database, *, pid: int, host: str | None, heartbeat_at: float | None
) -> int:
    return store_helpers.add_run(
        db, None, None, "running", pid=pid, host=host, heartbeat_at=heartbeat_at
    )


def status(db: sqlite_utils.Database, run_id: int) -> tuple[str, str | None]:
    return tuple(
        db.execute("select status, stop_reason from runs where id = ?", [run_id]).fetchone()
    )  # type: ignore[return-value]


def test_mark_interrupted_catches_a_run_whose_process_died(db):
    here, now = socket.gethostname(), time.time()
    dead = running_run(db, pid=dead_pid(), host=here, heartbeat_at=now)
    alive = running_run(db, pid=__import__("os").getpid(), host=here, heartbeat_at=now)
    assert mark_interrupted(db) == 1
    assert status(db, dead) == ("interrupted", "interrupted")
    assert status(db, alive) == ("running", None)
    assert db.execute("select finished_at from runs where id = ?", [dead]).fetchone()[0]
    assert mark_interrupted(db) == 0


def test_mark_interrupted_catches_a_stale_heartbeat_and_trusts_pids_only_on_their_host(db):
    import os

    now = time.time()
    stale = running_run(db, pid=os.getpid(), host=socket.gethostname(), heartbeat_at=now - 120)
    elsewhere = running_run(db, pid=dead_pid(), host="another-machine", heartbeat_at=now)
    assert mark_interrupted(db) == 1
    assert status(db, stale)[0] == "interrupted"
    assert status(db, elsewhere)[0] == "running"


def test_open_db_marks_dead_runs_interrupted(tmp_path):
    path = tmp_path / "p.db"
    db = open_db(path)
    run_id = running_run(db, pid=dead_pid(), host=socket.gethostname(), heartbeat_at=time.time())
    db.close()
    assert status(open_db(path), run_id)[0] == "interrupted"


def test_mark_interrupted_leaves_finished_runs_alone(db):
    run_id = record(db)
    db.execute("update runs set pid = ? where id = ?", [dead_pid(), run_id])
    assert mark_interrupted(db) == 0
    assert status(db, run_id) == ("done", "answer")


@pytest.mark.parametrize("model", ["gpt-4o-mini", "a-model-with-no-price"])
def test_a_dead_run_s_calls_are_costed_at_the_price_kept_with_it(db, model):
    """The store knows no prices: the recorder keeps the model's with the run, and a run cut off
    after a call finished (its row not updated yet) is costed by it, or unknown without one."""
    from reasoning.events import CallFinished, CallStarted
    from reasoning.providers.pricing import price_for

    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", model, None, "q", RunSettings()))
    rec.handle(CallStarted(1, {"messages": [{"role": "user", "content": "q"}]}))
    rec.handle(CallFinished(1, "4", "stop", Usage(1000, 200), 0.5))
    db.execute("update runs set pid = ? where id = ?", [dead_pid(), rec.run_id])
    assert mark_interrupted(db) == 1
    d = get_run(db, rec.run_id)
    assert d is not None and (d.usage, d.calls) == (Usage(1000, 200), 1)
    price = price_for(model)
    assert d.cost_usd == (None if price is None else pytest.approx(price.cost(Usage(1000, 200))))
    assert (price is None) == (model == "a-model-with-no-price")


def test_delete_run_removes_steps_calls_and_grades(db):
    keep = record(db)
    gone = record(db, steps=3)
    db.execute("insert into calls (run_id, idx, request) values (?, 1, '{}')", [gone])
    add_grade(db, gone, "human", 1.0, "full")
    assert delete_run(db, gone) is True
    for table in ("steps", "calls", "grades"):
        assert (
            db.execute(f"select count(*) from {table} where run_id = ?", [gone]).fetchone()[0] == 0
        )
    assert [r.run_id for r in list_runs(db)] == [keep]
    indexed = [r[0] for r in db.execute("select rowid from runs_fts where runs_fts match 'What'")]
    assert indexed == [keep]  # the full-text index forgot it too
    assert delete_run(db, gone) is False
