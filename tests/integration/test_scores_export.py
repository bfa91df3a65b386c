"""Score tables from effective grades, with vs without technique, and CSV exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import store_helpers
from store_helpers import add_problems

from store.export import RUN_COLUMNS, export_runs_csv, neutralise
from store.grades import add_grade
from workbench.scores import SCORE_COLUMNS, comparison, export_scores_csv, score_table


def add_run(
    db,
    problem_id: int | None,
    *,
    model: str = "m",
    paradigm: str = "dcot",
    status: str = "done",
    answer: str | None = "x",
    tokens: tuple[int, int] = (10, 5),
    cost: float | None = 0.01,
) -> int:
    return store_helpers.add_run(
        db,
        problem_id,
        answer,
        status,
        model=model,
        paradigm=paradigm,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cost_usd=cost,
    )


def grade(db, run: int, verdict: str, grader: str = "auto", **kw) -> None:
    score = {"full": 1.0, "partial": 0.5, "zero": 0.0, "needs_human": None}[verdict]
    add_grade(db, run, grader=grader, score=score, verdict=verdict, **kw)


def test_score_sum_over_the_dataset_size_like_40_of_48(db):
    problems = add_problems(db, "jee", 48)
    for i, pid in enumerate(problems):
        run = add_run(db, pid)
        if i < 38:
            grade(db, run, "full")
        elif i < 42:
            grade(db, run, "partial")
        elif i < 46:
            grade(db, run, "zero")
        elif i == 46:
            grade(db, run, "needs_human")
        # the last one is not graded yet
    [row] = score_table(db, "jee")
    assert (row.dataset, row.model, row.paradigm, row.problems, row.n) == (
        "jee",
        "m",
        "dcot",
        48,
        48,
    )
    assert (row.full, row.partial, row.zero, row.needs_human, row.ungraded) == (38, 4, 4, 1, 1)
    assert row.graded == 46 and row.pending == 2 and row.planned == 48 and row.done == 48
    assert row.total == "40/46"  # one denominator: the scored runs, pending ones apart
    assert row.mean == pytest.approx(40 / 46)
    assert row.tokens == 48 * 15 and row.cost_usd == pytest.approx(0.48)


def test_reruns_count_once_failed_runs_not_at_all(db):
    [p1, p2] = add_problems(db, "s", 2)
    old = add_run(db, p1)
    grade(db, old, "zero")
    new = add_run(db, p1)
    grade(db, new, "full")
    grade(db, add_run(db, p2), "partial")
    add_run(db, p2, status="failed", answer=None)  # a later failed run does not replace it
    add_run(db, p2, status="running", answer=None)
    [row] = score_table(db, "s")
    assert (row.n, row.full, row.partial, row.zero, row.total) == (2, 1, 1, 0, "1.5/2")


def test_human_grade_counts_over_auto(db):
    [p] = add_problems(db, "s", 1)
    run = add_run(db, p)
    grade(db, run, "zero")
    grade(db, run, "full", grader="human")
    grade(db, run, "zero")  # a later auto re-grade does not beat the human
    assert score_table(db)[0].total == "1/1"


def test_rows_per_dataset_model_paradigm_and_unknown_cost(db):
    a = add_problems(db, "a", 2)
    b = add_problems(db, "b", 3)
    grade(db, add_run(db, a[0], model="x", paradigm="direct"), "full")
    grade(db, add_run(db, a[0], model="x", paradigm="dcot", cost=None), "full")
    grade(db, add_run(db, b[0], model="y", paradigm="g1"), "partial")
    add_run(db, None, model="x")  # a free prompt belongs to no dataset
    rows = score_table(db)
    assert [(r.dataset, r.model, r.paradigm, r.total, r.coverage) for r in rows] == [
        ("a", "x", "dcot", "1/1", "1 of 2"),
        ("a", "x", "direct", "1/1", "1 of 2"),
        ("b", "y", "g1", "0.5/1", "1 of 3"),
    ]
    assert rows[0].cost_usd is None  # unknown, not zero
    assert [r.dataset for r in score_table(db, "b")] == ["b"]


def test_exam_points_are_summed(db):
    [p1, p2] = add_problems(db, "jee", 2)
    grade(db, add_run(db, p1), "full", points=4, max_points=4)
    grade(db, add_run(db, p2), "zero", points=-2, max_points=4)
    [row] = score_table(db)
    assert (row.points, row.max_points) == (2, 8)


def test_comparison_puts_direct_beside_dcot_and_g1(db):
    problems = add_problems(db, "s", 4)
    for i, pid in enumerate(problems):
        grade(db, add_run(db, pid, paradigm="direct"), "full" if i < 1 else "zero")
        grade(db, add_run(db, pid, paradigm="dcot"), "full" if i < 3 else "zero")
    grade(db, add_run(db, problems[0], model="other", paradigm="g1"), "full")
    pairs = {c.model: c for c in comparison(db, "s")}
    m = pairs["m"]
    assert (m.direct.total, m.dcot.total, m.g1) == ("1/4", "3/4", None)
    assert m.gain("dcot") == 2 and m.gain("g1") is None
    assert pairs["other"].direct is None and pairs["other"].gain("g1") is None
    assert m.as_dict()["gain_dcot"] == 2


# ---- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("＝1+1", "'＝1+1"),
        ("-5", "-5"),
        ("+0.25", "+0.25"),
        ("1e-3", "1e-3"),
        ("a=b", "a=b"),
        ("", ""),
        (-2.5, -2.5),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_runs_export_has_the_effective_grade_and_neutralised_formulas(db, tmp_path):
    [p1, p2] = add_problems(db, "s", 2)
    evil = add_run(db, p1, answer='=HYPERLINK("http://x","click")')
    grade(db, evil, "zero", note="@attacker")
    grade(db, evil, "partial", grader="human", points=-2, max_points=4)
    plain = add_run(db, p2, answer="-5")
    add_run(db, None, answer="free")
    path = tmp_path / "runs.csv"
    assert export_runs_csv(db, path) == 3
    rows = read_csv(path)
    assert list(rows[0]) == list(RUN_COLUMNS)
    first = rows[0]
    assert first["answer"] == '\'=HYPERLINK("http://x","click")'
    assert (first["verdict"], first["grader"], first["score"], first["points"]) == (
        "partial",
        "human",
        "0.5",
        "-2.0",
    )
    assert (first["dataset"], first["key"], first["reference"], first["tokens"]) == (
        "s",
        "1",
        "1",
        "15",
    )
    second = rows[1]
    assert (int(second["run_id"]), second["answer"], second["verdict"]) == (plain, "-5", "")
    assert rows[2]["dataset"] == ""
    assert [r["run_id"] for r in read_csv(_export(db, tmp_path / "s.csv", "s"))] == [
        str(evil),
        str(plain),
    ]


def _export(db, path: Path, dataset: str) -> Path:
    export_runs_csv(db, path, dataset)
    return path


def test_scores_export(db, tmp_path):
    [p] = add_problems(db, "s", 1)
    grade(db, add_run(db, p, model="=evil()"), "full")
    path = tmp_path / "scores.csv"
    assert export_scores_csv(db, path) == 1
    [row] = read_csv(path)
    assert list(row) == list(SCORE_COLUMNS)
    assert (row["model"], row["total"], row["mean"], row["full"]) == ("'=evil()", "1/1", "1.0", "1")


def test_a_failed_export_keeps_the_previous_file_and_leaves_no_temporary(db, tmp_path, monkeypatch):
    [p] = add_problems(db, "s", 1)
    add_run(db, p)
    add_run(db, p)
    path = tmp_path / "runs.csv"
    path.write_text("old export\n")
    calls = iter(range(1000))

    def failing(value):
        if next(calls) == len(RUN_COLUMNS) + 3:  # partway through the second row
            raise RuntimeError("disk full")
        return value

    monkeypatch.setattr("store.export.neutralise", failing)
    with pytest.raises(RuntimeError):
        export_runs_csv(db, path)
    assert path.read_text() == "old export\n"
    assert sorted(f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")) == []


def test_temporaries_left_by_a_killed_export_are_cleaned_by_the_next(db, tmp_path):
    import fcntl
    import os

    [p] = add_problems(db, "s", 1)
    add_run(db, p)
    path = tmp_path / "runs.csv"
    stale = tmp_path / ".runs.csv.k1ll3d.tmp"  # what a kill -9 mid-export leaves, a moment ago
    stale.write_text("half an export")
    busy = tmp_path / ".runs.csv.wr1t1ng.tmp"  # another export, writing now: it holds its lock
    busy.write_text("being written")
    held = os.open(busy, os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    other = tmp_path / ".other.csv.x.tmp"
    other.write_text("not ours")
    try:
        assert export_runs_csv(db, path) == 1
    finally:
        os.close(held)
    assert not stale.exists() and busy.exists() and other.exists()
