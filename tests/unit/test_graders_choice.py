"""Multiple-choice grading: option letters as exams and models write them, JEE marks."""

from __future__ import annotations

import pytest

from graders import grade

GALENA = """The treatment of galena with HNO3 produces a gas that is
(A) paramagnetic (B) bent in geometry
(C) an acidic oxide (D) colorless"""

UPSC = """With reference to the Indian economy, consider the following statements:
1. An increase in NEER indicates the appreciation of rupee.
2. An increase in REER indicates an improvement in trade competitiveness.
Which of the above statements are correct?
a) 1 only
b) 2 only
c) Both 1 and 2
d) Neither 1 nor 2"""

JEE_MULTI_ONE = """Which of the following statement(s) is(are) correct?
(A) The pressure at the upper end is 300 Pa.
(B) The velocity at the lower end is 40 m/s.
(C) The height of the chimney is 590 m.
(D) The density at the upper end is 0.05 kg m^-3."""

OPTIONS_NONE = """Which one is a noble gas?
(A) Nitrogen (B) Oxygen (C) Chlorine (D) None of the above"""

DCOT = """<thinking>Galena is PbS. With HNO3 the gas evolved is NO.</thinking>
<step>Check (A): NO has an unpaired electron, so it is paramagnetic. (A) holds.</step>
<count>19</count>
<step>Check (B): NO is diatomic, so it cannot be bent. B is incorrect.</step>
<step>Check (C): NO is a neutral oxide. C is wrong.</step>
<step>Check (D): NO is colorless. D is correct.</step>
<reflection>Each option was checked against NO.</reflection>
<reward>0.9</reward>
<answer>A, D</answer>
<reflection>Confident in A and D.</reflection>
<reward>0.9</reward>"""

LONG_DISCUSSION = """Let us go through the options one by one.
Option A says the bar rotates at 6.98 rad/s; our ω = 3.75 rad/s, so A is wrong.
Option C has v = 10.0 m/s, which violates energy conservation, so C is ruled out.
Option D gives 6.80 rad/s and 4.10 m/s; neither matches.
Option B: ω = 3.75 rad/s and v = 4.30 m/s, exactly what we found.

Therefore, the correct answer is **(B)**."""

