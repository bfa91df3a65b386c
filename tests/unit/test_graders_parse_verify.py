"""parse → verify: one rule per kind, the reference read like the answer, the vote reusing parse."""

from __future__ import annotations

import pytest

from graders import KINDS, RULES, Parsed, Rules, grade, normalize_answer, parse, verify
from graders.mathparse import Node
from graders.numeric import Number

WORKED = r"""We expand $(x+1)^2 - x^2 = 2x + 1$ and set it to 11, so $2x = 10$.
Checking: $(5+1)^2 - 25 = 11$. Hence
$$\boxed{5}$$"""


def test_every_kind_has_one_rule() -> None:
    assert set(RULES) == set(KINDS)


@pytest.mark.parametrize(
    ("text", "kind", "value_type"),
    [
        ("The answer is (B).", "choice_single", tuple),
        ("Answer: A and D", "choice_multi", tuple),
        ("So the total is 1,000 apples.", "integer", Number),
        (r"\boxed{0.32}", "numeric", Number),
        (r"Thus $\boxed{\frac{\pi}{4}}$", "expression", Node),
        ("An essay.", "text", str),
        ("Proof. Trivial.", "proof", str),
    ],
)
def test_parse_reads_a_value_of_the_kind(text: str, kind: str, value_type: type) -> None:
    parsed = parse(text, kind)  # type: ignore[arg-type]
    assert isinstance(parsed, Parsed)
    assert parsed.kind == kind
    assert isinstance(parsed.value, value_type)


@pytest.mark.parametrize(
    ("answer", "reference", "kind"),
    [
        ("The answer is (B).", "B", "choice_single"),
        ("(A) and (C)", "A,C,D", "choice_multi"),
        ("x = 1,000", "1000", "integer"),
        ("0.321", "0.32", "numeric"),
        (r"\frac{\pi}{3}", r"\frac{\pi}{4}", "expression"),
        ("(3, 1)", r"\{1, 3\}", "expression"),
    ],
)
def test_grade_is_verify_of_two_parses(answer: str, reference: str, kind: str) -> None:
    rules = Rules(question=None)
    gold = parse(reference, kind, rules, reference=True)  # type: ignore[arg-type]
    said = parse(answer, kind, rules)  # type: ignore[arg-type]
    direct = verify(gold, said, rules)
    g = grade(answer=answer, reference=reference, kind=kind)
    assert (direct.verdict, direct.score) == (g.verdict, g.score)


def test_an_empty_answer_parses_as_empty() -> None:
    assert parse("   ", "numeric").empty
    assert verify(parse("2", "numeric", reference=True), parse("", "numeric")).verdict == "zero"


def test_a_missing_value_carries_its_reason() -> None:
    parsed = parse("I could not solve it.", "choice_single")
    assert parsed.value is None and "no option letter" in parsed.problem


def test_a_worked_solution_reference_means_its_boxed_answer() -> None:
    assert grade(answer="5", reference=WORKED).verdict == "full"
    assert grade(answer="6", reference=WORKED).verdict == "zero"
    assert grade(answer="x = 5", reference=WORKED).kind == "integer"


def test_a_worked_solution_reference_of_a_choice_question() -> None:
    solution = "Option (A) fails at x = 0, (B) holds.\n\nFinal answer: \\boxed{B}"
    g = grade(answer="(B)", reference=solution)
    assert (g.kind, g.verdict) == ("choice_single", "full")


def test_a_reference_with_several_boxes_is_a_set() -> None:
    g = grade(answer=r"\boxed{3}, \boxed{-1}", reference=r"The roots are \boxed{-1} and \boxed{3}.")
    assert g.verdict == "full", g.reason


def test_the_vote_reads_answers_like_the_grader() -> None:
    assert normalize_answer("so x = 3", "expression") == normalize_answer(
        r"\boxed{3}", "expression"
    )
    assert normalize_answer("(9+1)", "integer") == "10"
    assert normalize_answer(r"4\sqrt{2}", "integer") == "5.66"
    assert normalize_answer("3x^4", "integer") is None  # a formula does not vote for a number


def test_parse_reads_the_tolerance_from_rules() -> None:
    gold = parse("10", "numeric", reference=True)
    said = parse("10.4", "numeric")
    assert verify(gold, said).verdict == "zero"
    assert verify(gold, said, Rules(tolerance=0.5)).verdict == "full"
