"""Several answers, named values and tuples: sets match in any order, tuples in order, by name."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

SEVERAL_ANSWERS = [
    (r"\boxed{2} and \boxed{3}", r"\{2, 3\}", "full"),
    (r"\boxed{3} \quad \text{and} \quad \boxed{2}", "2, 3", "full"),
    (r"\boxed{2}, \boxed{3}", "2,3", "full"),
    ("$\\boxed{2}$ and $\\boxed{3}$", "3, 2", "full"),
    (r"\boxed{2}\quad\boxed{3}", "2, 3", "full"),
    (r"x = 2 \quad\text{and}\quad x = 3", "2, 3", "full"),
    ("x = 2 and x = 3", r"\{2,3\}", "full"),
    ("x = 2 or x = 3", "2, 3", "full"),
    ("2 and 3", "3, 2", "full"),
    (r"\boxed{2}", r"\{2, 3\}", "zero"),
    (r"\boxed{2}, \boxed{3}, \boxed{4}", "2, 3", "zero"),
    (r"\{1, 2, 3\}", r"\{3,2,1\}", "full"),
    ("1, 2, 3", r"\{1,2,3\}", "full"),
    ("x=1, x=2", "1, 2", "full"),
    (r"x = \pm 2", "2, -2", "full"),
    (r"\pm 2", "-2, 2", "full"),
    (r"x=-2 \text{ or } x=2", r"\pm 2", "full"),
    ("2", r"\pm 2", "zero"),
    (r"\{2\}", "2", "full"),
    ("The solutions are $x=1$ and $x=5$.", "1, 5", "full"),
    ("The solutions are $x=1$ and $x=5$.", "1, 6", "zero"),
    ("5", "1, 5", "zero"),
    (r"\emptyset", r"\varnothing", "full"),
    (r"\{\}", r"\emptyset", "full"),
    (r"\{1, 2\}", r"\emptyset", "zero"),
    (r"x = \frac{1 \pm \sqrt{5}}{2}", r"\frac{1+\sqrt5}{2}, \frac{1-\sqrt5}{2}", "full"),
    (r"\frac{1+\sqrt5}{2}", r"\frac{1 \pm \sqrt{5}}{2}", "zero"),
    (r"\boxed{1}, \boxed{2}", r"\{1, 2, 3\}", "zero"),
    ("-1, 3", r"\{3, -1\}", "full"),
    ("3, -1", "-1, 3", "full"),
    (r"x \in \{1, 2\}", r"\{1,2\}", "full"),
    (r"\{2, 3\}", "x = 2, x = 3", "full"),
    (r"\{\frac12, 2\}", r"\{0.5, 2\}", "full"),
    (r"\{\sqrt{4}, 3\}", r"\{2, 3\}", "full"),
    (r"\boxed{A} and \boxed{C}", "A,C", "full"),
]

NAMED_VALUES = [
    ("(p,q)=(3,2)", "(3,2)", "full"),
    ("(p, q) = (3, 2)", "(2,3)", "zero"),
    ("(p,q) = (3,2)", "p=3, q=2", "full"),
    ("q=2, p=3", "(p,q)=(3,2)", "full"),
    ("a=4, b=5", "4, 5", "full"),
    ("b=5, a=4", "a=4, b=5", "full"),
    ("a=5, b=4", "a=4, b=5", "zero"),
    ("a = 4, b = 5", "(4, 5)", "full"),
    ("f(x)=1", "1", "full"),
    ("x=2", "y=2", "zero"),
    ("y = 2", "2", "full"),
    ("x = 2, y = 3", "y = 3, x = 2", "full"),
    ("x = 2, y = 3", "x = 3, y = 2", "zero"),
    ("x = 2, y = 3", "(2, 3)", "full"),
    ("x = 3, y = 2", "(2, 3)", "zero"),
    ("m = 4", "4", "full"),
    ("n=4", "m=4", "zero"),
    (r"k=\frac{1}{2}", "0.5", "full"),
    ("P(A) = 0.3", "0.3", "full"),
    ("(x, y) = (2, 3)", "(2, 3)", "full"),
    ("(x,y)=(2,3)", "x=2, y=3", "full"),
    ("(x,y)=(3,2)", "x=2, y=3", "zero"),
    ("a = 1, b = 2, c = 3", "c = 3, a = 1, b = 2", "full"),
    ("a = 1, b = 2", "a = 1, b = 2, c = 3", "zero"),
    ("x = 2", "x = 2, y = 3", "zero"),
    (r"\alpha = 2, \beta = 3", r"\beta = 3, \alpha = 2", "full"),
    ("y = 2x + 1", "2x - y + 1 = 0", "full"),
    ("y = 2x + 1", "y = 1 + 2x", "full"),
    ("y = 2x + 1", "y = 2x - 1", "zero"),
    ("f(x) = x^2", "x^2", "full"),
]

TUPLES_AND_SETS = [
    ("(3,1)", r"\{1,3\}", "zero"),
    (r"\{1,3\}", "(3,1)", "zero"),
    ("(1,3)", r"\{1,3\}", "zero"),
    ("(1,3)", "(1,3)", "full"),
    ("(3,1)", "(1,3)", "zero"),
    ("(1, 2), (3, 4)", "(3,4), (1,2)", "full"),
    ("(1, 2), (3, 4)", "(2,1), (3,4)", "zero"),
    (r"\{(1,2), (3,4)\}", "(3, 4) and (1, 2)", "full"),
    ("(1,2,3)", "(1,2,3)", "full"),
    ("(1,3,2)", "(1,2,3)", "zero"),
    ("1, 3", "(1,3)", "full"),
    ("[1,3]", "(1,3)", "zero"),
    (r"(\frac12, 2)", "(0.5, 2)", "full"),
    ("(1, 2)", "(1, 2), (3, 4)", "zero"),
    ("(1, 2), (3, 4), (5, 6)", "(1, 2), (3, 4)", "zero"),
    ("(2, -1)", "(2,-1)", "full"),
    ("(-1, 2)", "(2,-1)", "zero"),
    ("(0, 0, 1)", "(0, 1, 0)", "zero"),
    (r"\left( 1, 2 \right)", "(1,2)", "full"),
    (r"\{(1,2)\}", "(1,2)", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), SEVERAL_ANSWERS)
def test_several_answers_are_compared_as_a_set(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), NAMED_VALUES)
def test_named_values_are_matched_by_name(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), TUPLES_AND_SETS)
def test_tuples_stay_ordered_and_never_equal_a_set(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)
