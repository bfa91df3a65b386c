"""`make bench`: every benches/bench_*.py in turn, each under its own time limit, then a summary.

A bench declares its limit as a module constant, `TIME_LIMIT_S = 300` (else 600 s applies);
`PONDER_BENCH_LIMIT_S` overrides all of them (a slow machine). A bench past its limit is killed
with everything it started (its own process group) and reported in one line; the others still
run. Exit status: 0 when every bench reported and met its targets, else 1.

    python benches/run_all.py [NAME ...]     only the benches whose file name contains a NAME
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_LIMIT_S = 600
LIMIT_RE = re.compile(r"^TIME_LIMIT_S\s*=\s*([0-9_]+)", re.MULTILINE)


def time_limit(bench: Path) -> int:
    """The bench's declared limit in seconds (the environment's override first)."""
    override = os.environ.get("PONDER_BENCH_LIMIT_S")
    if override:
        return int(override)
    found = LIMIT_RE.search(bench.read_text())
    return int(found.group(1).replace("_", "")) if found else DEFAULT_LIMIT_S


def run_one(bench: Path) -> tuple[str, float]:
    """Run one bench with its output passed through; its outcome in words and its wall time."""
    limit = time_limit(bench)
    print(f"== {bench.relative_to(HERE.parent)} (time limit {limit} s)", flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(bench)], start_new_session=True)
    try:
        code = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        outcome = f"killed at its time limit of {limit} s"
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    else:
        outcome = "ok" if code == 0 else f"missed a target or failed (exit {code})"
    elapsed = time.monotonic() - t0
    if outcome != "ok":
        print(f"!! {bench.name}: {outcome}", flush=True)
    return outcome, elapsed


def main(argv: list[str]) -> int:
    benches = sorted(HERE.glob("bench_*.py"))
    if argv:
        benches = [b for b in benches if any(name in b.name for name in argv)]
    results = [(b.name, *run_one(b)) for b in benches]
    print("\n== summary")
    for name, outcome, elapsed in results:
        print(f"{name:24} {elapsed:7.1f} s  {outcome}")
    return 0 if all(outcome == "ok" for _, outcome, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
