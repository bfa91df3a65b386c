"""Grades in the store: append-only history, effective grade, undo, human verdicts."""

from __future__ import annotations

import pytest
from store_helpers import add_problem, add_run

from store.grades import (
    GradeError,
    add_grade,
    effective_grade,
    grade_history,
    human_grade,
    parse_human_verdict,
    undo_last_grade,
)

# ---- history and the effective grade --------------------------------------------------------


def test_human_grade_overrides_auto_and_both_stay_in_history(db):
    run = add_run(db, None, "42")
    add_grade(db, run, grader="auto", score=0.0, verdict="zero", extracted="42")
    human = add_grade(
        db, run, grader="human", score=1.0, verdict="full", grader_name="ana", note="ok"
    )
    add_grade(db, run, grader="auto", score=0.0, verdict="zero")  # a later re-grade by sympy
    effective = effective_grade(db, run)
    assert (effective.id, effective.grader, effective.verdict, effective.grader_name) == (
        human,
        "human",
        "full",
        "ana",
    )
    assert [g.grader for g in grade_history(db, run)] == ["auto", "human", "auto"]


def test_latest_human_grade_wins_and_latest_auto_without_human(db):
    run = add_run(db, None, "x")
    add_grade(db, run, grader="auto", score=1.0, verdict="full")
    add_grade(db, run, grader="auto", score=0.0, verdict="zero")
    assert effective_grade(db, run).verdict == "zero"
    add_grade(db, run, grader="human", score=0.5, verdict="partial")
    add_grade(db, run, grader="human", score=1.0, verdict="full")
    assert effective_grade(db, run).verdict == "full"


def test_undo_deletes_only_the_latest_human_grade(db):
    run = add_run(db, None, "x")
    add_grade(db, run, grader="auto", score=0.0, verdict="zero")
    add_grade(db, run, grader="human", score=0.5, verdict="partial")
    add_grade(db, run, grader="human", score=1.0, verdict="full")
    undone = undo_last_grade(db, run)
    assert undone is not None and undone.verdict == "full"
    assert effective_grade(db, run).verdict == "partial"
    undo_last_grade(db, run)
    assert effective_grade(db, run).grader == "auto"
    assert undo_last_grade(db, run) is None  # automatic grades are never undone
    assert len(grade_history(db, run)) == 1


def test_no_grade_means_no_effective_grade(db):
    assert effective_grade(db, add_run(db, None, "x")) is None


def test_needs_human_is_stored_without_a_score(db):
    run = add_run(db, None, "x")
    add_grade(db, run, grader="auto", score=0.0, verdict="needs_human")
    assert effective_grade(db, run).score is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grader": "robot", "score": 1.0, "verdict": "full"}, "grader must be"),
        ({"grader": "human", "score": 1.0, "verdict": "great"}, "verdict must be"),
        ({"grader": "human", "score": 1.5, "verdict": "full"}, "between 0 and 1"),
        ({"grader": "human", "score": None, "verdict": "full"}, "between 0 and 1"),
        (
            {"grader": "human", "score": 1.0, "verdict": "full", "points": 11, "max_points": 10},
            "exceed",
        ),
        (
            {"grader": "human", "score": 1.0, "verdict": "full", "points": 1, "max_points": 0},
            "positive",
        ),
    ],
)
def test_bad_grades_are_refused(db, kwargs, message):
    run = add_run(db, None, "x")
    with pytest.raises(GradeError, match=message):
        add_grade(db, run, **kwargs)
    assert grade_history(db, run) == []


def test_grade_of_an_unknown_run_is_refused(db):
    with pytest.raises(GradeError, match="no run 99"):
        add_grade(db, 99, grader="human", score=1.0, verdict="full")


def test_negative_exam_points_are_allowed(db):
    run = add_run(db, None, "A,B")
    add_grade(db, run, grader="auto", score=0.0, verdict="zero", points=-2, max_points=4)
    assert effective_grade(db, run).points == -2


# ---- human verdicts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("full", (1.0, "full", None, None)),
        ("Partial", (0.5, "partial", None, None)),
        (" zero ", (0.0, "zero", None, None)),
        ("0.75", (0.75, "partial", None, None)),
        ("1", (1.0, "full", None, None)),
        ("0", (0.0, "zero", None, None)),
        ("60%", (0.6, "partial", None, None)),
        ("7/10", (0.7, "partial", 7.0, 10.0)),
        ("7 / 7", (1.0, "full", 7.0, 7.0)),
        ("0/10", (0.0, "zero", 0.0, 10.0)),
        ("2.5/4", (0.625, "partial", 2.5, 4.0)),
    ],
)
def test_parse_human_verdict(text, expected):
    assert parse_human_verdict(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["great", "1.5", "11/10", "3/0", "-1", "", "7/", "150%"])
def test_parse_human_verdict_refuses_nonsense(text):
    with pytest.raises(GradeError):
        parse_human_verdict(text)


def test_human_grade_fills_points_from_the_problems_maximum(db):
    run = add_run(db, add_problem(db, "p1", None, "proof", max_points=10), "proof text")
    human_grade(db, run, "partial", note="gap in step 3", grader_name="bo")
    g = effective_grade(db, run)
    assert (g.score, g.points, g.max_points, g.note, g.grader_name) == (
        0.5,
        5.0,
        10.0,
        "gap in step 3",
        "bo",
    )
    human_grade(db, run, "7/10")
    assert (effective_grade(db, run).points, effective_grade(db, run).max_points) == (7.0, 10.0)
