"""Integer and numeric grading: the JEE rule |gold − answer| ≤ 0.01, as people write numbers."""

from __future__ import annotations

import pytest

from graders import grade

ALPHA_DECAY = """<thinking>Half-life 20 min; one hour is 3 half-lives.</thinking>
<step>N(t) = 1000 · (1/2)^{t/20}. After 60 minutes, 1000 - 125 = 875 nuclei have decayed.</step>
<step>Only 60% of the decays are alpha: 0.6 × 875 = 525.</step>
<reflection>3 half-lives, 875 decays, 60% alpha: consistent.</reflection>
<reward>0.9</reward>
<answer>Therefore, the number of alpha-decays of Q in the first one hour is **525**.</answer>
<reflection>Done.</reflection>
<reward>0.95</reward>"""

GAS = """We have Z = PV/(nRT), so x = Z·RT/V = 0.5 × 0.08 × 800 / 0.4 = 80 atm.
For the ideal gas at the same T and P, y = RT/P = 0.08 × 800 / 80 = 0.8 dm^3 mol^-1.
So x/y = 80/0.8 = 100.

Final answer: 100"""

CASES = [
    # (answer, reference, verdict)
    ("100", "100", "full"),
    ("100.0", "100", "full"),
    ("The value of x/y is 100.", "100", "full"),
    (GAS, "100", "full"),
    (GAS, "80", "zero"),
    (ALPHA_DECAY, "525", "full"),
    (ALPHA_DECAY, "875", "zero"),
    ("\\boxed{0.32}", "0.32", "full"),
    ("The amount of X is $0.32$ g.", "0.32", "full"),
    ("0.33", "0.32", "full"),  # |0.32 − 0.33| = 0.01
    ("0.34", "0.32", "zero"),
    ("3.14", "3.1416", "full"),
    ("3.1", "3.1416", "zero"),
    ("10.03", "10.02", "full"),
    ("10.04", "10.02", "zero"),
    ("1000", "1,000", "full"),
    ("1,000", "1000", "full"),
    ("1 000", "1000", "full"),
    ("1 000 000", "1e6", "full"),
    ("0.4", ".4", "full"),
    (".4", "0.4", "full"),
    ("0.28", "28%", "full"),
    ("28", "28%", "full"),
    ("28%", "0.28", "full"),
    ("28 %", "28", "full"),
    ("The error is 1%.", "1", "full"),
    ("0.3", "28%", "zero"),
    ("3.2e-3", "3.2 × 10^{-3}", "full"),
    ("3.2 \\times 10^{-3}", "0.0032", "full"),
    ("0.0032", "3.2e-3", "full"),
    ("2.5 x 10^-3 M", "0.0025", "full"),
    ("1.2×10⁻⁸", "1.2e-8", "full"),
    ("6.02 \\cdot 10^{23}", "6.02e23", "full"),
    ("6.03e23", "6.02e23", "zero"),  # relative 1.7e-3 is far more than 1e-6
    ("1234567.5", "1234567", "full"),  # large value: relative error 4e-7
    ("1234000", "1234567", "zero"),
    ("5", "5 m/s", "full"),
    ("5.0 m s^{-1}", "5 m/s", "full"),
    ("The speed is 40 cm s^{-1}.", "40", "full"),
    ("10 J", "10 J", "full"),
    ("The change in its internal energy is 121 J.", "121", "full"),
    ("|X| = 90.7 kJ mol^{-1}", "90.7", "full"),
    ("ΔH = −90.7 kJ/mol", "90.7", "zero"),
    ("-3", "−3", "full"),
    ("3", "-3", "zero"),
    ("\\frac{1}{4}", "0.25", "full"),
    ("1/4", "0.25", "full"),
    ("The probability is 4/5.", "0.8", "full"),
    ("approximately 0.80", "0.8", "full"),
    ("≈ 10.01", "10.02", "full"),
    ("1.00", "1", "full"),
    ("The pH of the resulting solution is 10.02", "10.02", "full"),
    ("220", "220 or 140 or anything", "full"),
    ("140", "220 or 140 or anything", "full"),
    ("999", "220 or 140 or anything", "full"),
    ("140", "220 or 140", "full"),
    ("999", "220 or 140", "zero"),
    ("Step 1 gives 3, step 2 gives 12; the final answer is 40.", "40", "full"),
    ("In the first hour 525 alpha decays occur", "525", "full"),
    ("Therefore, $x/y = \\boxed{100}$", "100", "full"),
    ("\\boxed{2.92 \\text{ g}}", "2.92", "full"),
    ("**Final Answer**: The pH is approximately **10.02**", "10.02", "full"),
    ("n = 10 (since 10 × 10^{-3} rad/s)", "10", "full"),
    ("The maximum current is 4 mA, i.e., 0.004 A", "4", "full"),
    ("I don't know how to solve this.", "100", "needs_human"),
    ("", "100", "zero"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), CASES)
def test_numeric_grading(answer: str, reference: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference)
    assert g.verdict == verdict, g.reason
    assert g.score == {"full": 1.0, "zero": 0.0, "needs_human": 0.0}[verdict]
    assert g.kind in ("integer", "numeric")
    assert (g.points, g.max_points) == (None, None)


def test_tolerance_can_be_widened_per_problem() -> None:
    assert grade(answer="3.2", reference="3", tolerance=0.5).verdict == "full"


def test_tolerance_can_be_narrowed_per_problem() -> None:
    assert grade(answer="3.005", reference="3", tolerance=0.001).verdict == "zero"
    assert grade(answer="3.0005", reference="3", tolerance=0.001).verdict == "full"


def test_reason_shows_the_difference_and_the_tolerance() -> None:
    assert grade(answer="3.14", reference="3.1416").reason == "|3.1416-3.14| ≤ 0.01"


def test_extracted_is_the_number_found() -> None:
    assert grade(answer="so x = 3.2 × 10^{-3} mol", reference="0.0032").extracted == "0.0032"
    assert grade(answer="28%", reference="0.28").extracted == "28%"


def test_integer_and_numeric_kinds_are_inferred_from_the_reference() -> None:
    assert grade(answer="525", reference="525").kind == "integer"
    assert grade(answer="0.32", reference="0.32").kind == "numeric"
