"""The deadline, shown by sizes rather than clocks: in-process work is bounded by input size.

A response is read from its end (the last MAX_TAIL characters for cues, the last `<answer>`
anywhere), each candidate is bounded, and every reading loop stops at the deadline. How long
grades take on a loaded machine is measured in benches/bench_grading.py.
"""

from __future__ import annotations

import time

import pytest

from graders import Rules, grade, parse
from graders.extract import MAX_SPAN, MAX_TAG, MAX_TAIL, candidates

FILLER = "We consider (A) and the value 3.5, then 12 * 3 = 36. "


def test_a_huge_response_is_read_from_its_end() -> None:
    answer = FILLER * (5_000_000 // len(FILLER)) + "\nAnswer: 7"
    g = grade(answer=answer, reference="7")
    assert (g.verdict, g.extracted) == ("full", "7")


def test_the_last_answer_tag_is_found_anywhere_in_a_huge_response() -> None:
    answer = "<answer>7</answer>" + "y" * 1_500_000  # grade keeps the last 2 MB
    assert grade(answer=answer, reference="7").verdict == "full"


@pytest.mark.parametrize(
    "answer",
    [
        "\\boxed{1} and " * 200_000,
        "Final answer: " + "1, " * 600_000,
        "(A) " * 600_000,
        "<answer>" + "A B (C) x = 3 " * 200_000,
        "The answer is 5. " * 300_000,
    ],
)
def test_candidates_read_a_bounded_amount_of_any_response(answer: str) -> None:
    read = sum(len(c.raw) for c in candidates(answer))
    # at most 20 occurrences of each of the five cues, each bounded, plus the tag and last line
    assert read <= 5 * 20 * MAX_SPAN + 2 * MAX_TAG + MAX_TAIL


@pytest.mark.parametrize("kind", ["choice_single", "integer", "numeric", "expression"])
def test_reading_stops_at_a_deadline_already_past(kind: str) -> None:
    rules = Rules(deadline=time.monotonic() - 1.0, timeout=1.0)
    parsed = parse("Step 1.\n" * 1000 + "Answer: 7", kind, rules)  # type: ignore[arg-type]
    assert parsed.value is None
    assert "timed out after 1 s" in parsed.problem


def test_a_power_tower_is_decided_without_computing_it() -> None:
    g = grade(answer="10^{10^{10^{10}}}", reference="10^{10}", kind="expression", timeout=1.0)
    assert g.verdict == "zero", g.reason


def test_many_answers_against_many_are_not_paired_one_by_one_in_process() -> None:
    gold = ", ".join(str(i) for i in range(100))
    same = ", ".join(str(i) for i in reversed(range(100)))
    assert grade(answer=same, reference=gold, kind="expression").verdict == "full"


def test_digits_inside_a_formula_are_not_the_answer() -> None:
    assert grade(answer=r"\boxed{\binom{5}{2}}", reference="10").verdict == "full"
    assert grade(answer=r"The answer is \sqrt{17} roughly", reference="17").verdict != "full"
