"""Bench: CSV export of 100,000 graded runs (SPEC §8 target: <= 3 s)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.db import open_db
from store.export import export_runs_csv
from workbench.scores import export_scores_csv

TIME_LIMIT_S = 600  # `make bench` kills the bench after this
RUNS = 100_000
PROBLEMS = 50
TARGET_S = 3.0


def build(db_path: Path) -> None:
    """100,000 runs over 50 problems, 2 models x 3 paradigms, each auto-graded, half re-graded by hand."""
    db = open_db(db_path)
    conn = db.conn
    with conn:
        conn.executemany(
            "insert into problems (dataset, key, text, reference, kind) values (?, ?, ?, ?, ?)",
            [
                ("bench", str(k), f"Problem {k}: what is {k} + {k}?", str(2 * k), "integer")
                for k in range(1, PROBLEMS + 1)
            ],
        )
        models, paradigms = ("model-a", "model-b"), ("dcot", "g1", "direct")
        conn.executemany(
            "insert into runs (id, problem_id, prompt, paradigm, provider, model, status,"
            " stop_reason, answer, final_reward, input_tokens, output_tokens, cost_usd, calls,"
            " started_at) values (?, ?, ?, ?, 'openai', ?, 'done', 'answer', ?, 0.9, 1200, 800,"
            " 0.0123, 3, '2026-01-01T00:00:00+00:00')",
            [
                (
                    i,
                    i % PROBLEMS + 1,
                    f"Problem {i % PROBLEMS + 1}",
                    paradigms[i % 3],
                    models[(i // 3) % 2],
                    '=HYPERLINK("x")' if i % 97 == 0 else str(i % 7 - 3),
                )
                for i in range(1, RUNS + 1)
            ],
        )
        conn.executemany(
            "insert into grades (run_id, grader, score, verdict, extracted, note, created_at)"
            " values (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:01+00:00')",
            [
                (
                    i,
                    "auto",
                    1.0 if i % 3 else 0.0,
                    "full" if i % 3 else "zero",
                    str(i % 7 - 3),
                    "matches the reference",
                )
                for i in range(1, RUNS + 1)
            ]
            + [(i, "human", 0.5, "partial", None, "half marks") for i in range(1, RUNS + 1, 2)],
        )
    db.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(db_path)
        built = time.perf_counter() - t0
        db = open_db(db_path)
        t0 = time.perf_counter()
        rows = export_runs_csv(db, Path(tmp) / "runs.csv")
        runs_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        export_scores_csv(db, Path(tmp) / "scores.csv")
        scores_s = time.perf_counter() - t0
        size_mb = (Path(tmp) / "runs.csv").stat().st_size / 1e6
        print(f"built {RUNS:,} runs + {RUNS * 3 // 2:,} grades in {built:.2f} s")
        print(
            f"export runs: {rows:,} rows, {size_mb:.1f} MB in {runs_s:.2f} s (target <= {TARGET_S} s)"
        )
        print(f"export scores (same data): {scores_s:.2f} s")
        return 0 if runs_s <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
