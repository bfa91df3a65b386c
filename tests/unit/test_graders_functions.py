"""Factorials, Γ, binomials, degrees inside trigonometric functions, and a formula that is the
reference number for every value of its variables."""

from __future__ import annotations

import pytest

from graders import grade

FUNCTIONS = [
    # (answer, reference, verdict)
    ("2 \\cdot 3!", "12", "full"),
    ("3!2!", "12", "full"),
    ("3! \\cdot 2!", "12", "full"),
    ("\\frac{10!}{3!7!}", "120", "full"),
    ("(n-1)! n!", "n!(n-1)!", "full"),
    ("n!", "n!", "full"),
    ("(n+1)!", "(n+1) n!", "full"),
    ("n!", "(n+1)!", "zero"),
    ("\\Gamma(5)", "24", "full"),
    ("\\Gamma(6)", "24", "zero"),
    ("\\Gamma(\\frac{1}{2})", "\\sqrt{\\pi}", "full"),
    ("\\Gamma(n+1)", "n!", "full"),
    ("\\binom{6}{3}", "20", "full"),
    ("\\binom{5}{2}", "\\binom{5}{3}", "full"),
    ("\\binom{5}{2}", "20", "zero"),
    ("\\sin(90^\\circ - x)", "\\cos x", "full"),
    ("\\cos x", "\\sin(90^\\circ - x)", "full"),
    ("\\sin 30^\\circ", "\\frac12", "full"),
    ("\\tan 45^{\\circ}", "1", "full"),
    ("\\cos(60°)", "0.5", "full"),
    ("\\sin(90^\\circ + x)", "\\sin x", "zero"),
    ("\\boxed{12^\\circ}", "12", "full"),
    ("45^\\circ", "\\frac{\\pi}{4}", "full"),  # an angle in degrees against radians
    ("45°", "\\pi/4", "full"),
    ("60^\\circ", "\\frac{\\pi}{4}", "zero"),
    ("(\\cos x)^2 + (\\sin x)^2", "1", "full"),
    ("\\sin^2 x + \\cos^2 x", "1", "full"),
    ("\\frac{x^2 - 1}{x - 1} - x", "1", "full"),
    ("x + 1", "1", "zero"),
    ("\\sec^2 x - \\tan^2 x", "1", "full"),
    ("\\sec^2 x + \\tan^2 x", "1", "zero"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), FUNCTIONS)
def test_special_functions_and_constant_formulas(answer: str, reference: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, timeout=10.0)
    assert g.verdict == verdict, g.reason
