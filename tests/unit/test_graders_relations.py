"""Equations and inequalities: the same relation up to a factor, the same solutions (an equation
against its roots, a product against its factors), inequalities the other way round or squared."""

from __future__ import annotations

import pytest

from graders import grade

RELATIONS = [
    # (answer, reference, verdict)
    ("x = 2 or x = -2", "x^2 = 4", "full"),
    ("x = \\pm 2", "x^2 = 4", "full"),
    ("-2, 2", "x^2 = 4", "full"),
    ("\\{-2, 2\\}", "x^2 = 4", "full"),
    ("x = 2", "x^2 = 4", "zero"),
    ("x = 2 or x = -3", "x^2 = 4", "zero"),
    ("x^2 = 4", "x = 2 or x = -2", "full"),
    ("(x-2)(x+2) = 0", "x^2 = 4", "full"),
    ("x = 1 or x = 2 or x = 3", "x^3 - 6x^2 + 11x - 6 = 0", "full"),
    ("x = 1 or x = 2", "x^3 - 6x^2 + 11x - 6 = 0", "zero"),
    ("a = 0 or b = 0", "ab = 0", "full"),
    ("b = 0 or a = 0", "ab = 0", "full"),
    ("a = 0 or b = 1", "ab = 0", "zero"),
    ("x = \\ln 2", "e^x = 2", "full"),
    ("x = e^2", "e^x = 2", "zero"),
    ("b > a", "a < b", "full"),
    ("a < b", "b > a", "full"),
    ("b \\geq a", "a \\leq b", "full"),
    ("b \\geq a", "a < b", "zero"),
    ("b < a", "a < b", "zero"),
    ("x^2 < 4", "-2 < x < 2", "full"),
    ("-2 < x < 2", "x^2 < 4", "full"),
    ("|x| < 2", "x^2 < 4", "full"),
    ("(-2, 2)", "x^2 < 4", "full"),
    ("x^2 \\le 4", "-2 < x < 2", "zero"),
    ("\\sqrt{x} < 2", "0 \\le x < 4", "full"),
    ("x > 4", "\\sqrt{x} > 2", "full"),
    ("x > 2", "\\sqrt{x} > 2", "zero"),
    ("4x + 6y = 10", "2x + 3y = 5", "full"),
    ("2x + 3y = 6", "2x + 3y = 5", "zero"),
    ("y - 2x = 1", "y = 2x + 1", "full"),
    ("x + y > 2", "x + y > 1", "zero"),
    ("2x + 2y > 2", "x + y > 1", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), RELATIONS)
def test_relations_are_compared_by_their_solutions(
    answer: str, reference: str, verdict: str
) -> None:
    g = grade(answer=answer, reference=reference, timeout=10.0)
    assert g.verdict == verdict, g.reason
