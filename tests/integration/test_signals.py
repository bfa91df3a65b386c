"""SIGTERM, and SIGHUP when a terminal closes, end a real `ponder` process the way Ctrl+C does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import wait_for
from fakellm import Reply, filler

ROOT = Path(__file__).resolve().parents[2]
STEPS = "".join(
    f"<step>step {i} " + filler(300, f"{i}.") + f"</step><count>{19 - i}</count>" for i in range(8)
)
SLOW = (
    "<thinking>plan</thinking>"
    + STEPS
    + "<answer>4</answer><reflection>ok</reflection><reward>0.9</reward>"
)


def count(path: Path, sql: str) -> int:
    if not path.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def spawn(fake, path: Path, *argv: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        OPENAI_API_KEY="sk-test-signals",
        OPENAI_BASE_URL=fake.base_url_openai,
        PONDER_DB=str(path),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "ponder", *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_mid_solve_keeps_the_run_cancelled_and_exits(fake_llm, tmp_path, signum):
    path = tmp_path / "ponder.db"
    fake_llm.queue(Reply(SLOW, chunk=len(STEPS) // 4, delay=30.0))
    proc = spawn(fake_llm, path, "solve", "q", "--max-tokens", "50000")
    try:
        wait_for(lambda: count(path, "select count(*) from steps where partial = 0") >= 2)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "cancelled" in lines[-1] and "run 1" in lines[-1], err
    assert count(path, "select count(*) from runs where status = 'cancelled'") == 1
    assert count(path, "select count(*) from steps where run_id = 1") >= 2


def test_sigterm_stops_a_bench_and_keeps_its_runs_for_resume(fake_llm, tmp_path):
    path = tmp_path / "ponder.db"
    fake_llm.responder = lambda body: Reply(SLOW, chunk=len(STEPS) // 4, delay=30.0)
    argv = ["bench", "ponder-mixed", "--paradigm", "dcot", "--limit", "4", "--max-tokens", "50000"]
    proc = spawn(fake_llm, path, *argv)
    try:
        wait_for(lambda: count(path, "select count(*) from steps where partial = 0") >= 2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "--resume" in err
    assert count(path, "select count(*) from runs where status = 'running'") == 0
    assert count(path, "select count(*) from runs where status = 'cancelled'") >= 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
@pytest.mark.parametrize("attempts", ["1", "2"])
def test_solve_json_cancelled_prints_the_object_of_what_it_kept(
    fake_llm, tmp_path, signum, attempts
):
    import json

    path = tmp_path / "ponder.db"
    fake_llm.responder = lambda body: Reply(SLOW, chunk=len(STEPS) // 4, delay=30.0)
    argv = ["solve", "q", "--json", "--max-tokens", "50000", "--attempts", attempts]
    proc = spawn(fake_llm, path, *argv)
    try:
        wait = 2 * int(attempts)
        wait_for(lambda: count(path, "select count(*) from steps where partial = 0") >= wait)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, err
    obj = json.loads(out)
    assert obj["status"] == "cancelled" and obj["run_id"] is not None
    assert len(obj["steps"]) >= 2 and obj["steps"][1]["content"].startswith("step 0")
    assert len(obj.get("attempts", [])) == (0 if attempts == "1" else int(attempts))
    assert all(a["status"] == "cancelled" for a in obj.get("attempts", []))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_signal_closes_the_tui_instead_of_killing_it(tmp_path, signum):
    import pty
    import select

    env = dict(os.environ, PONDER_DB=str(tmp_path / "ponder.db"), TERM="xterm-256color")
    env.pop("OPENAI_API_KEY", None)
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ponder"],
        cwd=ROOT,
        env=env,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        start_new_session=True,
    )
    os.close(child_fd)
    seen = b""

    def read_some(wait: float) -> None:
        nonlocal seen
        ready, _, _ = select.select([main_fd], [], [], wait)
        if ready:
            try:
                seen += os.read(main_fd, 65536)
            except OSError:
                pass

    try:
        deadline = time.monotonic() + 60
        while b"Enter sends" not in seen and time.monotonic() < deadline:
            read_some(0.2)
        assert b"Enter sends" in seen, seen[-500:]
        proc.send_signal(signum)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            read_some(0.2)
        assert proc.poll() is not None, "the TUI did not exit"
    finally:
        proc.kill()
        proc.wait()
        os.close(main_fd)
    assert proc.returncode == 0 and b"Traceback" not in seen, seen[-2000:]


def test_ctrl_c_landing_inside_a_transport_callback_does_not_break_it():
    """asyncio.run's own Ctrl+C handler cancels from inside whatever code is running: in a
    transport's data_received, between a future's done() check and its set_result, the set
    then fails ("Fatal error: protocol.data_received() call failed", the connection dropped).
    The commands' run_async cancels from the event loop instead, once the callback is done."""
    import asyncio

    from ponder.common import run_async

    failed: list[BaseException] = []
    got: list[bytes] = []

    def check_signals() -> None:
        """A Python call: the signal's handler runs here at the latest."""

    async def reader() -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[bytes] = loop.create_future()

        def data_received() -> None:  # the shape of asyncio.Event.set, as a transport calls it
            if not fut.done():
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C lands here
                check_signals()
                try:
                    fut.set_result(b"data")
                except asyncio.InvalidStateError as exc:
                    failed.append(exc)

        loop.call_soon(data_received)
        got.append(await fut)
        await asyncio.sleep(60)  # the run goes on until Ctrl+C cancels it

    with pytest.raises(KeyboardInterrupt):
        run_async(reader())
    assert failed == [] and got == [b"data"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
