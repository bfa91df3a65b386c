"""Expression grading: LaTeX and plain math, sets, tuples, intervals, equations (sympy worker)."""

from __future__ import annotations

import pytest

from graders import grade

TRIG = r"""We need the smallest positive root of $2\sin x = 1$.
Since $\sin x = \frac{1}{2}$, the candidates are $x = \frac{\pi}{6}$ and $x = \frac{5\pi}{6}$.
The smallest positive one is the first.

Thus, $\boxed{x = \frac{\pi}{6}}$"""

AREA = r"""The curves meet at $x = 0$ and $x = 1$, and $\int_0^1 (x - x^2)\,dx = \frac{1}{6}$.
Doubling for the symmetric part, so the area is $\frac{1}{3}$ square units."""

CASES = [
    # (reference, answer, verdict)
    (r"\frac{\pi}{4}", r"\boxed{\frac{\pi}{4}}", "full"),
    (r"\frac{\pi}{4}", r"\dfrac{\pi}{4}", "full"),
    (r"\frac{\pi}{4}", r"\pi/4", "full"),
    (r"\frac{\pi}{4}", "pi/4", "full"),
    (r"\frac{\pi}{4}", "0.785", "full"),
    (r"\frac{\pi}{4}", r"\frac{\pi}{3}", "zero"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", "full"),
    (r"2\sqrt{3}", r"\sqrt{12}", "full"),
    (r"2\sqrt{3}", "sqrt(12)", "full"),
    (r"2\sqrt{3}", "3.46", "full"),
    (r"2\sqrt{3}", r"3\sqrt{2}", "zero"),
    (r"\frac{1+\sqrt{5}}{2}", "1.618", "full"),
    (r"\pi", "3.14", "full"),
    (r"\pi", "3", "zero"),
    ("e", "2.718", "full"),
    ("e^{2}", r"\exp(2)", "full"),
    ("2^{10}", "1024", "full"),
    ("5!", "120", "full"),
    (r"\log_2 8", "3", "full"),
    (r"\ln e", "1", "full"),
    ("60^\\circ", "60", "full"),
    (r"\infty", r"\infty", "full"),
    ("x^2+2x+1", "(x+1)^2", "full"),
    ("x^2+2x+1", "(x + 1)^{2}", "full"),
    ("x^2-1", "(x-1)(x+1)", "full"),
    ("x^2-1", "(x-1)^2", "zero"),
    ("x^2", "x^3", "zero"),
    (r"\frac{x}{2}", "0.5x", "full"),
    (r"\frac{1}{x}", "x^{-1}", "full"),
    (r"\sin^2 x + \cos^2 x", "1", "full"),
    (r"\sin(2x)", r"2\sin x\cos x", "full"),
    (r"\ln(xy)", r"\ln x + \ln y", "needs_human"),  # equal only where x, y > 0
    (r"2\alpha", r"\alpha + \alpha", "full"),
    ("x_1 + x_2", "x_2 + x_1", "full"),
    ("2xy", "2 y x", "full"),
    (r"\frac{a}{b}", "a/b", "full"),
    ("|x|", r"\sqrt{x^2}", "full"),
    (r"\frac{\pi}{6}", TRIG, "full"),
    (r"\frac{5\pi}{6}", TRIG, "zero"),
    ("1/3", AREA, "full"),
    # x = … unwrapped
    ("3", "x = 3", "full"),
    (r"x = \frac{1}{2}", "0.5", "full"),
    ("x = 2", "x = 2.0", "full"),
    ("x = 2", "y = 2", "zero"),  # another unknown is another statement
    # sets, tuples, intervals
    (r"\{1, 2\}", r"\{2, 1\}", "full"),
    (r"\{1, 2\}", "x = 1 or x = 2", "full"),
    (r"\{1, 2\}", "x = 1, 2", "full"),
    (r"\{1, 2\}", r"\{1, 3\}", "zero"),
    (r"\{1, 2\}", r"\{1, 2, 3\}", "zero"),
    (r"1 \pm \sqrt{2}", r"1+\sqrt{2}, 1-\sqrt{2}", "full"),
    (
        r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}",
        r"\frac{-b+\sqrt{b^2-4ac}}{2a}, \frac{-b-\sqrt{b^2-4ac}}{2a}",
        "full",
    ),
    (r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}", r"x = \frac{-b+\sqrt{b^2-4ac}}{2a}", "zero"),
    (r"\{-1, 0, 1\}", r"Therefore, the solution set is $\{1, -1, 0\}$.", "full"),
    ("(1, 2)", "(1,2)", "full"),
    ("(1, 2)", "(2, 1)", "zero"),
    (r"(\frac{1}{2}, 3)", "(0.5, 3)", "full"),
    ("(0, 1]", "(0,1]", "full"),
    ("(0, 1]", "(0, 1)", "zero"),
    ("(0, 1]", "[0, 1]", "zero"),
    ("(0, 1]", r"0 < x \le 1", "full"),
    (r"[2,\infty)", r"[2, \infty)", "full"),
    (r"[2,\infty)", r"x \geq 2", "full"),
    (r"[2,\infty)", "x > 2", "zero"),
    (r"(-\infty, 0) \cup (1, \infty)", r"(1, \infty) \cup (-\infty, 0)", "full"),
    (r"(-\infty, 0) \cup (1, \infty)", r"(-\infty, 0] \cup (1, \infty)", "zero"),
    # equations: both sides moved to one side, up to a non-zero factor
    ("y = 2x + 1", "2x - y + 1 = 0", "full"),
    ("x^2 + y^2 = 1", "2x^2 + 2y^2 = 2", "full"),
    ("y = 2x + 1", "y = 2x + 2", "zero"),
    ("x > 2", "2 < x", "full"),
    ("x > 2", "x < 2", "zero"),
    # unparseable: a person decides
    ("x^2", "the answer is a parabola opening upward", "needs_human"),
    (r"\int_0^1 x\,dx", "1/2", "needs_human"),
]


@pytest.mark.parametrize(("reference", "answer", "verdict"), CASES)
def test_expression_grading(reference: str, answer: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, kind="expression")
    assert g.verdict == verdict, g.reason
    assert g.kind == "expression"
    assert g.score == (1.0 if verdict == "full" else 0.0)


def test_expression_kind_is_inferred_from_latex() -> None:
    assert grade(answer=r"\sqrt{12}", reference=r"2\sqrt{3}").kind == "expression"


def test_extracted_is_the_formula_found() -> None:
    assert grade(answer=TRIG, reference=r"\frac{\pi}{6}").extracted == r"x = \frac{\pi}{6}"


def test_unparseable_reason_says_so() -> None:
    g = grade(answer="1/2", reference=r"\int_0^1 x\,dx", kind="expression")
    assert "could not parse the reference" in g.reason
