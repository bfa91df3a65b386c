"""Streaming-parser throughput: tagged dcot text arriving in 7-character deltas.

Target (SPEC §8): >= 5 MB/s, and linear: the 4x and 16x sizes cost 4x and 16x.
Run: .venv/bin/python benches/bench_parser.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reasoning.parse import TagParser

TIME_LIMIT_S = 120  # `make bench` kills the bench after this
UNIT = (
    "<thinking>We need the number of integer solutions of x^2 + y^2 < 25; consider each x in turn, "
    "noting that x < 5 and -5 < x, so |x| <= 4.</thinking>\n"
    "<step>For x = 0, y^2 < 25 gives |y| <= 4: 9 values.</step>\n<count>19</count>\n"
    "<step>For |x| = 3, y^2 < 16 gives |y| <= 3: 7 values each.</step>\n<count>18</count>\n"
    "<reflection>The cases are symmetric; double-check the boundary x^2 + y^2 = 25 is excluded."
    "</reflection>\n<reward>0.85</reward>\n"
)


def run(text: str, delta: int = 7) -> float:
    """Seconds to parse `text` fed in `delta`-sized pieces (best of 3)."""
    best = float("inf")
    for _ in range(3):
        p = TagParser()
        pieces = [text[i : i + delta] for i in range(0, len(text), delta)]
        t0 = time.perf_counter()
        n = 0
        for piece in pieces:
            n += len(p.feed(piece))
        n += len(p.flush())
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    base = UNIT * 2000  # ~0.75 MB
    print(f"{'size':>6} {'bytes':>10} {'seconds':>9} {'MB/s':>7} {'s per 1x':>9}")
    t1 = None
    for mult in (1, 4, 16):
        text = base * mult
        size = len(text.encode())
        t = run(text)
        t1 = t1 or t
        print(f"{mult:>5}x {size:>10} {t:>9.3f} {size / t / 1e6:>7.1f} {t / mult / t1:>9.2f}")
    print("target: >= 5 MB/s; 's per 1x' near 1.0 at every size means linear")


if __name__ == "__main__":
    main()
