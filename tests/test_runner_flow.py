"""The runner grades done runs a burst at a time, in its thread: every one, failures apart."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import sqlite_utils
from fakellm import FakeLLM

import store.grades
from store.db import open_db
from store.problems import import_file
from tui.runner import BenchPlan, BenchProgress, run_bench

N = 8


@pytest.fixture(autouse=True)
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-runner-not-a-real-key")


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    database = open_db(os.environ["PONDER_DB"])
    sheet = tmp_path / "eight.csv"
    with sheet.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "kind"])
        for i in range(1, N + 1):
            w.writerow([i, f"Problem {i}: what is {i} times 7?", str(7 * i), "integer"])
    import_file(database, sheet, "eight")
    return database


def plan(fake: FakeLLM, concurrency: int) -> BenchPlan:
    return BenchPlan(
        "eight",
        paradigms=("direct",),
        models=("gpt-4o-mini",),
        base_url=fake.base_url_openai,
        concurrency=concurrency,
    )


async def test_a_grading_failure_is_reported_and_the_other_runs_are_graded(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.grades.auto_grade_run
    broken: list[int] = []

    def flaky(database: sqlite_utils.Database, run_id: int) -> store.grades.StoredGrade:
        if not broken:
            broken.append(run_id)
            raise RuntimeError("grader bug")
        return real(database, run_id)

    monkeypatch.setattr(store.grades, "auto_grade_run", flaky)
    notes: list[str] = []

    def on_progress(p: BenchProgress) -> None:
        if p.note:
            notes.append(p.note)

    with FakeLLM() as fake:
        fake.responder = lambda body: "Final answer: 7"
        summary = await run_bench(db, plan(fake, concurrency=4), on_progress)
    assert summary.done == N
    graded = {r[0] for r in db.conn.execute("select run_id from grades")}
    assert graded == set(summary.run_ids) - set(broken)
    assert any(f"grading run {broken[0]}" in n and "grader bug" in n for n in notes)


async def test_every_done_run_is_graded_when_the_bench_returns(
    db: sqlite_utils.Database,
) -> None:
    with FakeLLM(latency=0.05) as fake:
        fake.responder = lambda body: "Final answer: 7"
        seen: list[BenchProgress] = []
        summary = await run_bench(db, plan(fake, concurrency=3), seen.append)
    graded = db.conn.execute("select count(distinct run_id) from grades").fetchone()[0]
    assert summary.done == graded == N
    assert seen[-1].graded == N
