"""No false full credit: each shape that once gave a wrong answer full marks (issue 24) is now
zero, or needs_human with its reason, and the right answers of the same shape stay full."""

from __future__ import annotations

import pytest

from graders import grade

NOT_FULL = ("zero", "needs_human")


def _verdict(answer: str, reference: str, question: str | None = None) -> str:
    g = grade(answer=answer, reference=reference, question=question, timeout=10.0)
    return f"{g.verdict}: {g.reason}"


CASE_OF_SYMBOLS = [
    # (answer, reference, verdict)
    ("X", "x", "zero"),
    ("Y = 1 + X", "y = 1 + x", "zero"),
    ("x^2 + Y", "x^2 + y", "zero"),
    ("\\frac{A}{2}", "\\frac{a}{2}", "zero"),
    ("N(N+1)/2", "n(n+1)/2", "zero"),
    ("x", "x", "full"),
    ("y = 1 + x", "y = 1 + x", "full"),
    ("B", "b", "full"),  # a single choice letter: case does not matter
    ("(c)", "C", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), CASE_OF_SYMBOLS)
def test_symbols_that_differ_only_in_case_are_different(
    answer: str, reference: str, verdict: str
) -> None:
    assert _verdict(answer, reference).startswith(verdict)


SAMPLING_DOMAIN = [
    # positive values alone cannot tell these apart
    ("\\sqrt{x^2}", "x", NOT_FULL),
    ("x", "\\sqrt{x^2}", NOT_FULL),
    ("\\sqrt{x}\\sqrt{y}", "\\sqrt{xy}", NOT_FULL),
    ("x", "|x|", NOT_FULL),
    ("(x-a)^{99}", "(x-a)^{100}", ("zero",)),
    ("(x-1)^{99}", "(x-1)^{100}", ("zero",)),
    ("x^{99}", "x^{100}", ("zero",)),
    ("(1-x)^{50}", "(1-x)^{51}", ("zero",)),
    ("2^{-100}", "3^{-100}", ("zero",)),
    ("10^{-30}", "10^{-31}", ("zero",)),
    ("0.00001", "6.75 \\times 10^{-5}", ("zero",)),
    ("e^{-100x}", "e^{-101x}", ("zero",)),
    # the same functions stay full
    ("|x|", "\\sqrt{x^2}", ("full",)),
    ("(x-1)^2", "x^2 - 2x + 1", ("full",)),
    ("\\sin^2 x", "1 - \\cos^2 x", ("full",)),
    ("\\ln(xy)", "\\ln x + \\ln y", NOT_FULL),  # x, y < 0: ln(xy) is real, the sum is not
    ("2\\ln x", "\\ln(x^2)", NOT_FULL),
    ("\\sqrt{|x|}", "\\sqrt{x}", NOT_FULL),
    ("x^{2/3}", "\\sqrt[3]{x^2}", NOT_FULL),  # x < 0: the principal x^{2/3} is not real
    ("\\sqrt{x^3}", "x\\sqrt{x}", ("full",)),
    ("2^{-100}", "\\frac{1}{2^{100}}", ("full",)),
    ("0.0000675", "6.75 \\times 10^{-5}", ("full",)),
    ("(x-a)^{100}", "(a-x)^{100}", ("full",)),
]


@pytest.mark.parametrize(("answer", "reference", "verdicts"), SAMPLING_DOMAIN)
def test_sampling_tells_the_forms_apart(
    answer: str, reference: str, verdicts: tuple[str, ...]
) -> None:
    assert _verdict(answer, reference).split(":")[0] in verdicts


RELATIONS = [
    ("|x| = |y|", "x = y", NOT_FULL),
    ("x = y", "|x| = |y|", NOT_FULL),
    ("x^2 = y^2", "x = y", NOT_FULL),
    ("x = 2", "x^2 = 4", ("zero",)),
    ("2x + 3y = 6", "2x + 3y = 5", ("zero",)),
    ("x + y > 2", "x + y > 1", ("zero",)),
    ("b < a", "a < b", ("zero",)),
    ("4x + 6y = 10", "2x + 3y = 5", ("full",)),
    ("y - 2x = 1", "y = 2x + 1", ("full",)),
]


@pytest.mark.parametrize(("answer", "reference", "verdicts"), RELATIONS)
def test_an_equation_is_the_same_only_up_to_a_constant_factor_or_solutions(
    answer: str, reference: str, verdicts: tuple[str, ...]
) -> None:
    assert _verdict(answer, reference).split(":")[0] in verdicts


NO_ANSWER_IN_PROSE = [
    # a sentence that gives no answer (from real JEE responses, paraphrased)
    (
        "Solving gives $x = \\frac{3}{2}$, which is not an integer.\n"
        "There must be an error in our calculations, since the answer should be 2.",
        "2",
    ),
    (
        "So the answer should be 2, but there must be an error in our calculations somewhere.",
        "2",
    ),
    (
        "We get $n = 3$, which does not match the data.\nLet's recheck the step where we used"
        " $k = 2$.",
        "2",
    ),
    ("Hmm, the value 2 cannot be right. Let us re-evaluate with m = 2.", "2"),
    ("Is the answer 2?", "2"),
    ("The answer is not 5.", "5"),
    ("5 is wrong", "5"),
    ("The answer cannot be 5.", "5"),
    # an expression that holds the reference as one of its terms
    ("t = 0.5 + \\frac{5x}{4} - 1", "0.5"),
    ("The time is $t = 0.5 + \\frac{5x}{4} - 1$.", "0.5"),
    ("Hence $v = 2 + 3u$.", "2"),
    ("The answer is $4 - 2\\sqrt{y}$.", "4"),
    ("Answer: $0.25 x + 1$", "0.25"),
]


@pytest.mark.parametrize(("answer", "reference"), NO_ANSWER_IN_PROSE)
def test_a_number_is_not_taken_from_a_sentence_that_gives_no_answer(
    answer: str, reference: str
) -> None:
    assert _verdict(answer, reference).split(":")[0] in NOT_FULL


ORDERED = [
    # (answer, reference, question, verdicts)
    ("2, 1, 3", "1, 2, 3", "List the roots in increasing order.", ("zero",)),
    ("3, 1", "1, 3", "Find a and b respectively.", ("zero",)),
    ("5, 2, 3", "2, 5, 3", None, NOT_FULL),  # listed in an order of its own
    ("(2, 1)", "(1, 2)", None, ("zero",)),
    ("1, 2, 3", "1, 2, 3", "List the roots in increasing order.", ("full",)),
    ("-3, 2", "2, -3", None, ("full",)),  # roots smallest first or not: a set
    ("3, 2", "2, 3", None, ("full",)),
]


@pytest.mark.parametrize(("answer", "reference", "question", "verdicts"), ORDERED)
def test_an_ordered_reference_is_not_matched_by_another_order(
    answer: str, reference: str, question: str | None, verdicts: tuple[str, ...]
) -> None:
    assert _verdict(answer, reference, question).split(":")[0] in verdicts
