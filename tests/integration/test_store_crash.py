"""Crash safety with real processes: concurrent writers, `kill -9` mid-run (SPEC §4, §8).

This file is also the child process: `python tests/integration/test_store_crash.py writer|streamer ...`.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import wait_for
from store_helpers import recorder

from reasoning.events import (
    CallFinished,
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
    UsageUpdate,
)
from store.db import open_db
from store.queries import get_run, list_runs, load_transcript

HERE = Path(__file__).resolve()
STEPS_PER_RUN = 5
TICK = 1 / 64  # seconds between the streamer's deltas on its clock: exact in binary, 128 to 2 s

pytestmark = pytest.mark.slow


# ---- the child processes -------------------------------------------------------------------


def writer(path: str, count: int, tag: str) -> None:
    """Record `count` complete runs as fast as possible; print how many."""
    db = open_db(path)
    runs = 0
    while runs < count:
        rec = recorder(db, attempt_group=tag, clock=lambda: 1e9)  # every delta flushes: worst case
        rec.handle(RunStarted("dcot", "openai", "m", None, f"{tag} run {runs}", RunSettings()))
        rec.handle(CallStarted(1, {"messages": [{"role": "user", "content": "p"}]}))
        for i in range(1, STEPS_PER_RUN + 1):
            rec.handle(StepStarted(i, "step"))
            for piece in ("some ", "text ", "here"):
                rec.handle(TextDelta(i, piece))
            rec.handle(StepFinished(Step(i, "step", "some text here", reward=0.9)))
            rec.handle(UsageUpdate(Usage(10 * i, i), 1, None))
        rec.handle(CallFinished(1, "raw", "stop", Usage(50, 5), 0.1))
        rec.handle(
            RunFinished(RunResult("done", "answer", "42", 0.9, (), Usage(50, 5), 1, None, 0.1))
        )
        runs += 1
    print(f"DONE {runs}", flush=True)


async def streamer(path: str, deltas: int) -> None:
    """Stream `deltas` stamped deltas into one step, TICK apart on the recorder's clock (a
    counter, so a loaded machine changes nothing), each printed once handled; then stall until
    killed. The flush timer, which runs on real time, still writes what a stall leaves."""
    db = open_db(path)
    clock = [0.0]
    rec = recorder(db, clock=lambda: clock[0])
    rec.handle(RunStarted("dcot", "openai", "m", None, "a long problem", RunSettings()))
    rec.handle(StepFinished(Step(1, "step", "a finished step")))
    rec.handle(StepStarted(2, "step"))
    print(f"RUN {rec.run_id}", flush=True)
    for n in range(1, deltas + 1):
        clock[0] = n * TICK
        rec.handle(TextDelta(2, f"<{clock[0]:.6f}>"))
        print(f"SENT {clock[0]:.6f}", flush=True)
        await asyncio.sleep(0.005)
    print("STALL", flush=True)
    await asyncio.sleep(3600)


# ---- the tests ---------------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE), *args],
        # Run as a script, this file imports the shared helpers from their folder.
        env={**os.environ, "PYTHONPATH": str(HERE.parents[1] / "support")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_runs_at_once_without_locking_errors(tmp_path):
    path = tmp_path / "ponder.db"
    open_db(path).close()
    procs = [spawn("writer", str(path), "40", tag) for tag in ("a", "b")]
    db = open_db(path)
    reads = 0
    while reads == 0 or any(p.poll() is None for p in procs):  # a reader at the same time
        list_runs(db, limit=20)
        reads += 1
        time.sleep(0.05)
    outputs = [p.communicate(timeout=30) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    written = {tag: int(out.split()[1]) for tag, (out, _) in zip("ab", outputs, strict=True)}
    print(f"runs written: {written}, reads: {reads}")
    assert written == {"a": 40, "b": 40}
    for tag, n in written.items():
        assert (
            db.execute(
                "select count(*) from runs where attempt_group = ? and status = 'done'", [tag]
            ).fetchone()[0]
            == n
        )
        steps = db.execute(
            "select count(*) from steps join runs on runs.id = steps.run_id"
            " where attempt_group = ? and partial = 0 and content = 'some text here'",
            [tag],
        ).fetchone()[0]
        assert steps == n * STEPS_PER_RUN
        calls = db.execute(
            "select count(*) from calls join runs on runs.id = calls.run_id where attempt_group = ? and response = 'raw'",
            [tag],
        ).fetchone()[0]
        assert calls == n


def _written(path: Path, run_id: int) -> str:
    """The streaming step's text as another process reads it now."""
    db = open_db(path, migrate_now=False)
    try:
        row = db.execute("select content from steps where run_id = ? and idx = 2", [run_id])
        return (row.fetchone() or [""])[0] or ""
    finally:
        db.close()


