"""The runner's flow: runs started one per loop turn, done runs graded a burst at a time."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from fakellm import FakeLLM

import reasoning.providers
import store.grades
import workbench.grading
from reasoning.events import Usage
from reasoning.providers.base import ChatRequest, Delta, Done
from store.problems import import_file
from workbench.bench import BenchProgress, run_bench
from workbench.bench.plan import BenchPlan

N = 8


@pytest.fixture(autouse=True)
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-runner-not-a-real-key")


@pytest.fixture
def db(db: sqlite_utils.Database, tmp_path: Path) -> sqlite_utils.Database:
    """The store with a set of eight integer problems."""
    database = db
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
    real = workbench.grading.auto_grade_run
    broken: list[int] = []

    def flaky(
        database: sqlite_utils.Database, run_id: int, **options: Any
    ) -> store.grades.StoredGrade:
        if not broken:
            broken.append(run_id)
            raise RuntimeError("grader bug")
        return real(database, run_id, **options)

    monkeypatch.setattr(workbench.grading, "auto_grade_run", flaky)
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


class Turns:
    """Counts the turns of the running loop (a callback that schedules itself again)."""

    def __init__(self) -> None:
        self.n = 0
        self.loop = asyncio.get_running_loop()
        self.handle = self.loop.call_soon(self.tick)

    def tick(self) -> None:
        self.n += 1
        self.handle = self.loop.call_soon(self.tick)


class Scripted:
    """A provider of our protocol that notes the loop turn each call starts in."""

    kind = "openai"
    base_url = None
    on_notice = None

    def __init__(self, turns: Turns, log: list[int], model: str) -> None:
        self.name, self.model = "scripted", model
        self.turns, self.log = turns, log

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | Done]:
        self.log.append(self.turns.n)
        await asyncio.sleep(0.05)
        yield Delta("Final answer: 7")
        yield Done("stop", Usage(10, 4))

    async def aclose(self) -> None:
        pass


async def test_runs_started_together_send_their_calls_in_turn(
    db: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    turns, log = Turns(), list[int]()

    def build(spec: Any, **_: Any) -> Scripted:
        return Scripted(turns, log, spec.model)

    monkeypatch.setattr(reasoning.providers, "build_provider", build)
    bench = BenchPlan(
        "eight",
        paradigms=("direct",),
        models=("gpt-4o-mini",),
        base_url="http://127.0.0.1:9/v1",  # never reached: the provider is scripted
        concurrency=4,
    )
    try:
        summary = await run_bench(db, bench)
    finally:
        turns.handle.cancel()
    assert summary.done == N
    # Each of the first four runs had the loop to itself to send its call.
    assert len(set(log[:4])) == 4
