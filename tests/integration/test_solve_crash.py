"""`kill -9` on a real `ponder solve` mid-stream: finished steps survive, the run becomes
interrupted, and `ponder resume` finishes it under the same id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import fake_process, wait_for

from store.db import open_db
from store.queries import get_run

ROOT = Path(__file__).resolve().parents[2]
PONDER = [sys.executable, "-m", "ponder"]

pytestmark = pytest.mark.slow

SLOW = (
    "<thinking>Plan the computation.</thinking>\n"
    "<step>First, 2x + 3 = 11 gives 2x = 8.</step>\n<count>19</count>\n"
    "<step>Then x = 4.</step>\n<count>18</count>\n"
    "<reflection>Substitution gives 11: correct.</reflection>\n<reward>0.9</reward>\n"
    + "<step>"
    + "An unnecessarily long double check, still streaming when the process dies. " * 40
    + "</step>\n<answer>4</answer>\n<reflection>ok</reflection>\n<reward>0.9</reward>"
)
RESUMED = "<answer>x = 4</answer>\n<reflection>Verified after resuming.</reflection>\n<reward>0.85</reward>"


@pytest.fixture
def slow_server(tmp_path):
    proc, port = fake_process(
        tmp_path, {"text": SLOW, "chunk": 7, "delay": 0.02}, {"text": RESUMED}
    )
    yield port
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)


def _long_step_on_disk(db_path) -> bool:
    if not db_path.exists():
        return False
    db = open_db(db_path, recover=False)
    try:
        done = db.conn.execute("select count(*) from steps where partial = 0").fetchone()[0]
        partial = db.conn.execute(
            "select count(*) from steps where partial = 1 and content like ?",
            ["%unnecessarily long double check%"],
        ).fetchone()[0]
        return done >= 4 and partial == 1
    finally:
        db.close()


def test_kill_9_mid_solve_then_resume(slow_server, tmp_path):
    db_path = tmp_path / "crash.db"
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{slow_server}/v1",
        "OPENAI_API_KEY": "sk-test-crash",
        "PONDER_DB": str(db_path),
    }
    solve = subprocess.Popen(
        [*PONDER, "solve", "Solve 2x + 3 = 11", "--model", "m"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Kill it once the reflection is committed and the long step's text is on disk (flushed
        # by the recorder): told by what the store holds, not by how long it took.
        wait_for(lambda: _long_step_on_disk(db_path), timeout=60)
    finally:
        solve.send_signal(signal.SIGKILL)
        solve.wait(10)

    db = open_db(db_path)  # a new process: finds the run's process dead
    (run_id,) = db.conn.execute("select id from runs").fetchone()
    detail = get_run(db, run_id)
    assert detail is not None and detail.status == "interrupted"
    kinds = [s.kind for s in detail.steps]
    assert kinds[:4] == ["thinking", "step", "step", "reflection"]
    assert "unnecessarily long double check" in detail.steps[-1].content  # the partial text

    out = subprocess.run(
        [*PONDER, "resume", str(run_id), "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert obj["run_id"] == run_id and obj["status"] == "done" and obj["answer"] == "x = 4"
    assert obj["final_reward"] == 0.85
    assert [s["kind"] for s in obj["steps"]][:4] == ["thinking", "step", "step", "reflection"]
    assert db.conn.execute("select count(*) from runs").fetchone()[0] == 1