def _kill_and_read(proc: subprocess.Popen[str], path: Path, run_id: int) -> str:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    db = open_db(path)  # the next start finds the dead run
    detail = get_run(db, run_id)
    assert detail is not None
    assert (detail.status, detail.stop_reason) == ("interrupted", "interrupted")
    assert detail.steps[0].content == "a finished step" and detail.partial_steps == (2,)
    return detail.steps[1].content


def _first_line(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith(prefix), (line, proc.stderr.read() if proc.stderr else "")
    return line.split()[1]


def test_kill_9_mid_stream_loses_at_most_two_seconds(tmp_path):
    """What a kill loses is what came since the last flush: under 2 s of the recorder's clock
    (the flush interval), however slow the machine, since that clock counts the deltas."""
    path = tmp_path / "ponder.db"
    open_db(path).close()
    proc = spawn("streamer", str(path), "100000")
    run_id = int(_first_line(proc, "RUN"))
    wait_for(lambda: _written(path, run_id).count("<") >= 100)  # flushed at least once
    content = _kill_and_read(proc, path, run_id)
    assert proc.stdout is not None
    sent = [float(line.split()[1]) for line in proc.stdout.read().splitlines()]
    stamps = [float(s) for s in re.findall(r"<([\d.]+)>", content)]
    assert stamps, "nothing of the streaming step was written"
    lost = round((sent[-1] - stamps[-1]) / TICK)  # deltas sent after the last one written
    print(f"lost {lost} deltas ({lost * TICK:.2f} s on the recorder's clock)")
    assert lost < round(2.0 / TICK)  # the flush interval (2 s of that clock) in deltas: 128
    assert content == "".join(f"<{s:.6f}>" for s in stamps)  # whole deltas, in order

    # The run resumes under the same id from its finished steps.
    db = open_db(path)
    assert [s.index for s in load_transcript(db, run_id).steps] == [1]
    rec = recorder(db, run_id=run_id)
    rec.handle(RunStarted("dcot", "openai", "m", None, "a long problem", RunSettings()))
    rec.handle(StepFinished(Step(2, "answer", "done now")))
    rec.handle(RunFinished(RunResult("done", "answer", "done now", 1.0, (), Usage(), 0, None, 1.0)))
    detail = get_run(db, run_id)
    assert detail is not None and detail.status == "done"
    assert [(s.index, s.content) for s in detail.steps] == [(1, "a finished step"), (2, "done now")]


def test_kill_9_after_the_stream_stalls_loses_nothing(tmp_path):
    path = tmp_path / "ponder.db"
    open_db(path).close()
    proc = spawn("streamer", str(path), "32")  # 0.5 s of text: no flush is due on a delta
    run_id = int(_first_line(proc, "RUN"))
    # The flush timer fires though no delta arrives: the last one reaches the disk.
    wait_for(lambda: _written(path, run_id).endswith("<0.500000>"))
    content = _kill_and_read(proc, path, run_id)
    assert content == "".join(f"<{TICK * n:.6f}>" for n in range(1, 33))


if __name__ == "__main__":
    role, db_path, *rest = sys.argv[1:]
    if role == "writer":
        writer(db_path, int(rest[0]), rest[1])
    else:
        asyncio.run(streamer(db_path, int(rest[0])))
