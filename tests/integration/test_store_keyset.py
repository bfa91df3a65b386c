"""Keyset pages of the History and Grade lists: the same rows, in the same order, as reading
the whole list; a page starts after (or ends before) a row's position, never at an OFFSET."""

from __future__ import annotations

import pytest
import sqlite_utils
from store_helpers import add_problem

from store.grade_rows import GradeFilter, grade_rows, next_to_grade
from store.grades import add_grade
from store.keyset import beyond, order_by
from store.queries import list_runs


def add_runs(db: sqlite_utils.Database) -> list[int]:
    """Runs over problems 1..12 of 'set' (models and paradigms repeating, some NULL), and some
    free prompts; every one finished."""
    problems = [add_problem(db, str(k), str(k), dataset="set") for k in range(1, 13)]
    ids = []
    for i in range(60):
        model = (None, "m-a", "m-b")[i % 3]
        paradigm = ("dcot", None, "g1", "direct")[i % 4]
        problem = problems[(i * 7) % 12] if i % 5 else None
        cur = db.execute(
            "insert into runs (problem_id, prompt, paradigm, model, status, answer, started_at)"
            " values (?, ?, ?, ?, 'done', ?, '2026-01-01T00:00:00+00:00')",
            (problem, f"prompt {i} about primes" if i % 2 else f"prompt {i}", paradigm, model, "7"),
        )
        ids.append(cur.lastrowid)
    db.conn.commit()
    return ids


def walk_runs(db: sqlite_utils.Database, page: int, **filters) -> list[int]:
    """Every run of the History list, page by page by key from the start."""
    seen: list[int] = []
    while True:
        rows = list_runs(db, limit=page, after=seen[-1] if seen else None, **filters)
        seen += [r.run_id for r in rows]
        if len(rows) < page:
            return seen


def walk_runs_back(db: sqlite_utils.Database, page: int, **filters) -> list[int]:
    """The same list read from its last page up."""
    seen: list[int] = []
    while True:
        rows = (
            list_runs(db, limit=page, before=seen[0], **filters)
            if seen
            else list_runs(db, limit=page, last=True, **filters)
        )
        seen = [r.run_id for r in rows] + seen
        if len(rows) < page:
            return seen


@pytest.mark.parametrize("filters", [{}, {"search": "primes"}, {"dataset": "set"}])
def test_history_pages_by_key_list_every_run_once_in_order(db, filters):
    add_runs(db)
    everything = [r.run_id for r in list_runs(db, limit=1000, **filters)]
    assert len(everything) >= 20
    assert walk_runs(db, 7, **filters) == everything
    assert walk_runs_back(db, 7, **filters) == everything


def walk_grades(db: sqlite_utils.Database, f: GradeFilter, page: int) -> list[int]:
    seen, position = [], None
    while True:
        rows = grade_rows(db, f, limit=page, after=position)
        seen += [r.run_id for r in rows]
        if len(rows) < page:
            return seen
        position = rows[-1].position


def walk_grades_back(db: sqlite_utils.Database, f: GradeFilter, page: int) -> list[int]:
    seen: list[int] = []
    position = None
    while True:
        rows = (
            grade_rows(db, f, limit=page, before=position)
            if position is not None
            else grade_rows(db, f, limit=page, last=True)
        )
        seen = [r.run_id for r in rows] + seen
        if len(rows) < page:
            return seen
        position = rows[0].position


@pytest.mark.parametrize(
    "f",
    [
        GradeFilter(),
        GradeFilter(dataset="set"),  # problem order, with NULL models and paradigms among ties
        GradeFilter(dataset="set", show="ungraded"),
        GradeFilter(model="m-a"),
    ],
)
def test_grade_pages_by_key_list_every_run_once_in_order(db, f):
    ids = add_runs(db)
    for run_id in ids[::4]:
        add_grade(db, run_id, grader="auto", score=1.0, verdict="full")
    everything = [r.run_id for r in grade_rows(db, f, limit=1000)]
    assert len(everything) >= 10
    assert walk_grades(db, f, 4) == everything
    assert walk_grades_back(db, f, 4) == everything


def test_the_next_run_to_grade_is_found_past_any_page(db):
    ids = add_runs(db)
    f = GradeFilter()
    for run_id in ids[5:]:  # newest first: only the five oldest are left to grade
        add_grade(db, run_id, grader="auto", score=1.0, verdict="full")
    add_grade(db, ids[2], grader="auto", score=None, verdict="needs_human")
    (first,) = grade_rows(db, f, limit=1)
    found = next_to_grade(db, f, first.position)
    assert found is not None and found.run_id == ids[4]
    found = next_to_grade(db, f, found.position)
    assert found is not None and found.run_id == ids[3]
    found = next_to_grade(db, f, found.position)
    assert found is not None and found.run_id == ids[2]  # needs a human: a score cannot count it
    last = grade_rows(db, f, limit=1, last=True)[0]
    assert next_to_grade(db, f, last.position) is None


def test_a_keyset_condition_reads_mixed_directions():
    order = (("a", False), ("b", True))
    assert order_by(order) == "a asc, b desc"
    assert order_by(order, reverse=True) == "a desc, b asc"
    sql, params = beyond(order, (1, 5))
    assert (sql, params) == ("((a > ?) or (a = ? and b < ?))", [1, 1, 5])
    sql, params = beyond(order, (1, 5), before=True)
    assert (sql, params) == ("((a < ?) or (a = ? and b > ?))", [1, 1, 5])
    with pytest.raises(ValueError):
        beyond(order, (1,))
