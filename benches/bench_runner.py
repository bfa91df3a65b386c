"""Bench: `ponder bench` on 200 problems, direct paradigm (one call each), against a server with
0.5 s latency per call, concurrency 16 (SPEC §8 target: total time <= 1.3 x the ideal
200 x 0.5 / 16 = 6.25 s).

What is timed is what a user gets: the `ponder bench` command in its own process, from launch to
exit — Python start, the SDK import, planning, 200 runs recorded and auto-graded, the score table.
Nothing is imported or warmed up beforehand. The fake server runs in its own process, as a real
endpoint would. It runs 3 times (`--repeat N`: N), a fresh database each time, and judges the
median: the machine is shared, and one invocation can land on a busy second.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TIME_LIMIT_S = 300  # `make bench` kills the bench after this
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benches"))

from benchkit import free_port, times_seven_store  # noqa: E402

PROBLEMS = 200
LATENCY_S = 0.5
CONCURRENCY = 16
TARGET_RATIO = 1.3
IDEAL_S = PROBLEMS * LATENCY_S / CONCURRENCY
# The busiest of the 16 slots makes ceil(200 / 16) = 13 calls in a row: no runner beats that.
FLOOR_S = -(-PROBLEMS // CONCURRENCY) * LATENCY_S


@dataclass(frozen=True)
class Timing:
    """One `ponder bench` invocation, split by what the store recorded."""

    total_s: float  # launch to exit
    startup_s: float  # launch to the first run's request
    runs_s: float  # first request to the last answer
    finish_s: float  # last answer to exit (last grades, the score table, interpreter exit)
    cpu_s: float  # CPU time of the `ponder bench` process (user + system)
    done: int
    failed: int
    graded: int
    exit_code: int


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="invocations to time (median)")
    repeat = max(1, parser.parse_args().repeat)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        script = home / "reply.jsonl"
        script.write_text(json.dumps({"text": "Seven times the key.\nFinal answer: 7"}) + "\n")
        fakellm, latency = str(ROOT / "tests" / "support" / "fakellm.py"), str(LATENCY_S)
        listen = ("--port", str(free_port()))
        server = subprocess.Popen(
            [sys.executable, fakellm, *listen, "--script", str(script), "--latency", latency],
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
            timings = [bench_once(home / f"run{i}", port) for i in range(repeat)]
        finally:
            server.terminate()
            server.wait(10)
    return report(timings, sdk_import_s())


def bench_once(home: Path, port: int) -> Timing:
    """Import the 200 problems into a fresh store, then time `ponder bench` over them."""
    db_path = times_seven_store(home, "bench200", PROBLEMS)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")
    }
    env.update(
        PONDER_DB=str(db_path),
        PONDER_CONFIG=str(home / "config.toml"),
        OPENAI_API_KEY="sk-bench-not-a-real-key",
    )
    argv = [
        *(sys.executable, "-m", "ponder", "bench", "bench200", "--paradigm", "direct"),
        *("--model", "gpt-4o-mini", "--base-url", f"http://127.0.0.1:{port}/v1"),
        *("--concurrency", str(CONCURRENCY)),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    launched = time.time()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    exited = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if proc.returncode != 0:
        print(f"ponder bench exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    conn = sqlite3.connect(db_path)
    try:
        # A direct run's step finishes with its answer; the first request went out one latency
        # before the first answer (the SDK is imported on the first call, so not before).
        first, last = conn.execute(
            "select min(finished_at), max(finished_at) from steps"
        ).fetchone()
        done, failed = conn.execute(
            "select count(*) filter (where status = 'done'),"
            " count(*) filter (where status != 'done') from runs"
        ).fetchone()
        graded = conn.execute("select count(distinct run_id) from grades").fetchone()[0]
    finally:
        conn.close()
    first = (first or exited) - LATENCY_S
    last = last or exited
    return Timing(
        total_s=exited - launched,
        startup_s=first - launched,
        runs_s=last - first,
        finish_s=exited - last,
        cpu_s=cpu,
        done=done,
        failed=failed,
        graded=graded,
        exit_code=proc.returncode,
    )


def sdk_import_s() -> float:
    """How long `import openai` takes in a fresh interpreter (part of the startup above)."""
    code = "import time; t = time.perf_counter(); import openai; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def report(timings: list[Timing], sdk_s: float) -> int:
    for i, t in enumerate(timings, 1):
        if len(timings) > 1:
            print(
                f"run {i}: {t.total_s:.2f} s (startup {t.startup_s:.2f}, runs {t.runs_s:.2f},"
                f" finish {t.finish_s:.2f}; CPU {t.cpu_s:.2f}) ratio {t.total_s / IDEAL_S:.3f}"
            )
    mid = sorted(timings, key=lambda t: t.total_s)[len(timings) // 2]
    median = statistics.median(t.total_s for t in timings)
    ratio = median / IDEAL_S
    which = f"median of {len(timings)}, " if len(timings) > 1 else ""
    print(f"runs: {mid.done} done, {mid.failed} failed, {mid.graded} graded")
    print(f"total time: {median:.2f} s ({which}`ponder bench` from launch to exit)")
    print(f"ideal time: {IDEAL_S:.2f} s ({PROBLEMS} x {LATENCY_S} s / {CONCURRENCY});", end=" ")
    print(f"floor {FLOOR_S:.2f} s (the busiest slot makes {FLOOR_S / LATENCY_S:.0f} calls)")
    print(
        f"startup: {mid.startup_s:.2f} s to the first request (Python, imports, plan),"
        f" of which the openai SDK import is {sdk_s:.2f} s (measured apart)"
    )
    print(
        f"runs: {mid.runs_s:.2f} s from the first request to the last answer"
        f" ({mid.runs_s / FLOOR_S:.3f} x the floor); finish: {mid.finish_s:.2f} s"
        " (last grades, score table, interpreter exit)"
    )
    cpu = statistics.median(t.cpu_s for t in timings)
    print(
        f"CPU of the `ponder bench` process: {cpu:.2f} s"
        f" ({cpu / PROBLEMS * 1000:.1f} ms a run, imports and report included)"
    )
    print(f"ratio without the startup: {(median - mid.startup_s) / IDEAL_S:.3f}")
    ok = ratio <= TARGET_RATIO and all(
        t.done == PROBLEMS and t.graded == PROBLEMS and t.exit_code == 0 for t in timings
    )
    print(f"ratio: {ratio:.3f} (target <= {TARGET_RATIO}) {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
