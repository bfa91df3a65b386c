"""TUI bench: the Bench screen's responsiveness while it runs a bench at concurrency 16.

48 problems x dcot and direct (96 runs), 16 at a time, every reply streamed in 4-character
deltas every 10 ms (~100 tokens/s a stream, as a hosted model streams; 16 streams make ~1,600
deltas/s into the app). While the bench runs, a key is typed into the screen's judge field
every 0.25 s, as the terminal driver would post it. Prints:

(a) key press -> the key handled by the field (median, p95, max; target <= 100 ms),
(b) the loop's lag: how late a 20 ms sleep on the app's loop wakes (median, max),
(c) the bench: runs done and graded, and how long it took.

The fake server runs in its own process (no GIL shared with the app), as a real endpoint would.
`--tree DIR` runs the same bench against another checkout (e.g. /work/main, to compare).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_LIMIT_S = 300  # `make bench` kills the bench after this
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benches"))

from benchkit import BenchTimeout, Deadline, free_port, ready_port  # noqa: E402

PROBLEMS = 48
CONCURRENCY = 16
CHUNK = 4  # characters per streamed delta (about one token)
DELAY_S = 0.01  # between deltas
KEY_EVERY_S = 0.25
SIZE = (160, 48)
BENCH_LIMIT_S = 200  # the 96 runs, on a busy machine


def start_server() -> tuple[subprocess.Popen[str], int]:
    fakellm = str(ROOT / "tests" / "support" / "fakellm.py")
    proc = subprocess.Popen(
        [
            *(sys.executable, fakellm, "--port", str(free_port()), "--demo", "dcot"),
            *("--chunk", str(CHUNK), "--delay", str(DELAY_S), "--latency", "0.2"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, ready_port(proc)


def write_sheet(folder: Path) -> Path:
    sheet = folder / "bench48.csv"
    with sheet.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "kind"])
        for i in range(1, PROBLEMS + 1):
            w.writerow([i, f"Problem {i}: what is {i} times 7?", str(7 * i), "integer"])
    return sheet


def cli_bench(port: int, model: str) -> tuple[float, float, int]:
    """The same bench by `ponder bench` in its own process: wall seconds, CPU seconds (its
    start and imports included), exit code."""
    tmp = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "OPENAI_API_KEY": "sk-bench-not-a-real-key",
        "OLLAMA_HOST": "127.0.0.1:9",
        "PONDER_CONFIG": str(tmp / "config.toml"),
        "PONDER_DB": str(tmp / "cli.db"),
    }
    ponder = [sys.executable, "-m", "ponder"]
    sheet = write_sheet(tmp)
    subprocess.run(
        [*ponder, "import", str(sheet), "--dataset", "bench48"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    arms = ("--paradigm", "dcot", "--paradigm", "direct")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = subprocess.run(
        [*ponder, "bench", "bench48", *arms, "--model", model, "--concurrency", str(CONCURRENCY)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=BENCH_LIMIT_S,
    )
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, done.returncode


async def bench(port: int) -> dict[str, float]:
    from textual import events
    from textual.widgets import Input, Select

    from store.db import open_db
    from store.problems import import_file
    from tui.app import PonderApp

    tmp = Path(tempfile.mkdtemp())
    os.environ["OPENAI_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
    os.environ["OPENAI_API_KEY"] = "sk-bench-not-a-real-key"
    os.environ["OLLAMA_HOST"] = "127.0.0.1:9"
    os.environ["PONDER_CONFIG"] = str(tmp / "config.toml")
    sheet = write_sheet(tmp)
    db = open_db(tmp / "bench.db")
    import_file(db, sheet, "bench48")

    app = PonderApp(db=db)
    pressed: list[float] = []
    handled: list[float] = []
    lags: list[float] = []
    original = Input.insert_text_at_cursor

    def timed_insert(self: Input, text: str) -> None:
        if self.id == "bench-judge" and pressed:
            handled.append(time.monotonic() - pressed[-1])
        original(self, text)

    Input.insert_text_at_cursor = timed_insert  # type: ignore[method-assign]

    async def measure_lag(running: asyncio.Event) -> None:
        while running.is_set():
            t = time.monotonic()
            await asyncio.sleep(0.02)
            lags.append(time.monotonic() - t - 0.02)

    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        deadline = Deadline(60)
        while app.provider_state.resolving:
            deadline.check("the provider resolved")
            await pilot.pause(0.01)
        await pilot.press("ctrl+b")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#bench-dataset", Select).value = "bench48"
        chooser = screen.query_one("#bench-paradigms")
        chooser.deselect_all()  # type: ignore[attr-defined]
        for p in ("dcot", "direct"):
            chooser.select(p)  # type: ignore[attr-defined]
        screen.query_one("#bench-concurrency", Input).value = str(CONCURRENCY)
        field = screen.query_one("#bench-judge", Input)
        await pilot.pause()
        t0, cpu0 = time.monotonic(), time.process_time()
        screen.action_start()  # type: ignore[attr-defined]
        field.focus()
        running = asyncio.Event()
        running.set()
        lag_task = asyncio.create_task(measure_lag(running))
        typed = 0
        deadline = Deadline(BENCH_LIMIT_S)
        while screen.state in ("running", "holding"):  # type: ignore[attr-defined]
            deadline.check("the bench ended")
            await asyncio.sleep(KEY_EVERY_S)
            if typed % 40 == 39:
                field.value = ""  # keep the field short
            pressed.append(time.monotonic())
            app.post_message(events.Key("x", "x"))
            typed += 1
        running.clear()
        await lag_task
        figures["bench_s"] = time.monotonic() - t0
        figures["cpu_s"] = time.process_time() - cpu0
        figures["state_done"] = float(screen.state == "done")  # type: ignore[attr-defined]
        await pilot.pause(0.3)
    Input.insert_text_at_cursor = original  # type: ignore[method-assign]
    done = db.execute("select count(*) from runs where status = 'done'").fetchone()[0]
    graded = db.execute("select count(distinct run_id) from grades").fetchone()[0]
    deltas = db.execute("select coalesce(sum(length(content)), 0) from steps").fetchone()[0]
    figures.update(done=done, graded=graded, chars=deltas, keys=len(pressed))
    figures["model"] = db.execute("select model from runs limit 1").fetchone()[0]
    figures["keys_handled"] = len(handled)
    handled.sort()
    figures["key_p50_ms"] = statistics.median(handled) * 1000 if handled else -1
    figures["key_p95_ms"] = handled[int(0.95 * (len(handled) - 1))] * 1000 if handled else -1
    figures["key_max_ms"] = handled[-1] * 1000 if handled else -1
    figures["lag_p50_ms"] = statistics.median(lags) * 1000 if lags else -1
    figures["lag_max_ms"] = max(lags) * 1000 if lags else -1
    return figures


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", help="the checkout to measure (default: this one)")
    args = parser.parse_args()
    if args.tree:
        ROOT = Path(args.tree).resolve()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    server, port = start_server()
    try:
        f = asyncio.run(bench(port))
        cli_wall, cli_cpu, cli_exit = cli_bench(port, str(f["model"]))
    except (BenchTimeout, subprocess.TimeoutExpired) as e:
        print(f"FAILED: {e}")
        return 1
    finally:
        server.terminate()
        server.wait(10)
    runs = PROBLEMS * 2
    print(f"tree: {ROOT}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"bench: {int(f['done'])}/{runs} runs done, {int(f['graded'])} graded in"
        f" {f['bench_s']:.1f} s at concurrency {CONCURRENCY}; {int(f['chars']):,} characters"
        f" streamed in {CHUNK}-character deltas"
    )
    print(
        f"(a) key press -> handled: median {f['key_p50_ms']:.1f} ms, p95 {f['key_p95_ms']:.1f} ms,"
        f" max {f['key_max_ms']:.1f} ms over {int(f['keys_handled'])} of {int(f['keys'])} presses"
        " (target <= 100 ms)"
    )
    print(f"(b) loop lag: median {f['lag_p50_ms']:.1f} ms, max {f['lag_max_ms']:.1f} ms")
    ratio = f["cpu_s"] / cli_cpu if cli_cpu else float("inf")
    print(
        f"(c) CPU for the bench: the screen {f['cpu_s']:.1f} s ({f['bench_s']:.1f} s wall),"
        f" `ponder bench` {cli_cpu:.1f} s with its start ({cli_wall:.1f} s wall, exit {cli_exit}):"
        f" {ratio:.2f}x (target <= 1.2x)"
    )
    ok = f["key_max_ms"] <= 100 and f["done"] == runs and f["keys_handled"] >= f["keys"] - 1
    ok = ok and ratio <= 1.2
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
