"""Automatic grading of stored runs: graders.policy applied by workbench.grading and recorded."""

from __future__ import annotations

from store_helpers import add_problem, add_run

from store.grades import GradeCounts, add_grade, effective_grade, grade_history
from workbench.grading import auto_grade_pending, auto_grade_run


def test_auto_grade_without_problem_or_reference_needs_a_human(db):
    free = add_run(db, None, "42")
    proof = add_run(db, add_problem(db, "p", None, "proof"), "Suppose...")
    for run in (free, proof):
        g = auto_grade_run(db, run)
        assert (g.grader, g.verdict, g.score) == ("auto", "needs_human", None)
    assert "not a stored problem" in effective_grade(db, free).note


def test_auto_grade_of_a_run_with_no_answer_is_zero(db):
    run = add_run(db, add_problem(db, "1", "5", "integer"), None)
    g = auto_grade_run(db, run)
    assert (g.verdict, g.score, g.note) == ("zero", 0.0, "the run gave no answer")


def test_auto_grade_uses_the_reference_and_records_what_it_extracted(db):
    right = add_run(db, add_problem(db, "1", "A,D", "choice_multi"), "A, D")
    wrong = add_run(db, add_problem(db, "2", "0.32", "numeric"), "0.5")
    g = auto_grade_run(db, right)
    assert (g.verdict, g.score, g.grader_name) == ("full", 1.0, "graders")
    assert g.extracted is not None
    assert auto_grade_run(db, wrong).verdict == "zero"


def test_auto_grade_falls_back_to_the_full_text_when_the_answer_field_is_unreadable(db):
    run = add_run(
        db,
        add_problem(db, "1", "42", "integer"),
        None,
        steps=["Work...", "So the final answer is \\boxed{42}."],
    )
    assert auto_grade_run(db, run).verdict == "full"


def test_auto_grade_points_follow_the_problems_maximum(db):
    run = add_run(db, add_problem(db, "1", "12", "integer", max_points=3), "12")
    g = auto_grade_run(db, run)
    assert (g.points, g.max_points) == (3.0, 3.0)


def test_auto_grade_pending_grades_each_ungraded_finished_run_once(db):
    done = add_run(db, None, "x")
    graded = add_run(db, None, "y")
    add_grade(db, graded, grader="human", score=1.0, verdict="full")
    add_run(db, None, "z", status="failed")
    add_run(db, None, None, status="running")
    counts = auto_grade_pending(db)
    assert counts == GradeCounts(needs_human=1) and counts.total == 1
    assert [g.grader for g in grade_history(db, done)] == ["auto"]
    assert [g.grader for g in grade_history(db, graded)] == ["human"]
    assert auto_grade_pending(db) == GradeCounts()


def test_auto_grade_pending_of_one_dataset(db):
    a = add_run(db, add_problem(db, "1", None, "proof", dataset="a"), "x")
    b = add_run(db, add_problem(db, "1", None, "proof", dataset="b"), "x")
    assert auto_grade_pending(db, "a").total == 1
    assert grade_history(db, b) == [] and len(grade_history(db, a)) == 1
