"""Which answer a response gives: the latest strong cue, no answer made up, letters read carefully."""

from __future__ import annotations

import pytest
from grader_helpers import check_verdict

MULTI_Q = "Which of the following statement(s) is(are) correct?\n(A) p (B) q (C) r (D) s"
FALSE_Q = "Which of the following statements is(are) FALSE?\n(A) p (B) q (C) r (D) s"
SINGLE_Q = "Which one is correct?\n(A) p (B) q (C) r (D) s"

LATEST_CUE = [
    ("We get \\boxed{3}. Wait, I made an error. The final answer is 4.", "4", "full"),
    ("We get \\boxed{3}. Wait, I made an error. The final answer is 4.", "3", "zero"),
    ("\\boxed{3}\n\nActually, let me recheck...\nFinal answer: 5", "5", "full"),
    ("Final answer: 5\n\nHmm, no: recomputing, $\\boxed{6}$", "6", "full"),
    ("The answer is 42", "42", "full"),
    ("<answer>7</answer>", "7", "full"),
    ("Answer: 7\n\nLet me double-check: 2 + 5 = 7.", "7", "full"),
    ("Answer: 7\n\nLet me double-check: 2 + 6 = 8.", "7", "full"),
    ("\\boxed{12}\n\nSo the answer is 12.", "12", "full"),
    ("<answer>9</answer> though earlier I wrote \\boxed{8}", "9", "full"),
    ("First I thought \\boxed{2}, but the answer is 3.", "3", "full"),
    ("**Final Answer:** 15", "15", "full"),
    ("Final Answer\n\n$0.8$\n", "0.8", "full"),
    ("The final answer is $\\boxed{x^2+1}$.", "x^2+1", "full"),
    ("Result: $\\boxed{\\frac{3}{4}}$", "0.75", "full"),
    ("Thus \\boxed{5} is the answer.", "5", "full"),
    (
        "I computed \\boxed{10}.\nThe answer is consistent with the data because 2 + 2 = 4.",
        "10",
        "full",
    ),
]

NO_INVENTED_ANSWER = [
    ("Let me compute. First 12 * 3 = 36, then we add", "36", "needs_human"),
    ("First, 5 + 5 = 10. Then I", "10", "needs_human"),
    ("We need to find the sum of the roots, so we use", "5", "needs_human"),
    ("Consider the triangle with sides 3, 4 and", "5", "needs_human"),
    ("Step 1: the area of the square is 16 and the", "16", "needs_human"),
    ("The value 7 appears in step 2, and next we", "7", "needs_human"),
    ("So we get 7.", "7", "full"),
    ("Hence the total is 36", "36", "full"),
    ("The speed is 5 m/s", "5", "full"),
]

CHOICE_READING = [
    ("\\mathrm{B}", "B", None, "full"),
    ("$\\mathrm{(D)}$", "D", None, "full"),
    ("[D]", "D", None, "full"),
    ("The answer is [D].", "D", None, "full"),
    ("[A], [C]", "A,C", MULTI_Q, "full"),
    ("The answer is \\boxed{\\text{B}}", "B", None, "full"),
    ("\\boxed{\\mathrm{(B)}}", "B", None, "full"),
    ("\\textbf{(C)}", "C", None, "full"),
    ("Answer: (A) and (C)", "A,C", MULTI_Q, "full"),
    ("The correct options are A, B", "A,B", MULTI_Q, "full"),
    ("I think it's B, not C.", "B", None, "full"),
    ("Option C is incorrect. The answer is A.", "A", None, "full"),
    ("\\boxed{B}\n\nHmm. Actually the answer is C.", "C", SINGLE_Q, "full"),
    ("Options A and C are false, hence B and D.", "B,D", MULTI_Q, "full"),
    ("Options A and C are false.", "B,D", MULTI_Q, "needs_human"),
    ("Options A and C are false.", "A,C", FALSE_Q, "full"),
    ("Statement B is false and statement D is false.", "B,D", FALSE_Q, "full"),
    ("Only (B) is correct.", "B", SINGLE_Q, "full"),
    ("The answer is (A) and (D)", "A,D", MULTI_Q, "full"),
    ("The answer is (A)", "A,D", MULTI_Q, "partial"),
    ("The answer is (A), (B)", "A,D", MULTI_Q, "zero"),
    ("\\boxed{A} \\boxed{D}", "A,D", MULTI_Q, "full"),
    ("\\boxed{AD}", "A,D", MULTI_Q, "full"),
    ("Answer: none of the options", "A", SINGLE_Q, "needs_human"),
]


@pytest.mark.parametrize(("answer", "reference", "verdict"), LATEST_CUE)
def test_the_latest_strong_cue_wins(answer: str, reference: str, verdict: str) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "verdict"), NO_INVENTED_ANSWER)
def test_a_cut_off_response_gets_no_invented_answer(
    answer: str, reference: str, verdict: str
) -> None:
    check_verdict(answer, reference, verdict)


@pytest.mark.parametrize(("answer", "reference", "question", "verdict"), CHOICE_READING)
def test_choice_answers_are_read_as_an_examiner_would(
    answer: str, reference: str, question: str | None, verdict: str
) -> None:
    check_verdict(answer, reference, verdict, question)
