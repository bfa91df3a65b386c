"""Bench: 200 problems, direct paradigm, against a server with 0.5 s latency per call, concurrency 16
(SPEC §8 target: total time <= 1.3 x the ideal 200 x 0.5 / 16 = 6.25 s).

The fake server runs as its own process, as a real endpoint would; every run is recorded and
auto-graded as in `ponder bench`.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROBLEMS = 200
LATENCY_S = 0.5
CONCURRENCY = 16
TARGET_RATIO = 1.3


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ.update(
            PONDER_DB=str(home / "ponder.db"),
            PONDER_CONFIG=str(home / "config.toml"),
            OPENAI_API_KEY="sk-bench-not-a-real-key",
        )
        for name in ("OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
            os.environ.pop(name, None)
        script = home / "reply.jsonl"
        script.write_text(json.dumps({"text": "Seven times the key.\nFinal answer: 7"}) + "\n")
        fakellm, latency = str(ROOT / "tests" / "fakellm.py"), str(LATENCY_S)
        server = subprocess.Popen(
            [sys.executable, fakellm, "--port", "0", "--script", str(script), "--latency", latency],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            ready = server.stdout.readline()
            if not ready.startswith("READY "):
                print(f"fake server did not start: {ready!r}")
                return 1
            return run(home, int(ready.split()[1]))
        finally:
            server.terminate()
            server.wait(10)


def run(home: Path, port: int) -> int:
    from reasoning.events import RunSettings
    from store.db import open_db
    from store.problems import import_file
    from tui.runner import BenchPlan, BenchProgress, run_bench

    sheet = home / "bench200.csv"
    with sheet.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "kind"])
        for i in range(1, PROBLEMS + 1):
            w.writerow([i, f"Problem {i}: what is {i} times 7?", str(7 * i), "integer"])
    db = open_db(home / "ponder.db")
    import_file(db, sheet, "bench200")
    plan = BenchPlan(
        "bench200",
        paradigms=("direct",),
        models=("gpt-4o-mini",),
        base_url=f"http://127.0.0.1:{port}/v1",
        concurrency=CONCURRENCY,
        settings=RunSettings(paradigm="direct"),
    )
    first_done: list[float] = []

    def on_progress(p: BenchProgress) -> None:
        if p.done and not first_done:
            first_done.append(time.perf_counter())

    t0 = time.perf_counter()
    summary = asyncio.run(run_bench(db, plan, on_progress))
    total = time.perf_counter() - t0
    graded = db.conn.execute(
        "select count(distinct g.run_id) from grades g join runs r on r.id = g.run_id"
        " where r.bench_id = ?",
        [summary.bench_id],
    ).fetchone()[0]
    ideal = PROBLEMS * LATENCY_S / CONCURRENCY
    ratio = total / ideal
    print(f"runs: {summary.done} done, {summary.failed} failed, {graded} graded")
    print(f"total time: {total:.2f} s")
    print(f"ideal time: {ideal:.2f} s ({PROBLEMS} x {LATENCY_S} s / {CONCURRENCY})")
    if first_done:
        startup = first_done[0] - t0 - LATENCY_S
        print(
            f"startup: {startup:.2f} s (first run done minus one latency: SDK import, connections)"
        )
        print(f"ratio without the startup: {(total - startup) / ideal:.3f}")
    verdict = "ok" if ratio <= TARGET_RATIO and summary.done == PROBLEMS else "MISSED"
    print(f"ratio: {ratio:.3f} (target <= {TARGET_RATIO}) {verdict}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
