"""Numbers: written as expressions, with commas and spaces, units, currency, percent, signs."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

from graders import infer_kind

# (answer, reference, verdict): the kind is inferred from the reference, as `ponder check` does.
AS_EXPRESSIONS = [
    (r"\frac13", r"\frac{1}{3}", "full"),
    (r"\cfrac{1}{3}", r"\frac{1}{3}", "full"),
    (r"\tfrac{1}{3}", "1/3", "full"),
    (r"\dfrac{2}{6}", r"\frac{1}{3}", "full"),
    (r"\frac{1}{3}", "0.3333", "full"),
    ("0.33", r"\frac{1}{3}", "full"),
    ("0.3", r"\frac13", "zero"),
    (r"\sqrt{17}", "4.1231056", "full"),
    ("4.1231056", r"\sqrt{17}", "full"),
    ("4.12", r"\sqrt{17}", "full"),
    ("4.2", r"\sqrt{17}", "zero"),
    ("(9+1)", "10", "full"),
    ("9+1", "10", "full"),
    ("10", "(9+1)", "full"),
    (r"4\sqrt2", "4", "zero"),
    (r"4\sqrt{2}", "4", "zero"),
    (r"\boxed{4\sqrt{2}}", "4", "zero"),
    (r"The diagonal is $4\sqrt{2}$.", "4", "zero"),
    (r"2\pi", "2", "zero"),
    (r"2\pi", "6.28", "full"),
    ("3x^4", r"3x^3", "zero"),
    ("3x^4", "3", "zero"),
    ("2n+1", "2", "zero"),
    ("2^{10}", "1024", "full"),
    (r"\frac{10}{2}", "5", "full"),
    ("5", r"\frac{10}{2}", "full"),
    (r"\sqrt{16}", "4", "full"),
    (r"2 \cdot 3", "6", "full"),
    ("6/2", "3", "full"),
    ("3/6", "0.5", "full"),
    (r"\frac{1}{2}", "0.5", "full"),
    ("x = 7", "7", "full"),
    ("The answer is 7 apples.", "7", "full"),
    ("8", "7", "zero"),
    ("So n = 2^3 = 8", "8", "full"),
    (r"\frac{\sqrt{3}}{2}", "0.866", "full"),
    ("e^2", "7.389", "full"),
    (r"\pi", "3.14", "full"),
    ("3", "3.14", "zero"),
    (r"\sqrt{2}", "1.41", "full"),
    (r"\sqrt{2}", "1.5", "zero"),
    (r"2^{-1}", "0.5", "full"),
    (r"\frac{22}{7}", r"\pi", "zero"),
    (r"\log_2 8", "3", "full"),
    (r"\sqrt[3]{27}", "3", "full"),
]

SEPARATORS = [
    ("2,5", "2.5", "full"),
    ("2,50", "2.5", "full"),
    ("0,25", "0.25", "full"),
    ("3,5 cm", "3.5", "full"),
    ("3,14159", "3.14159", "full"),
    ("10,455", "10455", "full"),
    ("1,000,000", "1000000", "full"),
    (r"11,\!111", "11111", "full"),
    ("1 000", "1000", "full"),
    (r"1\,000", "1000", "full"),
    (r"1{,}000", "1000", "full"),
    (r"1\thinspace000", "1000", "full"),
    ("2,5", r"\{2, 5\}", "full"),
    ("1, 2", "1.2", "zero"),
    ("10,455", "10454", "zero"),
    ("12 345 678", "12345678", "full"),
    (r"\$1,000", "1000", "full"),
    # `10,455` is 10455 (a comma before three digits separates thousands); where the other
    # reading, a decimal comma, is the one that matches, neither is guessed: a person decides.
    ("10,455", "10.455", "needs_human"),
    ("10.455", "10,455", "needs_human"),
    (r"\boxed{10,455}", "10.455", "needs_human"),
    ("1,500", "1.5", "needs_human"),
    ("10,455", "10.46", "needs_human"),  # 10.455 would be within 0.01
    ("-3,125", "-3.125", "needs_human"),
    ("10,455", "20.455", "zero"),  # neither reading matches
    ("10,455", "10.5", "zero"),
    ("1,234,567", "1.234567", "zero"),  # two groups: only thousands
    ("10.455", "10455", "zero"),  # a point is a decimal point
    ("10,455", "10,455", "full"),
    ("10,4550", "10.455", "full"),  # four digits: a decimal comma, unambiguous
]

UNITS = [
    (r"\$10", "10", "full"),
    ("$10", "10", "full"),
    ("10 dollars", "10", "full"),
    ("The price is \\$1.50.", "1.5", "full"),
    ("€15", "15", "full"),
    ("£15", "15", "full"),
    ("Rs. 250", "250", "full"),
    ("12 cm", "12", "full"),
    (r"12\text{ cm}", "12", "full"),
    (r"12 \mathrm{cm}", "12", "full"),
    ("12 cm^2", "12", "full"),
    (r"12 \text{m}^2", "12", "full"),
    ("5 m²", "5", "full"),
    ("The area is 12 m²", "12", "full"),
    ("The area is 12 m²", "2", "zero"),
    (r"12 \text{ m}^2", "2", "zero"),
    ("x^2", "2", "zero"),
    ("12 cm", "13", "zero"),
    ("3 m/s", "3", "full"),
    ("9.8 m/s^2", "9.8", "full"),
    ("25°", "25", "full"),
    (r"25^\circ", "25", "full"),
    (r"25^{\circ}C", "25", "full"),
    ("120 km/h", "120", "full"),
    ("2 hours", "2", "full"),
    (r"50\%", "50", "full"),
    ("50%", "50", "full"),
    ("50%", "0.5", "full"),
    ("0.5", "50%", "full"),
    ("40%", "50%", "zero"),
    (r"\boxed{20\%}", "20", "full"),
    ("12,5%", "12.5", "full"),
    ("5 mol", "5", "full"),
    ("0.25 M", "0.25", "full"),
    ("6 \\text{ apples}", "6", "full"),
]

EXACT_OR_APPROXIMATE = [
    ("63/400", "64/400", "zero"),
    (r"\frac{63}{400}", r"\frac{64}{400}", "zero"),
    (r"\frac{63}{400}", "0.1575", "full"),
    ("0.1575", r"\frac{63}{400}", "full"),
    ("0.16", "63/400", "full"),
    ("1/3", "0.33", "full"),
    ("1/3", "1/4", "zero"),
    ("2/3", "0.67", "full"),
    ("1/300", "1/301", "zero"),
    ("101", "100", "zero"),
    ("100.005", "100", "full"),
    ("100", "100.00", "full"),
    ("1.00", "1", "full"),
    (r"\frac{1}{99}", r"\frac{1}{100}", "zero"),
    (r"\frac{\sqrt{2}}{2}", r"\frac{1}{\sqrt{2}}", "full"),
    (r"\sqrt{2}+0.001", r"\sqrt{2}", "full"),
    (r"\frac{201}{200}", "1", "zero"),
    ("1.005", "1", "full"),
]

SIGNS = [
    ("-5", "-5", "full"),
    ("-5", "5", "zero"),
    ("5", "-5", "zero"),
    ("- 5", "-5", "full"),
    ("- 5", "5", "zero"),
    ("−5", "-5", "full"),
    ("+5", "5", "full"),
    ("-0.5", "-1/2", "full"),
    ("0.5", "-1/2", "zero"),
    ("Answer:\n- 3", "-3", "full"),
    ("x = -3", "-3", "full"),
    ("5!", "120", "full"),
    ("120", "5!", "full"),
    ("3!", "6", "full"),
    ("5!", "5", "zero"),
    ("0!", "1", "full"),
    ("4!/2", "12", "full"),
    (r"-\infty", r"\infty", "zero"),
    (r"\infty", r"-\infty", "zero"),
    ("-oo", "oo", "zero"),
    ("oo", "-oo", "zero"),
    ("oo", "oo", "full"),
    (r"-\infty", "-oo", "full"),
    (r"\infty", "100", "zero"),
    ("10**10**10**10", "10000000000", "zero"),
    ("10^{10^{10}}", "10000000000", "zero"),
    ("10^{10}", "10000000000", "full"),
    ("10**10", "10000000000", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), AS_EXPRESSIONS)
def test_a_number_written_as_an_expression_is_graded_by_its_value(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), SEPARATORS)
def test_decimal_commas_and_thousands_separators(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), UNITS)
def test_units_currency_and_percent(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), EXACT_OR_APPROXIMATE)
def test_tolerance_only_when_a_side_is_an_approximation(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), SIGNS)
def test_signs_factorials_and_infinities(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("3x^4", "expression"),
        (r"4\sqrt2", "expression"),
        ("2n", "expression"),
        ("3 x", "expression"),
        ("12 cm", "integer"),
        ("5 m/s", "integer"),
        ("0.25 M", "numeric"),
        ("2,5", "expression"),  # a reference's `2,5` is two answers
        ("10,455", "integer"),
        ("$10", "integer"),
        ("50%", "numeric"),  # 50 or 0.5
    ],
)
def test_the_kind_of_a_reference(reference: str, kind: str) -> None:
    assert infer_kind(reference) == kind
