"""Answers in several pieces: boxed answers of labelled parts, assignment lists of several
solutions, and a reference that names its quantity."""

from __future__ import annotations

import pytest

from graders import grade

PARTS = [
    # (answer, reference, verdict)
    ("(a) \\boxed{3} (b) \\boxed{5}", "3, 5", "full"),
    ("(a) The speed is\n$$v = \\boxed{3}$$\n(b) The time is $\\boxed{5}$ s.", "3, 5", "full"),
    ("Part (a): \\boxed{\\frac{1}{2}}\nPart (b): \\boxed{2\\pi}", "(\\frac12, 2\\pi)", "full"),
    ("**(a)** $\\boxed{7}$\n\n**(b)** $\\boxed{42}$", "7, 42", "full"),
    ("(i) \\boxed{1}\n(ii) \\boxed{4}", "1, 4", "full"),
    ("(a) \\boxed{5} (b) \\boxed{3}", "(3, 5)", "zero"),
    ("(a) \\boxed{3} (b) \\boxed{6}", "3, 5", "zero"),
    ("p=5,q=2; p=7,q=2", "(5,2),(7,2)", "full"),
    ("p=7,q=2; p=5,q=2", "(5,2),(7,2)", "full"),
    ("p=5,q=2; p=7,q=3", "(5,2),(7,2)", "zero"),
    ("x = 1, y = 2 or x = 3, y = 4", "(1, 2), (3, 4)", "full"),
    ("x = 1, y = 2 or x = 3, y = 5", "(1, 2), (3, 4)", "zero"),
    ("1", "|AB| = 1", "full"),
    ("|AB| = 1", "1", "full"),
    ("2", "|AB| = 1", "zero"),
    ("|PQ| = \\sqrt{2}", "\\sqrt{2}", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), PARTS)
def test_answers_in_several_pieces(answer: str, reference: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, timeout=10.0)
    assert g.verdict == verdict, g.reason
