"""A run whose process died reads the same on every path, with the figures it recorded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from cli_helpers import wait_for
from fakellm import Reply, filler

from ponder.launch import main
from store.db import open_db

ROOT = Path(__file__).resolve().parents[2]
STEPS = "".join(
    f"<step>step {i} " + filler(400, f"{i}.") + f"</step><count>{19 - i}</count>" for i in range(8)
)
TRANSCRIPT = (
    "<thinking>plan</thinking>"
    + STEPS
    + "<answer>4</answer><reflection>ok</reflection><reward>0.9</reward>"
)


def finished_steps(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        conn = open_db(path, migrate_now=False)
        try:
            return conn.execute("select count(*) from steps where partial = 0").fetchone()[0]
        finally:
            conn.close()
    except Exception:
        return 0


def run_cli(argv: list[str], capsys) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def zombie(pid: int) -> bool:
    """The process has exited and waits to be reaped (its state in /proc is Z)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # gone altogether
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_a_killed_run_reads_interrupted_everywhere_with_what_it_recorded(
    fake_llm, tmp_path, capsys
):
    path = tmp_path / "ponder.db"
    # Two steps come at once, then the stream trickles: the process is killed mid-call.
    fake_llm.queue(Reply(TRANSCRIPT, chunk=len(STEPS) // 4, delay=5.0))
    env = dict(
        os.environ,
        OPENAI_API_KEY="sk-test-kill",
        OPENAI_BASE_URL=fake_llm.base_url_openai,
        PONDER_DB=str(path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponder", "solve", "q", "--max-tokens", "50000"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: finished_steps(path) >= 2)
        proc.send_signal(signal.SIGKILL)
        # Not reaped yet: the process is a zombie, which must read as dead all the same. A kill
        # lands asynchronously (later still on a loaded machine): wait until it has.
        wait_for(lambda: zombie(proc.pid))
        db = ["--db", str(path)]
        listed = json.loads(run_cli(["runs", "--json", *db], capsys))
        shown = json.loads(run_cli(["show", "1", "--json", *db], capsys))
        text = run_cli(["show", "1", *db], capsys)
    finally:
        proc.kill()
        proc.wait()
    assert listed[0]["status"] == shown["status"] == "interrupted"
    assert len(shown["steps"]) >= 2
    usage = shown["usage"]
    assert usage["calls"] == 1 and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert shown["elapsed_s"] is not None and shown["elapsed_s"] > 0
    assert "1 call ·" in text and "0 in / 0 out" not in text
