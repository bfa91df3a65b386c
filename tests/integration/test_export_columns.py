"""CSV export of runs carries what a spreadsheet reader needs; money and time are rounded in
JSON and CSV alike."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from store_helpers import record_run

from ponder.launch import main
from ponder.text import json_text, tidy_numbers
from reasoning.events import Usage
from store.db import open_db
from store.grades import add_grade
from store.problems import import_file

NOISY_COST = 6.434999999999999e-05
NOISY_SECONDS = 14.123456789012345


def record(db, prompt: str, problem_id: int | None) -> int:
    return record_run(
        db,
        prompt,
        "The answer is 4",
        problem_id=problem_id,
        final_reward=0.9,
        usage=Usage(10, 5),
        cost_usd=NOISY_COST,
        elapsed_s=NOISY_SECONDS,
    )


@pytest.fixture
def db_with_runs(tmp_path: Path):
    path = tmp_path / "ponder.db"
    sheet = tmp_path / "geo.csv"
    sheet.write_text("question,answer,max_points\nWhat is 2+2?,4,10\n")
    db = open_db(path)
    import_file(db, sheet, "geo")
    problem_id = db.execute("select id from problems where dataset = 'geo'").fetchone()[0]
    on_problem = record(db, "What is 2+2?", problem_id)
    free = record(db, "A free prompt, =cmd", None)
    add_grade(
        db,
        on_problem,
        grader="human",
        score=0.7,
        verdict="partial",
        points=7,
        max_points=10,
        grader_name="alice",
        note="ok",
    )
    db.close()
    return path, on_problem, free


def test_runs_csv_carries_question_reference_points_grader_reward_stop_and_elapsed(
    db_with_runs, tmp_path
):
    path, on_problem, free = db_with_runs
    out = tmp_path / "runs.csv"
    assert main(["export", str(out), "--db", str(path)]) == 0
    rows = {int(r["run_id"]): r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    graded = rows[on_problem]
    assert graded["question"] == "What is 2+2?"
    assert graded["reference"] == "4"
    assert graded["max_points"] == "10.0" and graded["points"] == "7.0"
    assert graded["grader"] == "human" and graded["grader_name"] == "alice"
    assert graded["final_reward"] == "0.9"
    assert graded["stop_reason"] == "answer"
    assert graded["elapsed_s"] == "14.123"
    assert graded["cost_usd"] == "0.00006435"
    # A run without a problem: its prompt is the question (made safe for a spreadsheet).
    assert rows[free]["question"] == "A free prompt, =cmd"
    assert rows[free]["max_points"] == "" and rows[free]["reference"] == ""


def test_show_json_rounds_money_and_time(db_with_runs, capsys):
    path, on_problem, _ = db_with_runs
    assert main(["show", str(on_problem), "--json", "--db", str(path)]) == 0
    text = capsys.readouterr().out
    obj = json.loads(text)
    assert obj["usage"]["cost_usd"] == 6.435e-05 and obj["elapsed_s"] == 14.123
    assert "6.434999" not in text and "14.12345" not in text


def test_scores_csv_writes_money_as_plain_decimals(db_with_runs, capsys):
    path, _, _ = db_with_runs
    assert main(["scores", "geo", "--csv", "--db", str(path)]) == 0
    (row,) = csv.DictReader(capsys.readouterr().out.splitlines())
    assert row["cost_usd"] == "0.00006435"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"cost_usd": NOISY_COST}, {"cost_usd": 6.435e-05}),
        ({"elapsed_s": NOISY_SECONDS}, {"elapsed_s": 14.123}),
        ({"mean": 0.1 + 0.2}, {"mean": 0.3}),
        ({"rows": [{"wait_s": 1.23456}]}, {"rows": [{"wait_s": 1.235}]}),
        ({"cost_usd": None, "n": 3, "ok": True}, {"cost_usd": None, "n": 3, "ok": True}),
        ({"reward": 0.85}, {"reward": 0.85}),
    ],
)
def test_tidy_numbers_rounds_money_time_and_float_noise(value, expected):
    assert tidy_numbers(value) == expected


def test_json_text_never_prints_float_noise():
    assert (
        json_text({"cost_usd": NOISY_COST, "x": 0.1 + 0.2}) == '{"cost_usd": 6.435e-05, "x": 0.3}'
    )
