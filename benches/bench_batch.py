"""Bench: a batched bench (`ponder bench --batch 1000`) of 2,500 / 5,000 / 10,000 direct runs
against the fake server's batch API with a processing delay (SPEC §8: the overhead of submit,
poll and record against the fake's delay, with flat memory).

`ponder bench` runs in its own process, launch to exit (start, planning, the runs, their grading,
the score table); the fake server in its own. In batch mode the bench keeps 4 batches' worth of
runs in flight, so N requests take ceil(N / 4,000) rounds of the fake's delay at least: the rest
is the overhead. Peak RSS is the `ponder bench` process's (getrusage of the child); "rows" are
the rows the store holds per request at the end (runs, steps, calls, grades, batch requests),
"disk" the bytes the process wrote (its block output, WAL and checkpoints included).
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TIME_LIMIT_S = 900  # `make bench` kills the bench after this
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benches"))

from benchkit import free_port, times_seven_store  # noqa: E402

SIZE = 1000
IN_FLIGHT = 4 * SIZE  # workbench.bench.batch.BATCHES_IN_FLIGHT batches' worth of runs
DELAY_S = 5.0
TABLES = ("runs", "steps", "calls", "grades", "batch_requests", "batches")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,5000,10000", help="requests per bench")
    parser.add_argument("--delay", type=float, default=DELAY_S, help="the fake's batch delay, s")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        server = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "support" / "fakellm.py"),
                *("--port", str(free_port()), "--demo", "direct"),
                *("--batch-delay", str(args.delay)),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            ready = server.stdout.readline()
            if not ready.startswith("READY "):
                print(f"fake server did not start: {ready!r}")
                return 1
            port = int(ready.split()[1])
            print(
                f"batched bench, --batch {SIZE}, fake batch delay {args.delay:g} s,"
                f" {IN_FLIGHT:,} runs in flight at most"
            )
            print(
                f"{'requests':>9} {'wall s':>8} {'delay floor s':>14} {'overhead s':>11}"
                f" {'per 1k req s':>13} {'peak RSS MB':>12} {'rows/req':>9} {'disk kB/req':>12}"
                f" {'done':>6}"
            )
            for n in sizes:
                bench_once(home / f"n{n}", port, n, args.delay)
        finally:
            server.terminate()
            server.wait(10)
    return 0


def bench_once(home: Path, port: int, n: int, delay: float) -> None:
    db_path = times_seven_store(home, "batchset", n)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_BASE_URL")}
    env.update(
        PONDER_DB=str(db_path),
        PONDER_CONFIG=str(home / "config.toml"),
        OPENAI_API_KEY="sk-bench-not-a-real-key",
    )
    argv = [
        *(sys.executable, "-m", "ponder", "bench", "batchset", "--paradigm", "direct"),
        *("--model", "gpt-4o-mini", "--base-url", f"http://127.0.0.1:{port}/v1"),
        *("--batch", str(SIZE)),
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    with sqlite3.connect(db_path) as conn:
        rows = sum(conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES)
        done = conn.execute("select count(*) from runs where status = 'done'").fetchone()[0]
    floor = math.ceil(n / IN_FLIGHT) * delay
    print(
        f"{n:>9,} {wall:>8.1f} {floor:>14.1f} {wall - floor:>11.1f}"
        f" {(wall - floor) / n * 1000:>13.2f} {usage.ru_maxrss / 1024:>12.0f}"
        f" {rows / n:>9.1f} {usage.ru_oublock * 512 / 1024 / n:>12.1f} {done:>6,}"
        + ("" if proc.returncode == 0 else f"  (exit {proc.returncode})"),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
