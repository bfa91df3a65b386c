"""Kind inference from references and questions, free-text grading, and answer normalisation."""

from __future__ import annotations

import pytest

from graders import grade, infer_kind, normalize_answer

MULTI_Q = (
    "Which of the following statement(s) is(are) correct?\n(A) one (B) two\n(C) three (D) four"
)
ONE_OR_MORE = "In this question one or more options may be correct.\n(A) x (B) y (C) z (D) w"
SINGLE_Q = "Which of the following statement is correct?\n(A) one (B) two\n(C) three (D) four"
UPSC_Q = (
    "Which of the statements given above is/are correct?\na) 1 only\nb) 2 only\nc) Both\nd) Neither"
)

KIND_CASES = [
    # (reference, question, kind)
    ("B", None, "choice_single"),
    ("Ans) c", None, "choice_single"),
    ("(b)", None, "choice_single"),
    ("b", None, "choice_single"),
    ("Option D", None, "choice_single"),
    ("A,D", None, "choice_multi"),
    ("B, C, D)", None, "choice_multi"),
    ("B,D , C", None, "choice_multi"),
    ("ABD", None, "choice_multi"),
    ("A and D", None, "choice_multi"),
    ("(A), (C)", None, "choice_multi"),
    ("B", MULTI_Q, "choice_multi"),
    ("B", ONE_OR_MORE, "choice_multi"),
    ("B", SINGLE_Q, "choice_single"),
    ("C", UPSC_Q, "choice_single"),  # "is/are" is UPSC single-choice wording
    ("A or B", None, "choice_single"),
    ("100", None, "integer"),
    ("1,000", None, "integer"),
    ("1 000", None, "integer"),
    ("10 J", None, "integer"),
    ("-3", None, "integer"),
    ("220 or 140", None, "integer"),
    ("220 or 140 or anything", None, "integer"),
    ("0.32", None, "numeric"),
    (".4", None, "numeric"),
    ("28%", None, "numeric"),
    ("3.2 × 10^{-3}", None, "numeric"),
    ("3.2e-3", None, "numeric"),
    ("5.5 m/s", None, "numeric"),
    (r"\frac{\pi}{4}", None, "expression"),
    (r"2\sqrt{3}", None, "expression"),
    ("x^2 + 1", None, "expression"),
    (r"\{1, 2\}", None, "expression"),
    ("(0, 1]", None, "expression"),
    (r"[2, \infty)", None, "expression"),
    ("y = 2x + 1", None, "expression"),
    ("x = 1 or x = 2", None, "expression"),
    ("x", None, "expression"),
    ("Paris", None, "text"),
    ("Hg", None, "text"),
    ("No", None, "text"),
    ("Rapid Credit Facility", None, "text"),
    ("", "Prove that there are infinitely many primes.", "proof"),
    ("Suppose not; then the product of all primes plus one ...", "Show that p is prime.", "proof"),
    ("", "Determine which positive integers n have the property.", "text"),
    ("", None, "text"),
    ("The correct options are A and D", None, "choice_multi"),
    ("The speed is 5 m/s", None, "integer"),
    ("So the value is 0.32.", None, "numeric"),
    ("The capital is Paris", None, "text"),
]


@pytest.mark.parametrize(("reference", "question", "kind"), KIND_CASES)
def test_infer_kind(reference: str, question: str | None, kind: str) -> None:
    assert infer_kind(reference, question) == kind


TEXT_CASES = [
    # (answer, reference, kind, verdict)
    ("Paris", "paris", "text", "full"),
    ("The answer is Paris.", "Paris", "text", "full"),
    (
        "**Final answer:** International Monetary Fund",
        "International Monetary Fund",
        "text",
        "full",
    ),
    ("London", "Paris", "text", "needs_human"),
    ("Because of inflation targeting", "", "text", "needs_human"),
    (
        "Suppose there are finitely many primes p1..pn; consider p1...pn + 1.",
        "",
        "proof",
        "needs_human",
    ),
    ("All odd n.", "all odd n", "proof", "full"),  # a short stated result that matches exactly
    ("", "", "proof", "zero"),
]


@pytest.mark.parametrize(("answer", "reference", "kind", "verdict"), TEXT_CASES)
def test_text_and_proof_grading(answer: str, reference: str, kind: str, verdict: str) -> None:
    g = grade(answer=answer, reference=reference, kind=kind)
    assert (g.verdict, g.kind) == (verdict, kind), g.reason
    assert g.score == (1.0 if verdict == "full" else 0.0)


NORMALIZE_CASES = [
    # (text, kind, normal form)
    ("The correct options are D and A.", "choice_multi", "A,D"),
    ("(a), (d)", "choice_multi", "A,D"),
    ("<answer>AD</answer>", "choice_multi", "A,D"),
    ("Answer: (b)", "choice_single", "B"),
    ("no idea", "choice_single", None),
    ("1,000", "integer", "1000"),
    ("1000.0", "integer", "1000"),
    ("28%", "numeric", "0.28"),
    ("0.28", "numeric", "0.28"),
    ("0.281", "numeric", "0.28"),
    ("3.2 × 10^{-3}", "numeric", "0.0032"),
    ("0.0032", "numeric", "0.0032"),
    ("so the value is 10.02 kJ", "numeric", "10.02"),
    ("x + 1", "expression", "add(1,x)"),
    ("y = x + 1", "expression", "add(1,x)"),
    ("1 + x", "expression", "add(1,x)"),
    (r"\boxed{\frac{1}{2}}", "expression", "mul(1,pow(2,neg(1)))"),
    ("  Paris. ", "text", "paris"),
    ("", "text", None),
]


@pytest.mark.parametrize(("text", "kind", "normal"), NORMALIZE_CASES)
def test_normalize_answer(text: str, kind: str, normal: str | None) -> None:
    assert normalize_answer(text, kind) == normal


def test_answers_that_grade_equal_normalise_equal() -> None:
    a, b = "Options A and D", "the answer is (D), (A)"
    assert grade(answer=a, reference="A,D").verdict == grade(answer=b, reference="A,D").verdict
    assert normalize_answer(a, "choice_multi") == normalize_answer(b, "choice_multi")


def test_unknown_kind_falls_back_to_inference_and_says_so() -> None:
    g = grade(answer="B", reference="B", kind="mcq")
    assert (g.kind, g.verdict) == ("choice_single", "full")
    assert "unknown kind 'mcq'" in g.reason


def test_an_empty_kind_is_inferred_silently() -> None:
    g = grade(answer="B", reference="B", kind="")
    assert (g.kind, g.reason) == ("choice_single", "chose B, reference B: full (+3/3)")


def test_a_spreadsheet_number_cell_is_a_reference() -> None:
    g = grade(answer="100", reference=100.0)  # type: ignore[arg-type]
    assert (g.kind, g.verdict) == ("integer", "full")
