"""Bench: importing published sets the size of MATH (12,500) and GSM8K's train split (7,473).

Prints the first import, a re-import of the same file (nothing changes) and a dry run. No target
in the spec; a figure above TARGET_S per set is reported as a miss.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from store.db import open_db
from store.problems import import_file

TIME_LIMIT_S = 300  # `make bench` kills the bench after this
TARGET_S = 10.0


def write_math(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            solution = "A worked solution, a few lines long. " * 15
            item = {
                "problem": f"Problem {i}: what is $\\frac{{{i}}}{{2}} + 1$?",
                "level": f"Level {i % 5 + 1}",
                "type": "Algebra",
                "solution": f"{solution}So the answer is $\\boxed{{\\frac{{{i + 2}}}{{2}}}}$.",
            }
            f.write(json.dumps(item) + "\n")


def write_gsm8k(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            item = {
                "question": f"A baker makes {i} rolls an hour for 5 hours. How many rolls? ({i})",
                "answer": f"She makes {i}*5 = <<{i}*5={i * 5}>>{i * 5} rolls.\n#### {i * 5}",
            }
            f.write(json.dumps(item) + "\n")


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> int:
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = open_db(folder / "bench.db")
        for name, write, n in (("math", write_math, 12_500), ("gsm8k", write_gsm8k, 7_473)):
            path = folder / f"{name}.jsonl"
            write(path, n)
            first_s, first = timed(lambda p=path: import_file(db, p))
            again_s, again = timed(lambda p=path: import_file(db, p))
            dry_s, _ = timed(lambda p=path: import_file(db, p, dry_run=True))
            assert first.added == n and again.unchanged == n, (first, again)
            size = path.stat().st_size / 1e6
            print(
                f"{name}: {n:,} problems ({size:.1f} MB, recognised {first.format_label}):"
                f" first import {first_s:.2f} s, again {again_s:.2f} s, dry run {dry_s:.2f} s"
            )
            missed |= first_s > TARGET_S
        db.close()
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
