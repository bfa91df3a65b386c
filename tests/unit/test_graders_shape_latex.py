"""Spacing, wrappers and equation chains: how an answer is written does not change its value."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

CHAINS = [
    ("x = 5+5+1 = 11", "11", "full"),
    ("x = 5+5+1 = 11", "12", "zero"),
    ("x = 5+5+1 = 11", "5", "zero"),
    ("x = 5+5+1 = 11", "x = 11", "full"),
    ("A = 2 \\cdot 3 = 6", "6", "full"),
    ("n = 2^3 = 8", "8", "full"),
    ("y = 3 + 4 = 7", "y = 7", "full"),
    ("5+5+1 = 11", "11", "full"),
    (r"a = 2\sqrt{2} \approx 2.83", r"2\sqrt{2}", "full"),
    (r"2\sqrt{2} \approx 2.83", r"2\sqrt{2}", "full"),
    (r"\approx 2.83", r"2\sqrt2", "full"),
    (r"x \approx 3.14", r"\pi", "full"),
    (r"\frac{1}{3} \approx 0.333", "1/3", "full"),
    (r"\frac{1}{3} \approx 0.333", "0.25", "zero"),
    (r"x = \frac{\pi}{4} \approx 0.785", r"\frac{\pi}{4}", "full"),
    (r"x = \frac{\pi}{3} \approx 0.785", r"\frac{\pi}{4}", "zero"),
    ("S = 1 + 2 + 3 = 6", "6", "full"),
    ("The total is 3 + 4 = 7.", "7", "full"),
    ("d = \\sqrt{9+16} = 5", "5", "full"),
    ("d = \\sqrt{9+16} = 5", "25", "zero"),
]

WRAPPERS = [
    (r"11,\!111", "11111", "full"),
    (r"1\,000", "1000", "full"),
    (r"1\thinspace000", "1000", "full"),
    (r"\left( 1, 2 \right )", "(1,2)", "full"),
    (r"\left(1,2\right)", "(1,2)", "full"),
    (r"\\frac{1}{2}", "1/2", "full"),
    (r"\\sqrt{2}", r"\sqrt{2}", "full"),
    (r"\\boxed{5}", "5", "full"),
    (r"\\boxed{\\frac{\\pi}{4}}", r"\frac{\pi}{4}", "full"),
    (r"\dfrac{1}{2}", "0.5", "full"),
    (r"\displaystyle \frac{1}{2}", "1/2", "full"),
    (r"\displaystyle\frac{x}{2}", "x/2", "full"),
    (r"2\frac12", "5/2", "full"),
    (r"2\frac{1}{2}", "2.5", "full"),
    (r"3\tfrac{3}{4}", "15/4", "full"),
    (r"2\frac{x}{3}", r"\frac{2x}{3}", "full"),
    (r"-1\frac{1}{2}", "-3/2", "full"),
    (r"-1\frac{1}{2}", "-1/2", "zero"),
    (r"\mathrm{5}", "5", "full"),
    (r"\textbf{5}", "5", "full"),
    ("**5**", "5", "full"),
    ("$5$", "5", "full"),
    ("$$5$$", "5", "full"),
    (r"\(5\)", "5", "full"),
    (r"\[5\]", "5", "full"),
    (r"\boxed{\text{5 cm}}", "5", "full"),
    (r"\frac {1} {2}", "1/2", "full"),
    (r"\sqrt[3]{8}", "2", "full"),
    ("{2}", "2", "full"),
    (r"\left\{1,2\right\}", r"\{1,2\}", "full"),
    ("x^{2}", "x^2", "full"),
    (r"\frac{\sqrt{3}}{2}", r"\frac{\sqrt3}2", "full"),
    (r"\sqrt3/2", r"\frac{\sqrt{3}}{2}", "full"),
    (r"2\cdot 10^{3}", "2000", "full"),
    (r"2 \times 10^3", "2000", "full"),
    ("2e3", "2000", "full"),
    (r"\frac{1}{2}.", "1/2", "full"),
    (r"\boxed{\dfrac{3}{4}}", "0.75", "full"),
    (r"\text{(C)}", "C", "full"),
    (r"\;\frac{1}{2}\;", "1/2", "full"),
    (r"x\,=\,4", "4", "full"),
    (r"\frac{\pi}{2}\,\text{rad}", r"\frac{\pi}{2}", "full"),
    (r"90^\circ", "90", "full"),
    (r"\left| -3 \right|", "3", "full"),
    (r"\sqrt{x^{2}}", "|x|", "full"),
    (r"\operatorname{sin} x", r"\sin x", "full"),
    (r"\mathbf{2}", "2", "full"),
    (r"\bigl(1, 2\bigr)", "(1,2)", "full"),
    ("x² + 1", "x^2+1", "full"),
    ("√2", r"\sqrt{2}", "full"),
    ("π/4", r"\frac{\pi}{4}", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), CHAINS)
def test_an_equation_chain_means_its_last_exact_value(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), WRAPPERS)
def test_spacing_and_wrappers_do_not_change_the_value(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)