CASES = [
    # (answer, reference, question, verdict, score, points)
    # -- single choice, reference forms
    ("B", "B", None, "full", 1.0, 3.0),
    ("c", "Ans) c", None, "full", 1.0, 3.0),
    ("(C)", "Ans) c", None, "full", 1.0, 3.0),
    ("B", "(b)", None, "full", 1.0, 3.0),
    ("b) International Monetary Fund", "B", None, "full", 1.0, 3.0),
    ("A", "B", None, "zero", 0.0, -1.0),
    ("A, B", "B", None, "zero", 0.0, -1.0),
    ("Option B", "b", None, "full", 1.0, 3.0),
    ("The answer is (d).", "D", None, "full", 1.0, 3.0),
    ("**Answer: C**", "C", None, "full", 1.0, 3.0),
    ("\\boxed{\\text{(A)}}", "A", None, "full", 1.0, 3.0),
    ("$\\boxed{B}$", "B", None, "full", 1.0, 3.0),
    ("\\textbf{(D)}", "D", None, "full", 1.0, 3.0),
    ("Final answer: option c) 1 and 3 only", "Ans) c", None, "full", 1.0, 3.0),
    (LONG_DISCUSSION, "B", None, "full", 1.0, 3.0),
    (LONG_DISCUSSION, "A", None, "zero", 0.0, -1.0),
    ("A gas is released, so the answer is C", "C", None, "full", 1.0, 3.0),
    ("The answer is C, not B.", "C", None, "full", 1.0, 3.0),
    ("B is wrong, so C", "C", None, "full", 1.0, 3.0),
    ("Both 1 and 2", "C", UPSC, "full", 1.0, 3.0),
    ("The correct code is: Both 1 and 2.", "C", UPSC, "full", 1.0, 3.0),
    ("Neither 1 nor 2", "C", UPSC, "zero", 0.0, -1.0),
    ("None of the above", "D", OPTIONS_NONE, "full", 1.0, 3.0),
    ("None of the above", "A", OPTIONS_NONE, "zero", 0.0, -1.0),
    ("", "B", None, "zero", 0.0, 0.0),
    ("I cannot determine this from the information given", "B", None, "needs_human", 0.0, None),
    ("(A) 27 pF (B) 63 pF ... the capacitance is 63 pF, so (B).", "B", None, "full", 1.0, 3.0),
    (
        "Therefore, the correct option is **B. International Monetary Fund**",
        "B",
        None,
        "full",
        1.0,
        3.0,
    ),
    ("Thus statements 1 and 3 are correct, which is option (c).", "Ans) c", None, "full", 1.0, 3.0),
    (
        "<answer>\nOption D: A foreign company transfers shares\n</answer>",
        "D",
        None,
        "full",
        1.0,
        3.0,
    ),
    ("I think the answer is A, but B is also plausible. Final: A", "A", None, "full", 1.0, 3.0),
    ("A or B", "A or B", None, "full", 1.0, 3.0),  # reference alternatives
    ("B", "A or B", None, "full", 1.0, 3.0),
    ("C", "A or B", None, "zero", 0.0, -1.0),
    # -- multiple choice, reference forms
    ("A,D", "A,D", None, "full", 1.0, 4.0),
    ("A and D", "A,D", None, "full", 1.0, 4.0),
    ("(A), (D)", "A,D", None, "full", 1.0, 4.0),
    ("Options A, D", "A,D", None, "full", 1.0, 4.0),
    ("a, d", "A,D", None, "full", 1.0, 4.0),
    ("AD", "A,D", None, "full", 1.0, 4.0),
    ("D, A", "A,D", None, "full", 1.0, 4.0),
    ("A & D", "A,D", None, "full", 1.0, 4.0),
    ("B, C, D", "B, C, D)", None, "full", 1.0, 4.0),
    ("BCD", "B,D , C", None, "full", 1.0, 4.0),
    ("A, B, D", "ABD", None, "full", 1.0, 4.0),
    ("A, C, D", "A, C, D", None, "full", 1.0, 4.0),
    ("The correct options are **(A)** and **(D)**.", "A,D", None, "full", 1.0, 4.0),
    ("so (A) and (D) are correct", "A,D", None, "full", 1.0, 4.0),
    ("\\boxed{A} and \\boxed{D}", "A,D", None, "full", 1.0, 4.0),
    ("\\boxed{A, D}", "A,D", None, "full", 1.0, 4.0),
    ("The answer is $\\boxed{\\text{A, C, D}}$", "A, C, D", None, "full", 1.0, 4.0),
    ("Correct options: **A**, **D**", "A,D", None, "full", 1.0, 4.0),
    ("Hence, options A, B and D are correct.", "ABD", None, "full", 1.0, 4.0),
    ("Answer: A and D are correct; B and C are not.", "A,D", None, "full", 1.0, 4.0),
    (
        "Answer: (A), (D)\n\nWhy: B is wrong (NO is linear); C is wrong.",
        "A,D",
        None,
        "full",
        1.0,
        4.0,
    ),
    (
        "The final answer is that the gas is colorless, so options A and D.",
        "A,D",
        None,
        "full",
        1.0,
        4.0,
    ),
    (DCOT, "A,D", GALENA, "full", 1.0, 4.0),
    (DCOT, "A,C,D", GALENA, "partial", 0.5, 2.0),
    # -- partial credit: strict subsets, JEE +3/+2/+1
    ("A", "A,D", None, "partial", 0.25, 1.0),
    ("B, C", "B, C, D)", None, "partial", 0.5, 2.0),
    ("A, B, C", "A,B,C,D", None, "partial", 0.75, 3.0),
    ("D", "A, C, D", None, "partial", 0.25, 1.0),
    ("(C) and (D)", "A, C, D", None, "partial", 0.5, 2.0),
    # -- a wrong letter anywhere: zero, −2
    ("A, B", "A,D", None, "zero", 0.0, -2.0),
    ("A, B, C, D", "A,D", None, "zero", 0.0, -2.0),
    ("B", "A,D", None, "zero", 0.0, -2.0),
    ("", "A,D", None, "zero", 0.0, 0.0),
    # -- a single-letter reference on a "one or more options" question is multi-choice
    ("B", "B", JEE_MULTI_ONE, "full", 1.0, 4.0),
    ("B, C", "B", JEE_MULTI_ONE, "zero", 0.0, -2.0),
    ("The correct statement is (B).", "B", JEE_MULTI_ONE, "full", 1.0, 4.0),
    # -- letters run together in lower case (`ba`): letters where the question lists options
    ("ab", "ba", UPSC, "full", 1.0, 4.0),
    ("a, b", "ba", UPSC, "full", 1.0, 4.0),
    ("(A) and (B)", "ba", UPSC, "full", 1.0, 4.0),
    ("\\boxed{ba}", "ab", UPSC, "full", 1.0, 4.0),
    ("The answer is ab.", "ba", UPSC, "full", 1.0, 4.0),
    ("b", "ba", UPSC, "partial", 0.25, 1.0),
    ("c", "ba", UPSC, "zero", 0.0, -2.0),
    ("abd", "ba", UPSC, "zero", 0.0, -2.0),
    ("acd", "dca", UPSC, "full", 1.0, 4.0),
]

