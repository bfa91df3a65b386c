"""Runs inside benches/.mv-venv (Math-Verify installed there only): JSON cases in, verdicts out.

Not a Ponder module: compare_mathverify.py starts it with the bench venv's interpreter.
stdin: [[answer, gold], ...]; stdout: {"equal": [bool, ...], "seconds": [float, ...]}.
"""

from __future__ import annotations

import json
import re
import sys
import time

from math_verify import parse, verify  # type: ignore[import-not-found]


def _as_latex(text: str) -> str:
    """Bare math gets `$…$`, as Math-Verify's README writes its gold answers; prose stays."""
    if any(m in text for m in ("$", "\\boxed", "\\(", "\\[")):
        return text
    words = re.sub(r"\\[A-Za-z]+|\{[^{}]*\}", " ", text)
    if re.search(r"[A-Za-z]{3,}", words):
        return text  # a sentence: Math-Verify finds the math in it itself
    return f"${text}$"


def main() -> int:
    cases = json.load(sys.stdin)
    parse("$1$")  # warm: sympy and the lark grammar loaded before timing
    equal: list[bool] = []
    seconds: list[float] = []
    for answer, gold in cases:
        started = time.perf_counter()
        try:
            ok = bool(verify(parse(_as_latex(gold)), parse(_as_latex(answer))))
        except Exception:
            ok = False
        seconds.append(time.perf_counter() - started)
        equal.append(ok)
    json.dump({"equal": equal, "seconds": seconds}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
