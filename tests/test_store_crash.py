"""Crash safety with real processes: concurrent writers, `kill -9` mid-run (SPEC §4, §8).

This file is also the child process: `python tests/test_store_crash.py writer|streamer ...`.
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

pytestmark = pytest.mark.slow


# ---- the child processes -------------------------------------------------------------------


def writer(path: str, seconds: float, tag: str) -> None:
    """Record complete runs as fast as possible for `seconds`; print how many."""
    db = open_db(path)
    runs = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
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


async def streamer(path: str, stream_s: float) -> None:
    """Stream timestamped deltas into one step for `stream_s`, then stall until killed."""
    db = open_db(path)
    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", "m", None, "a long problem", RunSettings()))
    rec.handle(StepFinished(Step(1, "step", "a finished step")))
    rec.handle(StepStarted(2, "step"))
    print(f"RUN {rec.run_id}", flush=True)
    stamp = 0.0
    end = time.monotonic() + stream_s
    while time.monotonic() < end:
        stamp = time.time()
        rec.handle(TextDelta(2, f"<{stamp:.3f}>"))
        await asyncio.sleep(0.02)
    print(f"STALL {stamp:.3f}", flush=True)
    await asyncio.sleep(3600)


# ---- the tests ---------------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_runs_at_once_without_locking_errors(tmp_path):
    path = tmp_path / "ponder.db"
    open_db(path).close()
    procs = [spawn("writer", str(path), "2.5", tag) for tag in ("a", "b")]
    db = open_db(path)
    reads = 0
    while any(p.poll() is None for p in procs):  # a reader at the same time
        list_runs(db, limit=20)
        reads += 1
        time.sleep(0.05)
    outputs = [p.communicate(timeout=30) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
    written = {tag: int(out.split()[1]) for tag, (out, _) in zip("ab", outputs, strict=True)}
    print(f"runs written: {written}, reads: {reads}")
    assert min(written.values()) > 5 and reads > 5
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


def _kill_and_read(proc: subprocess.Popen[str], path: Path, run_id: int) -> tuple[float, str]:
    killed_at = time.time()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    db = open_db(path)  # the next start finds the dead run
    detail = get_run(db, run_id)
    assert detail is not None
    assert (detail.status, detail.stop_reason) == ("interrupted", "interrupted")
    assert detail.steps[0].content == "a finished step" and detail.partial_steps == (2,)
    return killed_at, detail.steps[1].content


def _first_line(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith(prefix), (line, proc.stderr.read() if proc.stderr else "")
    return line.split()[1]


def test_kill_9_mid_stream_loses_at_most_two_seconds(tmp_path):
    path = tmp_path / "ponder.db"
    open_db(path).close()
    proc = spawn("streamer", str(path), "60")
    run_id = int(_first_line(proc, "RUN"))
    time.sleep(3.5)
    killed_at, content = _kill_and_read(proc, path, run_id)
    stamps = [float(s) for s in re.findall(r"<([\d.]+)>", content)]
    assert stamps, "nothing of the streaming step was written"
    print(f"lost {killed_at - stamps[-1]:.2f} s of streamed text")
    assert killed_at - stamps[-1] <= 2.0 + 0.5  # the flush interval, plus scheduling slack
    assert content == "".join(f"<{s:.3f}>" for s in stamps)  # whole deltas, in order

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
    proc = spawn("streamer", str(path), "0.5")
    run_id = int(_first_line(proc, "RUN"))
    last = _first_line(proc, "STALL")
    time.sleep(2.6)  # the flush timer fires though no delta arrives
    _, content = _kill_and_read(proc, path, run_id)
    assert content.endswith(f"<{last}>")


if __name__ == "__main__":
    role, db_path, *rest = sys.argv[1:]
    if role == "writer":
        writer(db_path, float(rest[0]), rest[1])
    else:
        asyncio.run(streamer(db_path, float(rest[0])))
