"""Answer extraction from whole responses, in the order of trust of SPEC §5."""

from __future__ import annotations

import pytest

from graders import extract_answer

LONG_COT = "\n".join(
    f"Step {i}: consider option ({'ABCD'[i % 4]}) and the value {i * 7}." for i in range(40)
)

CASES = [
    # (response, expected extraction)
    ("<answer>A, D</answer>", "A, D"),
    ("<ANSWER>42</ANSWER>", "42"),
    ("<answer>first</answer> then more thought <answer>second</answer>", "second"),
    ("reasoning ...\n<answer>0.32 g", "0.32 g"),  # unclosed tag
    ("<answer>The value is \\boxed{100}.</answer>", "100"),
    ("<answer>\nFinal answer: (C)\n</answer>", "(C)"),
    (LONG_COT + "\n<answer>B</answer>\n<reflection>fine</reflection>", "B"),
    ("so \\boxed{3} was wrong, and finally \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
    ("$\\boxed{\\frac{\\sqrt{3}}{2}}$", "\\frac{\\sqrt{3}}{2}"),
    ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
    ("\\boxed{x^{2}+1}.", "x^{2}+1"),
    ("\\fbox{7}", "7"),
    (LONG_COT + "\nThe final answer is 525.", "525"),
    (LONG_COT + "\n**Final Answer:** **(B)**", "(B)"),
    ("Final Answer\n\n$0.8$\n", "0.8"),
    ("The final answer is: $\\frac{\\pi}{4}$.", "\\frac{\\pi}{4}"),
    ("Before the final answer, let me check once more.\n3 + 4 = 7\nSo we get 7.", "So we get 7"),
    (LONG_COT + "\nAnswer: 100", "100"),
    ("Ans) c", "c"),
    ("Ans: 10.02", "10.02"),
    ("Ans. 90.7", "90.7"),
    ("**Answer:** B", "B"),
    ("Answer:\n\n(A) and (D)", "(A) and (D)"),
    ("This is the answer. Then we stop.", "This is the answer. Then we stop"),
    ("Thus the correct option is (B) since v = 4.30 m/s.", "(B) since v = 4.30 m/s"),
    ("Hence the answer is 222 g.\n\nLet me know if you need more detail!", "222 g"),
    (LONG_COT, "Step 39: consider option (D) and the value 273"),
    ("The pH is 10.02.\n\n---\n", "The pH is 10.02"),
    ("Therefore x = 3.\n</answer>\n", "Therefore x = 3"),
    ("", None),
    ("   \n\n  ", None),
]


@pytest.mark.parametrize(("response", "expected"), CASES)
def test_extract_answer_finds_the_final_answer(response: str, expected: str | None) -> None:
    assert extract_answer(response) == expected


def test_extract_answer_finds_the_answer_after_a_megabyte_of_reasoning() -> None:
    text = ("We consider (A) and (B); the value 3.5 is close. " * 20000) + "\nAnswer: C"
    assert extract_answer(text) == "C"  # its speed is measured in benches/bench_grading.py
