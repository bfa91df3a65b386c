"""RunRecorder: engine events become rows as they happen (SPEC §4)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os

import pytest
import sqlite_utils
from store_helpers import recorder

from reasoning.events import (
    CallFinished,
    CallStarted,
    Notice,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
)
from reasoning.secrets import remember
from store.queries import get_run, load_transcript
from store.recorder import RunRecorder


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def started(prompt: str = "What is 2+2?", **settings: object) -> RunStarted:
    return RunStarted(
        "dcot", "openai", "gpt-test", "http://127.0.0.1:9/v1", prompt, RunSettings(**settings)
    )  # type: ignore[arg-type]


def finished(status: str = "done", answer: str | None = "4", **kw: object) -> RunFinished:
    fields: dict[str, object] = dict(
        status=status,
        stop_reason="answer" if status == "done" else "provider_error",
        answer=answer,
        final_reward=0.9,
        steps=(),
        usage=Usage(100, 50, 10, 0),
        calls=2,
        cost_usd=0.0125,
        elapsed_s=3.5,
    )
    fields.update(kw)
    return RunFinished(RunResult(**fields))  # type: ignore[arg-type]


def run_row(db: sqlite_utils.Database, run_id: int | None) -> dict:
    return next(db.query("select * from runs where id = ?", [run_id]))


def step_rows(db: sqlite_utils.Database, run_id: int | None) -> list[dict]:
    return list(db.query("select * from steps where run_id = ? order by idx", [run_id]))


def test_run_started_inserts_a_running_row_with_settings_pid_and_utc_start(db):
    rec = recorder(db, attempt_group="g1", bench_id="b1")
    rec.handle(started(budget=12))
    row = run_row(db, rec.run_id)
    assert row["status"] == "running"
    assert row["prompt"] == "What is 2+2?"
    assert (row["paradigm"], row["provider"], row["model"]) == ("dcot", "openai", "gpt-test")
    assert row["base_url"] == "http://127.0.0.1:9/v1"
    assert json.loads(row["params"])["budget"] == 12
    assert row["pid"] == os.getpid()
    assert row["heartbeat_at"] is not None
    assert (row["attempt_group"], row["bench_id"]) == ("g1", "b1")
    started_at = dt.datetime.fromisoformat(row["started_at"])
    assert started_at.utcoffset() == dt.timedelta(0)


def test_a_key_remembered_before_the_run_starts_is_redacted_too(db):
    rec = recorder(db)
    remember("config-file-key-123456")  # as the provider does for its config file's key
    rec.handle(started(prompt="my key is config-file-key-123456"))
    assert run_row(db, rec.run_id)["prompt"] == "my key is [redacted]"


def test_events_before_run_started_are_refused(db):
    rec = recorder(db)
    with pytest.raises(RuntimeError):
        rec.handle(StepStarted(1, "step"))


def test_step_is_a_partial_row_when_started_and_final_when_finished(db):
    rec = recorder(db, clock=Clock())
    rec.handle(started())
    rec.handle(StepStarted(1, "thinking", None))
    (row,) = step_rows(db, rec.run_id)
    assert (row["idx"], row["kind"], row["partial"], row["content"]) == (1, "thinking", 1, "")
    rec.handle(TextDelta(1, "Let me think"))
    step = Step(
        1, "reflection", "Looks right.", title="Check", reward=0.85, budget_left=17, backtrack=True
    )
    rec.handle(StepFinished(step))
    (row,) = step_rows(db, rec.run_id)
    assert row["partial"] == 0
    assert (row["kind"], row["title"], row["content"]) == ("reflection", "Check", "Looks right.")
    assert (row["reward"], row["budget_left"], row["backtrack"]) == (0.85, 17, 1)
    assert row["finished_at"] >= row["started_at"]


def test_a_delta_for_an_unannounced_step_opens_it_and_a_late_one_is_ignored(db):
    rec = recorder(db, clock=Clock())
    rec.handle(started())
    rec.handle(TextDelta(1, "surprise"))
    rec.flush()
    assert [(r["kind"], r["content"], r["partial"]) for r in step_rows(db, rec.run_id)] == [
        ("step", "surprise", 1)
    ]
    rec.handle(StepFinished(Step(1, "step", "surprise!")))
    rec.handle(TextDelta(1, " late"))
    rec.flush()
    assert [(r["content"], r["partial"]) for r in step_rows(db, rec.run_id)] == [("surprise!", 0)]


def test_partial_text_is_not_written_per_delta_but_within_two_seconds(db):
    clock = Clock()
    rec = recorder(db, clock=clock)
    rec.handle(started())
    rec.handle(StepStarted(1, "step", "Add"))
    for piece in ("Two ", "plus ", "two"):
        clock.t += 0.5
        rec.handle(TextDelta(1, piece))
    assert step_rows(db, rec.run_id)[0]["content"] == ""  # 1.5 s: still buffered
    clock.t += 0.5
    rec.handle(TextDelta(1, " is"))  # 2.0 s since the last flush: written
    assert step_rows(db, rec.run_id)[0]["content"] == "Two plus two is"
    clock.t += 0.1
    rec.handle(TextDelta(1, " four"))
    assert step_rows(db, rec.run_id)[0]["content"] == "Two plus two is"
    clock.t += 2.0
    rec.handle(TextDelta(1, "."))
    assert step_rows(db, rec.run_id)[0]["content"] == "Two plus two is four."


async def test_a_stalled_stream_is_flushed_by_the_timer(db):
    rec = recorder(db, flush_interval_s=0.05)
    rec.handle(started())
    rec.handle(StepStarted(1, "step", None))
    rec.handle(TextDelta(1, "no more deltas after this"))
    assert step_rows(db, rec.run_id)[0]["content"] == ""
    await asyncio.sleep(0.2)
    assert step_rows(db, rec.run_id)[0]["content"] == "no more deltas after this"
    rec.handle(finished())


async def test_heartbeat_is_refreshed_while_the_run_is_silent(db):
    rec = recorder(db, heartbeat_interval_s=0.05)
    rec.handle(started())
    first = run_row(db, rec.run_id)["heartbeat_at"]
    await asyncio.sleep(0.2)
    assert run_row(db, rec.run_id)["heartbeat_at"] > first
    rec.handle(finished())
    last = run_row(db, rec.run_id)["heartbeat_at"]
    await asyncio.sleep(0.15)
    assert run_row(db, rec.run_id)["heartbeat_at"] == last  # timers stop with the run


def test_calls_keep_the_request_as_given_and_the_raw_response(db):
    rec = recorder(db)
    rec.handle(started())
    request = {
        "system": "You reason.",
        "messages": [{"role": "user", "content": "2+2"}],
        "max_tokens": 64,
    }
    rec.handle(CallStarted(1, request))
    row = next(db.query("select * from calls where run_id = ?", [rec.run_id]))
    assert json.loads(row["request"]) == request
    assert row["response"] is None
    rec.handle(CallFinished(1, "<step>2+2=4</step>", "end_turn", Usage(12, 7, 3, 1), 0.75))
    row = next(db.query("select * from calls where run_id = ?", [rec.run_id]))
    assert row["response"] == "<step>2+2=4</step>"
    assert row["stop_reason"] == "end_turn"
    usage = (
        row["input_tokens"],
        row["output_tokens"],
        row["cache_read_tokens"],
        row["cache_write_tokens"],
    )
    assert usage == (12, 7, 3, 1)
    assert row["elapsed_s"] == 0.75


def test_a_failed_call_keeps_its_error(db):
    rec = recorder(db)
    rec.handle(started())
    rec.handle(CallStarted(1, {"messages": []}))
    rec.handle(CallFinished(1, "", None, Usage(), 1.0, error="HTTP 500 after 4 retries"))
    row = next(db.query("select * from calls where run_id = ?", [rec.run_id]))
    assert row["error"] == "HTTP 500 after 4 retries"


def test_usage_update_sets_run_totals_and_an_unknown_cost_stays_null(db):
    rec = recorder(db)
    rec.handle(started())
    rec.handle(UsageUpdate(Usage(100, 20, 5, 2), 3, 0.01))
    row = run_row(db, rec.run_id)
    assert (row["input_tokens"], row["output_tokens"], row["cache_read_tokens"]) == (100, 20, 5)
    assert (row["cache_write_tokens"], row["calls"], row["cost_usd"]) == (2, 3, 0.01)
    rec.handle(UsageUpdate(Usage(200, 40), 4, None))
    assert run_row(db, rec.run_id)["cost_usd"] is None


def test_run_finished_finalises_the_run(db):
    rec = recorder(db)
    rec.handle(started())
    rec.handle(Notice("retrying after 429"))
    rec.handle(finished())
    row = run_row(db, rec.run_id)
    assert (row["status"], row["stop_reason"], row["answer"], row["final_reward"]) == (
        "done",
        "answer",
        "4",
        0.9,
    )
    assert (row["input_tokens"], row["output_tokens"], row["calls"], row["cost_usd"]) == (
        100,
        50,
        2,
        0.0125,
    )
    assert row["elapsed_s"] == 3.5
    assert row["finished_at"] is not None
    assert row["error"] is None


def test_a_failed_run_records_its_error_and_keeps_the_partial_step(db):
    rec = recorder(db, clock=Clock())
    rec.handle(started())
    rec.handle(StepStarted(1, "step"))
    rec.handle(TextDelta(1, "half a thought"))
    rec.handle(finished("failed", answer=None, error="provider unreachable"))
    row = run_row(db, rec.run_id)
    assert (row["status"], row["error"]) == ("failed", "provider unreachable")
    (step,) = step_rows(db, rec.run_id)
    assert (step["content"], step["partial"]) == ("half a thought", 1)


def test_run_finished_records_steps_the_engine_never_announced(db):
    rec = recorder(db)
    rec.handle(started())
    rec.handle(StepFinished(Step(1, "step", "first")))
    rec.handle(finished(steps=(Step(1, "step", "first"), Step(2, "answer", "4"))))
    assert [(r["idx"], r["content"], r["partial"]) for r in step_rows(db, rec.run_id)] == [
        (1, "first", 0),
        (2, "4", 0),
    ]


def test_cancelled_keeps_the_partial_step_text(db):
    clock = Clock()
    rec = recorder(db, clock=clock)
    rec.handle(started())
    rec.handle(StepFinished(Step(1, "step", "first step")))
    rec.handle(StepStarted(2, "step", "Second"))
    rec.handle(TextDelta(2, "halfway thr"))
    clock.t += 4.0
    rec.finish_cancelled()
    row = run_row(db, rec.run_id)
    assert (row["status"], row["stop_reason"]) == ("cancelled", "cancelled")
    assert row["elapsed_s"] == pytest.approx(4.0)
    rows = step_rows(db, rec.run_id)
    assert [(r["content"], r["partial"]) for r in rows] == [("first step", 0), ("halfway thr", 1)]
    rec.handle(finished())  # anything after the end is ignored
    assert run_row(db, rec.run_id)["status"] == "cancelled"


async def test_a_cancelled_task_inside_the_context_manager_is_recorded_as_cancelled(db):
    holder: list[RunRecorder] = []

    async def consume() -> None:
        with recorder(db) as rec:
            holder.append(rec)
            rec.handle(started())
            rec.handle(StepStarted(1, "step"))
            rec.handle(TextDelta(1, "thinking..."))
            await asyncio.sleep(10)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    rec = holder[0]
    assert run_row(db, rec.run_id)["status"] == "cancelled"
    assert step_rows(db, rec.run_id)[0]["content"] == "thinking..."


def test_an_exception_inside_the_context_manager_is_recorded_as_failed(db):
    with pytest.raises(ZeroDivisionError), recorder(db) as rec:
        rec.handle(started())
        1 / 0  # noqa: B018
    row = run_row(db, rec.run_id)
    assert row["status"] == "failed"
    assert "ZeroDivisionError" in row["error"]


def test_finish_failed_records_the_message(db):
    rec = recorder(db)
    rec.handle(started())
    rec.finish_failed("the TUI crashed")
    row = run_row(db, rec.run_id)
    assert (row["status"], row["error"]) == ("failed", "the TUI crashed")


def _interrupted_run(db: sqlite_utils.Database) -> int:
    """A run whose process died mid-step 3, after two finished steps and one call."""
    rec = recorder(db, clock=Clock())
    rec.handle(started())
    rec.handle(CallStarted(1, {"messages": [{"role": "user", "content": "2+2"}]}))
    rec.handle(StepFinished(Step(1, "step", "one")))
    rec.handle(StepFinished(Step(2, "reflection", "two", reward=0.8)))
    rec.handle(CallFinished(1, "<step>one</step>", "stop", Usage(100, 10), 1.0))
    rec.handle(UsageUpdate(Usage(100, 10), 1, 0.5))
    rec.handle(StepStarted(3, "step"))
    rec.handle(TextDelta(3, "lost in the crash"))
    rec.flush()
    assert rec.run_id is not None
    db.execute("update runs set status = 'interrupted', elapsed_s = 10 where id = ?", [rec.run_id])
    return rec.run_id


def test_resume_keeps_the_id_and_drops_the_dead_partial_step(db):
    run_id = _interrupted_run(db)
    rec = recorder(db, run_id=run_id)
    assert rec.run_id == run_id
    rec.handle(started())
    assert db.execute("select count(*) from runs").fetchone()[0] == 1
    assert run_row(db, run_id)["status"] == "running"
    assert [(r["idx"], r["partial"]) for r in step_rows(db, run_id)] == [(1, 0), (2, 0)]
    assert [s.index for s in load_transcript(db, run_id).steps] == [1, 2]
    rec.handle(StepFinished(Step(3, "answer", "4")))
    rec.handle(CallStarted(1, {"messages": []}))  # the engine counts its calls afresh
    rec.handle(CallFinished(1, "<answer>4</answer>", "stop", Usage(50, 5), 0.5))
    rec.handle(finished(usage=Usage(50, 5), calls=1, cost_usd=0.25, elapsed_s=2.0))
    row = run_row(db, run_id)
    assert (row["status"], row["answer"]) == ("done", "4")
    # Totals cover the whole run: before the crash and after the resume.
    assert (row["input_tokens"], row["output_tokens"], row["calls"]) == (150, 15, 2)
    assert row["cost_usd"] == pytest.approx(0.75)
    assert row["elapsed_s"] == pytest.approx(12.0)
    assert [
        r[0] for r in db.execute("select idx from calls where run_id = ? order by idx", [run_id])
    ] == [1, 2]
    assert [s.index for s in get_run(db, run_id).steps] == [1, 2, 3]  # type: ignore[union-attr]


def test_resume_of_an_unknown_run_is_refused(db):
    with pytest.raises(ValueError, match="no run 42"):
        recorder(db, run_id=42)


def test_no_key_reaches_any_table(db, monkeypatch):
    key = "sk-test-FAKEKEY-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    rec = recorder(db, clock=Clock())
    rec.handle(started(prompt="solve this"))
    # Even if a provider left its credentials in the request or echoed the key in an error.
    request = {
        "messages": [{"role": "user", "content": "solve this"}],
        "headers": {"Authorization": f"Bearer {key}"},
        "api_key": key,
    }
    rec.handle(CallStarted(1, request))
    rec.handle(StepStarted(1, "step"))
    rec.handle(TextDelta(1, f"echo {key}"))
    rec.handle(CallFinished(1, f"echo {key}", None, Usage(), 0.1, error=f"401: invalid key {key}"))
    rec.handle(finished("failed", answer=None, error=f"Incorrect API key provided: {key}"))
    found = []
    for table in db.table_names():
        for column in db[table].columns:
            if column.type.upper() in ("TEXT", ""):
                n = db.execute(
                    f"select count(*) from [{table}] where instr([{column.name}], ?) > 0", [key]
                ).fetchone()[0]
                if n:
                    found.append(f"{table}.{column.name}")
    assert found == []
    stored = json.loads(next(db.query("select request from calls"))["request"])
    assert stored["messages"] == request["messages"]  # the rest is kept as given
