"""Inequalities, intervals and `x \\in …` are one family: the same set of reals is the same answer."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

CASES = [
    (r"-2 \le x \le 7", "[-2,7]", "full"),
    ("[-2, 7]", r"-2 \le x \le 7", "full"),
    (r"-2 < x \le 7", "(-2, 7]", "full"),
    (r"-2 < x < 7", "[-2,7]", "zero"),
    (r"-2 \leq x < 7", "[-2,7)", "full"),
    (r"x \in [-2, 7]", "[-2,7]", "full"),
    (r"x \in [-2, 7]", r"-2 \le x \le 7", "full"),
    (r"-2 \le x \le 7", r"x \in [-2, 7]", "full"),
    (r"7 \ge x \ge -2", "[-2,7]", "full"),
    ("-2 <= x <= 7", "[-2,7]", "full"),
    ("-2 ≤ x ≤ 7", "[-2,7]", "full"),
    ("x > 3", r"(3, \infty)", "full"),
    (r"x \ge 3", r"[3,\infty)", "full"),
    ("x > 3", r"[3, \infty)", "zero"),
    ("x < 3", r"(-\infty, 3)", "full"),
    ("x <= 3", r"(-\infty, 3]", "full"),
    ("3 < x", r"(3,\infty)", "full"),
    (r"x \geq -1", r"[-1, \infty)", "full"),
    (r"(3, \infty)", "x > 3", "full"),
    (r"[3, \infty]", r"[3,\infty)", "full"),
    (r"(-\infty, 1) \cup (2, \infty)", r"x < 1 \text{ or } x > 2", "full"),
    ("x<1 or x>2", r"(-\infty,1)\cup(2,\infty)", "full"),
    (r"(2, \infty) \cup (-\infty, 1)", r"(-\infty,1)\cup(2,\infty)", "full"),
    (r"(-\infty, 1] \cup (2, \infty)", r"(-\infty,1)\cup(2,\infty)", "zero"),
    (r"(-\infty, 1)", r"(-\infty,1)\cup(2,\infty)", "zero"),
    (r"1 \le |z| \le 3/2", r"[-3/2, -1] \cup [1, 3/2]", "full"),
    (r"[-\frac{3}{2}, -1] \cup [1, \frac32]", r"1 \le |x| \le \frac{3}{2}", "full"),
    (r"[-1.5, -1] \cup [1, 1.5]", r"1 \le |z| \le \frac{3}{2}", "full"),
    (r"[1, \frac32]", r"1 \le |z| \le \frac{3}{2}", "zero"),
    ("|x| < 2", "(-2, 2)", "full"),
    (r"|x| \le 2", "(-2,2)", "zero"),
    (r"|x| \le 2", "[-2,2]", "full"),
    ("|x| > 2", r"(-\infty,-2)\cup(2,\infty)", "full"),
    (r"|x| \ge 2", r"(-\infty,-2)\cup(2,\infty)", "zero"),
    (r"\left[ -2, 7 \right]", "[-2,7]", "full"),
    (r"\left( 0, 1 \right]", "(0,1]", "full"),
    ("(0, 1]", "(0, 1)", "zero"),
    ("[1/2, 3]", "[0.5, 3]", "full"),
    (r"[\frac{1}{3}, 1]", "[0.33, 1]", "full"),
    ("[0.3, 1]", r"[\frac{1}{3}, 1]", "zero"),
    (r"\mathbb{R}", r"(-\infty,\infty)", "full"),
    (r"(-\infty, \infty)", r"\mathbb{R}", "full"),
    (r"x \in \mathbb{R}", r"(-\infty,\infty)", "full"),
    (r"[2, 5)", r"2 \le x < 5", "full"),
    (r"(2, 5]", r"2 \le x < 5", "zero"),
    (r"x \in (0, \pi)", r"(0, \pi)", "full"),
    (r"(0, \frac{\pi}{2})", r"0 < x < \frac{\pi}{2}", "full"),
    (r"[-3, 3]", r"x^2 \le 9", "full"),  # solved by sympy since round 3
    ("(1,3)", "(1,3)", "full"),
    (r"x \in [1, 3]", "[1, 3]", "full"),
    ("[1,3]", "[1,4]", "zero"),
    ("-x > -2", "x < 2", "full"),
    ("2x <= 6", r"(-\infty, 3]", "full"),
    ("-2x < 4", "x > -2", "full"),
    ("3 > -x", "x > -3", "full"),
    ("x < 1", "x > -1", "zero"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), CASES)
def test_inequalities_and_intervals_are_the_same_sets(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)
