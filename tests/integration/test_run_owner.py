"""One live owner per run: the recorder's claim, what the sweep and a resume make of it."""

from __future__ import annotations

import os
import socket
import time

import pytest
from store_helpers import recorder

from reasoning.events import (
    CallStarted,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
)
from store.owner import RunTakenOver, owner_token
from store.queries import get_summary, mark_interrupted


def started(db) -> tuple:
    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", "m", None, "q", RunSettings()))
    return rec, rec.run_id


def status(db, run_id: int) -> str:
    return db.execute("select status from runs where id = ?", [run_id]).fetchone()[0]


def finished(text: str = "4") -> RunFinished:
    step = Step(1, "step", "work")
    return RunFinished(RunResult("done", "answer", text, 0.9, (step,), Usage(1, 1), 1, None, 1.0))


def test_a_live_owner_with_a_stale_heartbeat_is_still_running(db):
    # A stopped process (SIGSTOP, a closed laptop) beats no more, yet it is its run's owner.
    _, run_id = started(db)
    db.execute("update runs set heartbeat_at = ? where id = ?", [time.time() - 3600, run_id])
    assert mark_interrupted(db) == 0
    assert status(db, run_id) == "running"
    assert get_summary(db, run_id).status == "running"


def test_a_pid_reused_by_another_process_is_not_the_owner(db):
    _, run_id = started(db)
    # The same pid, but a process that started at another time: the owner is gone.
    db.execute("update runs set owner = ? where id = ?", ["1:0123456789", run_id])
    assert get_summary(db, run_id).status == "interrupted"
    assert mark_interrupted(db) == 1
    assert status(db, run_id) == "interrupted"


def test_a_stale_owner_on_another_machine_is_swept(db):
    _, run_id = started(db)
    db.execute(
        "update runs set host = 'elsewhere', heartbeat_at = ? where id = ?",
        [time.time() - 3600, run_id],
    )
    assert mark_interrupted(db) == 1


def test_a_recorder_whose_run_was_taken_over_stops_without_writing(db):
    rec, run_id = started(db)
    rec.handle(StepStarted(1, "step"))
    rec.handle(TextDelta(1, "first words"))
    rec.flush()
    # Another process resumes it (as `ponder resume` does while this one is stopped).
    db.execute(
        "update runs set owner = ?, pid = 4242, host = ? where id = ?",
        [owner_token(), socket.gethostname(), run_id],
    )
    rec.handle(TextDelta(1, " and more"))
    with pytest.raises(RunTakenOver) as lost:
        rec.handle(StepFinished(Step(1, "step", "first words and more")))
    assert "run 1 was taken over by process 4242 on this machine" in str(lost.value)
    with pytest.raises(RunTakenOver):  # and it stays stopped
        rec.handle(finished())
    rec.finish_failed("should not be written")
    row = db.execute("select status, error from runs where id = ?", [run_id]).fetchone()
    assert tuple(row) == ("running", None)
    content = db.execute("select content, partial from steps where run_id = ?", [run_id])
    assert [tuple(r) for r in content] == [("first words", 1)]


def test_a_taken_over_run_pays_for_no_new_call(db):
    rec, run_id = started(db)
    db.execute("update runs set owner = 'someone:else' where id = ?", [run_id])
    with pytest.raises(RunTakenOver):
        rec.handle(CallStarted(1, {"messages": []}))
    assert db.execute("select count(*) from calls").fetchone()[0] == 0


def test_a_run_swept_while_its_owner_was_stopped_is_taken_back_if_nobody_resumed_it(db):
    rec, run_id = started(db)
    db.execute("update runs set status = 'interrupted', stop_reason = 'interrupted'")
    rec.handle(StepStarted(1, "step"))
    rec.handle(StepFinished(Step(1, "step", "work")))
    assert status(db, run_id) == "running"
    rec.handle(finished())
    assert status(db, run_id) == "done"


def test_a_resume_refuses_a_run_another_live_process_drives(db):
    _, run_id = started(db)  # this process: alive
    again = recorder(db, run_id=run_id)
    with pytest.raises(RunTakenOver):
        again.handle(RunStarted("dcot", "openai", "m", None, "q", RunSettings()))
    assert db.execute("select pid from runs").fetchone()[0] == os.getpid()


def test_a_resume_takes_an_interrupted_run_and_the_old_owner_is_shut_out(db):
    old, run_id = started(db)
    db.execute("update runs set status = 'interrupted'")
    new = recorder(db, run_id=run_id)
    new.handle(RunStarted("dcot", "openai", "m", None, "q", RunSettings()))
    new.handle(finished("5"))
    with pytest.raises(RunTakenOver):
        old.handle(finished("4"))
    answer = db.execute("select status, answer from runs where id = ?", [run_id]).fetchone()
    assert tuple(answer) == ("done", "5")
