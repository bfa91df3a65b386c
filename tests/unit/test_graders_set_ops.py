"""Unions and intersections of intervals, worked out before they are compared."""

from __future__ import annotations

import pytest

from graders import grade

SET_OPS = [
    # (answer, reference, verdict)
    ("(1,3)", "(1,2] \\cup [2,3)", "full"),
    ("(1,3]", "(1,2] \\cup [2,3)", "zero"),
    ("(1,2] \\cup [2,3)", "(1,3)", "full"),
    ("(1,2) \\cup (2,3)", "(1,3)", "zero"),
    ("(-\\infty, 1) \\cup (0, \\infty)", "\\mathbb{R}", "full"),
    ("[0, 1] \\cup [1, 2] \\cup [2, 3]", "[0, 3]", "full"),
    ("[2,3]", "[1,3] \\cap [2,4]", "full"),
    ("[2,4]", "[1,3] \\cap [2,4]", "zero"),
    ("[1,3] \\cap [2,4]", "[2,3]", "full"),
    ("(2, 3]", "(1,3] \\cap (2,4)", "full"),
    ("[2, 3]", "(1,3] \\cap (2,4)", "zero"),
    ("\\emptyset", "[0,1] \\cap [2,3]", "full"),
    ("[1, 2] ∪ [3, 4]", "[3, 4] \\cup [1, 2]", "full"),
    ("(0, 5) \\cap [1, 7]", "[1, 5)", "full"),
    ("[0, 2] \\cap [1, 3]", "[1, 2]", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), SET_OPS)
def test_unions_and_intersections_are_worked_out(answer: str, reference: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, timeout=10.0)
    assert g.verdict == verdict, g.reason
