"""workbench.drive: one problem run and recorded, cancel and failure handled once; attempts."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from fakellm import FakeLLM, Reply
from test_engine import TRANSCRIPT, provider_for

from reasoning.events import Event, RunFinished, RunSettings, StepFinished, TextDelta, UsageUpdate
from store.db import open_db
from workbench.attempts import drive_attempts
from workbench.drive import Driver, drive


async def test_a_driven_run_is_recorded_and_returned_with_its_run_id(
    fake_llm, monkeypatch, tmp_path
):
    fake_llm.queue(Reply(TRANSCRIPT))
    db = open_db(tmp_path / "d.db")
    seen: list[tuple[Event, int | None]] = []
    provider = provider_for(fake_llm, "openai", monkeypatch)
    driven = await drive(
        "Solve 2x+3=11", provider, RunSettings(), db=db, on_event=lambda e, r: seen.append((e, r))
    )
    assert driven.status == "done" and driven.result is not None
    assert driven.result.answer == "x = 4"
    row = db.execute("select id, status, answer from runs").fetchone()
    assert row == (driven.run_id, "done", "x = 4")
    # Every event after the first is seen with the run's id, and after it was recorded.
    assert all(run_id == driven.run_id for _, run_id in seen[1:])
    steps = db.execute("select count(*) from steps").fetchone()[0]
    assert steps == sum(isinstance(e, StepFinished) for e, _ in seen)
    await provider.aclose()


async def test_a_cancelled_run_is_kept_cancelled_and_its_last_usage_is_the_stored_one(
    fake_llm: FakeLLM, monkeypatch, tmp_path
):
    fake_llm.queue(Reply(TRANSCRIPT * 5, chunk=5, delay=0.02))
    db = open_db(tmp_path / "d.db")
    seen: list[Event] = []
    provider = provider_for(fake_llm, "openai", monkeypatch)
    driver = Driver(
        "Solve 2x+3=11", provider, RunSettings(), db=db, on_event=lambda e, _: seen.append(e)
    )
    task = asyncio.create_task(driver.run())
    while not any(isinstance(e, TextDelta) for e in seen):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    status, tokens_out, calls = db.execute(
        "select status, output_tokens, calls from runs where id = ?", [driver.run_id]
    ).fetchone()
    assert status == "cancelled" and tokens_out > 0 and calls == 1
    last = seen[-1]
    assert isinstance(last, UsageUpdate)
    assert (last.usage.output_tokens, last.calls) == (tokens_out, calls)
    await provider.aclose()


async def test_a_store_that_fails_mid_run_ends_the_run_with_the_stores_error(
    fake_llm, monkeypatch, tmp_path
):
    fake_llm.queue(Reply(TRANSCRIPT))
    db = open_db(tmp_path / "d.db")
    provider = provider_for(fake_llm, "openai", monkeypatch)
    finished: list[Event] = []

    def seen(event: Event, _: int | None) -> None:
        if isinstance(event, StepFinished) and event.step.index == 2:
            db.conn.execute("drop table steps")  # every later step write fails
        finished.append(event)

    with pytest.raises(sqlite3.OperationalError, match="steps"):
        await drive("Solve 2x+3=11", provider, RunSettings(), db=db, on_event=seen)
    assert not any(isinstance(e, RunFinished) for e in finished)  # the run stopped there
    await provider.aclose()


async def test_a_provider_spec_is_built_for_the_run(fake_llm, monkeypatch, tmp_path):
    fake_llm.queue(Reply(TRANSCRIPT))
    spec = provider_for(fake_llm, "openai", monkeypatch).spec
    driven = await drive("Solve 2x+3=11", spec, RunSettings())
    assert driven.status == "done" and driven.run_id is None  # no store: nothing recorded
    assert driven.result is not None and driven.result.answer == "x = 4"


async def test_attempts_run_concurrently_and_vote(fake_llm, monkeypatch, tmp_path):
    answers = iter(["A, C", "C,A", "B"])
    fake_llm.responder = lambda body: Reply(
        f"<step>s</step><answer>{next(answers)}</answer><reflection>r</reflection><reward>0.5</reward>",
        delay=0.01,
    )
    provider = provider_for(fake_llm, "openai", monkeypatch)
    db = open_db(tmp_path / "d.db")
    drivers = [Driver("q", provider, RunSettings(), db=db, attempt_group="g") for _ in range(3)]
    attempts = await drive_attempts(drivers, "vote", db=db, group="g")
    assert attempts.selected is not None
    chosen = attempts.driven[attempts.selected]
    assert chosen.result is not None and chosen.result.answer in ("A, C", "C,A")
    assert "majority vote: 2 of 3" in attempts.how
    assert fake_llm.peak_streams >= 2
    # The store marks the attempt selected in memory: the selection is made once.
    marked = db.execute("select id from runs where selected = 1").fetchall()
    assert marked == [(chosen.run_id,)]
    await provider.aclose()


async def test_attempts_select_highest_reward(fake_llm, monkeypatch):
    rewards = iter([0.4, 0.9, 0.6])
    fake_llm.responder = lambda body: Reply(
        f"<answer>{(r := next(rewards))}</answer><reflection>r</reflection><reward>{r}</reward>"
    )
    provider = provider_for(fake_llm, "openai", monkeypatch)
    attempts = await drive_attempts([Driver("q", provider, RunSettings()) for _ in range(3)])
    assert attempts.selected is not None
    result = attempts.driven[attempts.selected].result
    assert result is not None and result.final_reward == 0.9
    await provider.aclose()


@pytest.mark.parametrize("store", [True, False])
async def test_a_cancelled_run_s_object_is_what_the_store_keeps_of_it(
    fake_llm: FakeLLM, monkeypatch, tmp_path, store
):
    """`solve --json` after Ctrl+C: the object built in memory holds the steps so far (the cut
    one with its text) and the call cut off estimated and priced, as the store's record does."""
    from store.queries import run_json

    config = tmp_path / "config.toml"
    config.write_text('[prices."test-model"]\ninput = 3.0\noutput = 15.0\n')
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    fake_llm.queue(Reply(TRANSCRIPT * 5, chunk=5, delay=0.02))
    db = open_db(tmp_path / "d.db") if store else None
    provider = provider_for(fake_llm, "openai", monkeypatch)
    deltas = 0

    def on_event(event: Event, _: int | None) -> None:
        nonlocal deltas
        deltas += isinstance(event, TextDelta)
        if deltas == 12:
            task.cancel()

    driver = Driver("Solve 2x+3=11", provider, RunSettings(), db=db, on_event=on_event)
    task = asyncio.create_task(driver.run())
    with pytest.raises(asyncio.CancelledError):
        await task
    await provider.aclose()
    obj = driver.seen.as_json(
        driver.run_id, None, paradigm="dcot", provider="openai", model="test-model"
    )
    assert (obj["status"], obj["stop_reason"], obj["answer"]) == ("cancelled", "cancelled", None)
    assert obj["steps"] and obj["steps"][-1]["content"]  # the cut step, with its text so far
    assert all(s["content"] in TRANSCRIPT for s in obj["steps"])
    cut = obj["steps"][-1]["content"]
    assert f">{cut}" in TRANSCRIPT  # the start of a step's text
    usage = obj["usage"]
    assert usage["calls"] == 1 and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["cost_usd"] == pytest.approx(
        (usage["input_tokens"] * 3.0 + usage["output_tokens"] * 15.0) / 1e6
    )
    if db is not None:
        kept = run_json(db, driver.run_id)
        timing = {"started_at", "elapsed_s"}  # stamped by each as it saw the run
        assert {k: v for k, v in obj.items() if k not in timing} == {
            k: v for k, v in kept.items() if k not in timing
        }
