"""`ponder show RUN` shows the effective grade and the grade history; `runs` shows free prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_store_cli import record

from ponder.launch import main
from store.db import open_db
from store.grades import add_grade


@pytest.fixture
def dbpath(tmp_path: Path) -> Path:
    return tmp_path / "ponder.db"


def graded(dbpath: Path) -> int:
    run_id = record(dbpath, "a problem", "4")
    db = open_db(dbpath)
    add_grade(db, run_id, grader="auto", score=0.0, verdict="zero", extracted="4")
    add_grade(
        db,
        run_id,
        grader="human",
        score=0.5,
        verdict="partial",
        points=5,
        max_points=10,
        note="right method [bold]slip[/bold]",
        grader_name="alice",
    )
    add_grade(db, run_id, grader="auto", score=1.0, verdict="full", extracted="4")
    db.close()
    return run_id


def test_show_json_adds_the_effective_grade_and_the_history(dbpath, capsys):
    run_id = graded(dbpath)
    assert main(["show", str(run_id), "--json", "--db", str(dbpath)]) == 0
    obj = json.loads(capsys.readouterr().out)
    # The pinned fields are all still there.
    for key in ("run_id", "status", "stop_reason", "steps", "answer", "usage", "elapsed_s"):
        assert key in obj
    # A human grade outranks the later automatic one.
    assert obj["grade"]["grader"] == "human" and obj["grade"]["grader_name"] == "alice"
    assert obj["grade"]["score"] == 0.5 and obj["grade"]["points"] == 5
    assert obj["grade"]["note"] == "right method [bold]slip[/bold]"
    assert [(g["grader"], g["verdict"]) for g in obj["grades"]] == [
        ("auto", "zero"),
        ("human", "partial"),
        ("auto", "full"),
    ]
    assert all(g["created_at"] for g in obj["grades"])


def test_show_json_of_an_ungraded_run_has_no_grade(dbpath, capsys):
    run_id = record(dbpath, "a problem", "4")
    assert main(["show", str(run_id), "--json", "--db", str(dbpath)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["grade"] is None and obj["grades"] == []


def test_show_prints_who_graded_when_and_the_note(dbpath, capsys):
    run_id = graded(dbpath)
    assert main(["show", str(run_id), "--db", str(dbpath)]) == 0
    text = capsys.readouterr().out
    grade_line = next(ln for ln in text.splitlines() if ln.startswith("grade "))
    assert grade_line.startswith("grade 0.50 (partial) · 5/10 · by human alice, ")
    assert grade_line.endswith('"right method [bold]slip[/bold]"')
    history = text.split("Grades, oldest first (3)\n")[1].splitlines()[:3]
    assert [h.split()[0:2] for h in history] == [
        ["0.00", "(zero)"],
        ["0.50", "(partial)"],
        ["1.00", "(full)"],
    ]
    assert "by auto" in history[0] and "by human alice" in history[1]


def test_runs_tells_free_prompts_from_stored_problems(dbpath, capsys):
    record(dbpath, "Find all real x with\nx^2 - 5x + 6 = 0, please, and explain", "2, 3")
    assert main(["runs", "--db", str(dbpath)]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert '"Find all real x with…"' in row
    assert main(["runs", "--json", "--db", str(dbpath)]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary["problem"] is None and summary["prompt"].startswith("Find all real x")
