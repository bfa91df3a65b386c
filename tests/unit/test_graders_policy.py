"""graders.policy: the automatic grade of a finished run, decided from plain values."""

from __future__ import annotations

import pytest

from graders.policy import HUMAN_KINDS, RunAnswer, grade_run


@pytest.mark.parametrize(
    ("run", "verdict", "why"),
    [
        (RunAnswer("42", "42", has_problem=False), "needs_human", "not a stored problem"),
        (RunAnswer("42", "42", True, reference=None), "needs_human", "no reference"),
        (RunAnswer("42", "42", True, reference="  "), "needs_human", "no reference"),
        (RunAnswer("Q.E.D.", "Q.E.D.", True, "a proof", "proof"), "needs_human", "proof"),
        (RunAnswer("blue", "blue", True, "blue", "text"), "needs_human", "text"),
        (RunAnswer(None, "", True, "5", "integer"), "zero", "the run gave no answer"),
        (RunAnswer("  ", " \n", True, "5", "integer"), "zero", "the run gave no answer"),
    ],
)
def test_runs_the_graders_cannot_judge(run: RunAnswer, verdict: str, why: str) -> None:
    g = grade_run(run)
    assert (g.verdict, g.score) == (verdict, 0.0)
    assert why in g.reason


def test_every_human_kind_needs_a_human() -> None:
    for kind in HUMAN_KINDS:
        assert grade_run(RunAnswer("x", "x", True, "x", kind)).verdict == "needs_human"


def test_the_answer_field_is_graded_against_the_reference() -> None:
    assert grade_run(RunAnswer("A, D", "...", True, "A,D", "choice_multi")).verdict == "full"
    assert grade_run(RunAnswer("0.5", "...", True, "0.32", "numeric")).verdict == "zero"


def test_without_an_answer_field_the_whole_text_is_graded() -> None:
    run = RunAnswer(None, "Work...\n\nSo the final answer is \\boxed{42}.", True, "42", "integer")
    assert grade_run(run).verdict == "full"


def test_an_unreadable_answer_field_falls_back_to_the_whole_text_only_if_it_settles() -> None:
    settles = RunAnswer("see above", "x = 1, so \\boxed{42}", True, "42", "integer")
    assert grade_run(settles).verdict == "full"
    neither = RunAnswer("see above", "no number here", True, "42", "integer")
    assert grade_run(neither).verdict == "needs_human"


def test_points_follow_the_problems_maximum() -> None:
    g = grade_run(RunAnswer("12", "12", True, "12", "integer", max_points=3))
    assert (g.points, g.max_points) == (3.0, 3.0)
    wrong = grade_run(RunAnswer("11", "11", True, "12", "integer", max_points=3))
    assert (wrong.points, wrong.max_points) == (0.0, 3.0)
    unsure = grade_run(RunAnswer("Q", "Q", True, "a proof", "proof", max_points=10))
    assert (unsure.points, unsure.max_points) == (None, None)


def test_a_problems_own_tolerance_replaces_the_default():
    loose = RunAnswer("9.95", "...", True, "9.9", "numeric", tolerance=0.1)
    g = grade_run(loose)
    assert g.verdict == "full" and "0.1" in g.reason
    assert grade_run(RunAnswer("9.95", "...", True, "9.9", "numeric")).verdict == "zero"
    strict = RunAnswer("0.333", "...", True, "1/3", "numeric", tolerance=1e-8)
    assert grade_run(strict).verdict == "zero"  # the default 0.01 would have taken it
    assert grade_run(RunAnswer("0.333", "...", True, "1/3", "numeric")).verdict == "full"