# Letters run together, where nothing says the question is a choice one: never a guess.
RUN_TOGETHER = [
    # (answer, reference, kind, question, verdict)
    ("ab", "ba", None, None, "needs_human"),  # `ba` may be a word ("Ba" is barium)
    ("barium", "Ba", None, None, "needs_human"),
    ("Ba", "Ba", None, None, "full"),  # the same text
    ("ab", "ba", "choice_multi", None, "full"),
    ("b", "ba", "choice_multi", None, "partial"),
    ("AB", "ba", "choice_multi", None, "full"),
    ("about", "ba", "choice_multi", None, "needs_human"),  # a word, not letters
    ("I think ab", "ba", "choice_multi", None, "needs_human"),
    ("aab", "ab", "choice_multi", None, "needs_human"),  # a letter twice: not a choice
    ("be", "be", None, GALENA, "full"),  # E is not an option: text, the same text
    ("ab", "be", None, GALENA, "needs_human"),
]


@pytest.mark.parametrize(("answer", "reference", "question", "verdict", "score", "points"), CASES)
def test_choice_grading(
    answer: str,
    reference: str,
    question: str | None,
    verdict: str,
    score: float,
    points: float | None,
) -> None:
    g = grade(answer=answer, reference=reference, question=question)
    assert (g.verdict, g.score, g.points) == (verdict, pytest.approx(score), points), g.reason
    assert g.kind in ("choice_single", "choice_multi")
    if points is not None:
        assert g.max_points == (4.0 if g.kind == "choice_multi" else 3.0)


@pytest.mark.parametrize(("answer", "reference", "kind", "question", "verdict"), RUN_TOGETHER)
def test_letters_run_together_are_letters_only_in_a_choice_question(
    answer: str, reference: str, kind: str | None, question: str | None, verdict: str
) -> None:
    g = grade(answer=answer, reference=reference, kind=kind, question=question)
    assert g.verdict == verdict, g.reason


def test_a_reference_that_may_be_letters_or_a_word_says_so() -> None:
    g = grade(answer="ab", reference="ba")
    assert (g.kind, g.verdict) == ("text", "needs_human")
    assert "may be option letters or a word" in g.reason


def test_extracted_letters_are_normalised_sorted_uppercase() -> None:
    g = grade(answer="The correct options are d and a.", reference="A,D")
    assert g.extracted == "A,D"


def test_reason_names_the_chosen_and_the_reference_letters() -> None:
    g = grade(answer="A, C", reference="A,C,D")
    assert g.reason == "chose A,C of A,C,D: partial 0.5 (+2/4)"


def test_letters_outside_the_question_options_are_not_counted() -> None:
    g = grade(answer="E", reference="A", question=GALENA)
    assert g.verdict == "needs_human"


def test_choice_kind_can_be_forced_multi_for_a_single_letter() -> None:
    g = grade(answer="A", reference="A", kind="choice_multi")
    assert (g.kind, g.points, g.max_points) == ("choice_multi", 4.0, 4.0)
