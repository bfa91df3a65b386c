"""Option letters: an answer that names the options it rejects, and references that give the
option's text (`(D) Alina`, `C. x = 42`)."""

from __future__ import annotations

import pytest

from graders import grade, infer_kind

SINGLE_Q = "Which one is correct?\n(A) p (B) q (C) r (D) s"
MULTI_Q = "Which of the following statement(s) is(are) correct?\n(A) p (B) q (C) r (D) s"

REJECTED = [
    # (answer, reference, question, verdict)
    ("D, since it cannot be A or B", "D", None, "full"),
    ("The answer is D, since it cannot be A or B.", "D", None, "full"),
    ("(D) since (A) and (B) fail", "D", None, "full"),
    ("C; A and B are both wrong.", "C", None, "full"),
    ("B. Options A and C violate the constraint.", "B", None, "full"),
    ("(C), because (A) contradicts the data", "C", SINGLE_Q, "full"),
    ("A, unlike B which diverges", "A", SINGLE_Q, "full"),
    ("It cannot be A or B, so the answer is C.", "C", SINGLE_Q, "full"),
    ("D, since it cannot be A or B", "A", None, "zero"),
    ("(D) since (A) and (B) fail", "B", None, "zero"),
    ("A and D, since B and C fail the test", "A,D", MULTI_Q, "full"),
    ("A, since B and C fail the test", "A,D", MULTI_Q, "partial"),
    ("Answer: A; D", "A,D", MULTI_Q, "full"),  # a semicolon between chosen letters
    ("A; B and C are both wrong", "A", SINGLE_Q, "full"),
]


@pytest.mark.parametrize(("answer", "reference", "question", "verdict"), REJECTED)
def test_letters_named_only_as_rejected_are_not_chosen(
    answer: str, reference: str, question: str | None, verdict: str
) -> None:
    g = grade(answer=answer, reference=reference, question=question)
    assert g.verdict == verdict, g.reason


OPTION_TEXT = [
    # (answer, reference, verdict)
    ("D", "(D) Alina", "full"),
    ("(D)", "(D) Alina", "full"),
    ("Alina", "(D) Alina", "full"),
    ("The middle seat goes to Alina.", "(D) Alina", "full"),
    ("The answer is (D) Alina", "(D) Alina", "full"),
    ("B", "(D) Alina", "zero"),
    ("C", "C. x = 42", "full"),
    ("x = 42", "C. x = 42", "full"),
    ("B", "C. x = 42", "zero"),
    ("Answer: c", "c) 12 moles", "full"),
    ("a", "c) 12 moles", "zero"),
    ("[B]", "[B] the second one", "full"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), OPTION_TEXT)
def test_a_reference_with_its_options_text_is_read_as_its_letter(
    answer: str, reference: str, verdict: str
) -> None:
    g = grade(answer=answer, reference=reference)
    assert g.verdict == verdict, g.reason


@pytest.mark.parametrize("reference", ["(D) Alina", "C. x = 42", "c) 12 moles", "B) 4 m/s"])
def test_an_option_with_text_is_a_single_choice_reference(reference: str) -> None:
    assert infer_kind(reference) == "choice_single"


@pytest.mark.parametrize("reference", ["(A) and (C)", "Answer: 42", "42", "x = 42"])
def test_other_references_are_not_read_as_one_option_with_text(reference: str) -> None:
    kind = infer_kind(reference)
    assert kind != "choice_single" or reference.startswith("(A)")
