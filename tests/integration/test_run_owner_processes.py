"""One live owner per run, with real processes: a `ponder solve` frozen by SIGSTOP, then woken."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import TRANSCRIPT, ponder, wait_for
from fakellm import Reply, filler

ROOT = Path(__file__).resolve().parents[2]
STEPS = "".join(
    f"<step>step {i} " + filler(300, f"{i}.") + f"</step><count>{19 - i}</count>" for i in range(12)
)
SLOW = "<thinking>plan</thinking>" + STEPS + "<answer>4</answer><reflection>ok</reflection>"


def steps_done(path: Path) -> int:
    try:
        conn = sqlite3.connect(path, timeout=30)
        try:
            return conn.execute("select count(*) from steps where partial = 0").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def sql(path: Path, query: str, *args) -> list[tuple]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        rows = conn.execute(query, args).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


@pytest.fixture
def frozen(fake_llm, tmp_path, monkeypatch):
    """A `ponder solve` stopped (SIGSTOP) mid-stream, its heartbeat 65 s old; SIGCONT at the end."""
    path = tmp_path / "ponder.db"
    # A step comes at once, then the stream trickles.
    fake_llm.queue(Reply(SLOW, chunk=330, delay=0.5))
    env = dict(
        os.environ,
        OPENAI_API_KEY="sk-test-owner",
        OPENAI_BASE_URL=fake_llm.base_url_openai,
        PONDER_DB=str(path),
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-owner")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    monkeypatch.setenv("PONDER_DB", str(path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponder", "solve", "q", "--max-tokens", "50000"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: steps_done(path) >= 1)
        proc.send_signal(signal.SIGSTOP)
        # What 65 s of a frozen process look like: no heartbeat since.
        sql(path, "update runs set heartbeat_at = ? where id = 1", time.time() - 65)
        yield proc, path
    finally:
        proc.send_signal(signal.SIGCONT)
        try:
            proc.wait(timeout=120)
        finally:
            proc.kill()


def test_a_stopped_process_keeps_its_run_and_finishes_it(frozen, fake_llm, capsys):
    proc, path = frozen
    code, out, _ = ponder(capsys, "runs", "--json")
    assert code == 0 and '"status": "running"' in out
    code, _, err = ponder(capsys, "resume", "1")
    assert code == 1
    line = err.strip()
    assert "\n" not in line and "run 1 is still running in process" in line
    assert f"process {proc.pid} on this machine" in line and "silent for 6" in line
    calls_before = len(fake_llm.requests)
    proc.send_signal(signal.SIGCONT)
    assert proc.wait(timeout=120) == 0
    assert sql(path, "select status, answer from runs") == [("done", "4")]
    assert len(fake_llm.requests) == calls_before == 1


def test_a_run_resumed_elsewhere_is_given_up_by_its_frozen_process(frozen, fake_llm, capsys):
    proc, path = frozen
    # As if the frozen process were on another machine sharing the database: 65 s without a
    # heartbeat is a dead process there, so the run is resumed here.
    sql(path, "update runs set host = 'another-machine' where id = 1")
    fake_llm.responder = lambda body: Reply(TRANSCRIPT)
    code, out, err = ponder(capsys, "resume", "1")
    assert code == 0, err
    requests = len(fake_llm.requests)
    assert sql(path, "select status, answer from runs") == [("done", "4")]
    done = sql(path, "select count(*), max(idx) from steps where run_id = 1 and partial = 0")
    proc.send_signal(signal.SIGCONT)
    assert proc.wait(timeout=120) == 1
    err = proc.stderr.read()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "run 1 was taken over by process" in err and "stopped driving it" in err
    # The woken process paid for no new call and wrote nothing over the resumed run.
    assert len(fake_llm.requests) == requests
    assert sql(path, "select status, answer from runs") == [("done", "4")]
    assert (
        sql(path, "select count(*), max(idx) from steps where run_id = 1 and partial = 0") == done
    )
