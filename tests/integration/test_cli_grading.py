"""`ponder import | datasets | problems | grade | check | scores | export` from the command line."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import pytest
import store_helpers
from cli_helpers import ponder
from store_helpers import problem_id

from store.grades import effective_grade, grade_history

SEED = Path(__file__).resolve().parents[3] / "shared/data/seed"


def _graders_ready() -> bool:
    try:
        return hasattr(importlib.import_module("graders"), "grade")
    except ImportError:
        return False


needs_graders = pytest.mark.skipif(not _graders_ready(), reason="graders.grade not built yet")


def add_run(
    db, dataset: str | None, key: str | None, answer: str | None, paradigm: str = "dcot"
) -> int:
    pid = None if dataset is None or key is None else problem_id(db, dataset, key)
    return store_helpers.add_run(db, pid, answer, paradigm=paradigm, model="gpt-test")


# ---- datasets and problems ------------------------------------------------------------------


def test_datasets_json_lists_the_bundled_sets(capsys):
    code, out, err = ponder(capsys, "datasets", "--json")
    assert (code, err) == (0, "")
    listed = {d["name"]: d for d in json.loads(out)}
    assert listed["ponder-mixed"]["source"] == "bundled"
    assert listed["ponder-proofs"]["problems"] >= 10
    assert all(set(d) >= {"name", "problems", "source"} for d in listed.values())
    assert listed["ponder-mixed"]["format"] == "columns"


def test_problems_json_has_the_pinned_fields(capsys):
    code, out, _ = ponder(capsys, "problems", "ponder-mixed", "--json")
    problems = json.loads(out)
    assert code == 0 and len(problems) >= 30
    assert all(set(p) == {"key", "text", "reference", "kind"} for p in problems)
    assert problems[0]["key"] == "1" and problems[0]["reference"]


def test_problems_of_an_unknown_dataset_is_a_usage_error(capsys):
    code, out, err = ponder(capsys, "problems", "nope")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "no dataset 'nope'" in err


@pytest.mark.skipif(not SEED.is_dir(), reason="seed spreadsheets not present")
def test_import_seed_then_list_it(capsys):
    code, out, _ = ponder(capsys, "import", str(SEED / "experiment-o1.xlsx"), "--dataset", "jee")
    assert code == 0 and "jee: 47 problems (47 added" in out
    code, out, _ = ponder(capsys, "datasets", "--json")
    jee = next(d for d in json.loads(out) if d["name"] == "jee")
    assert {k: jee[k] for k in ("name", "problems", "source")} == {
        "name": "jee",
        "problems": 47,
        "source": "imported",
    }
    code, out, _ = ponder(capsys, "problems", "jee")
    assert code == 0 and out.splitlines()[2].startswith("2 ") and "A,D" in out


def test_import_of_a_bad_file_is_one_line_and_exit_2(capsys, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('[{"question": "q",\n "answer": }]')
    code, out, err = ponder(capsys, "import", str(bad))
    assert (code, out) == (2, "")
    assert (
        err
        == "ponder import: error: broken.json: line 2: invalid JSON (Expecting value at column 12)\n"
    )


def test_import_warnings_go_to_stderr(capsys, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("question,answer\nq,\n")
    code, out, err = ponder(capsys, "import", str(path))
    assert code == 0 and "1 added" in out
    assert err.startswith("warning: 1 problem(s) have no reference answer")


def test_problem_text_cannot_reach_the_terminal_as_escape_codes(capsys, tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text('question,answer\n"\x1b]0;pwned\x07\x1b[31mred [bold]x[/bold]",1\n')
    assert ponder(capsys, "import", str(path))[0] == 0
    code, out, _ = ponder(capsys, "problems", "evil")
    assert code == 0 and "\x1b" not in out and "\x07" not in out and "red [bold]x[/bold]" in out
    code, out, _ = ponder(capsys, "problems", "evil", "--json")
    assert "\x1b" not in out and json.loads(out)[0]["text"].startswith("\x1b]0;pwned")


# ---- grading --------------------------------------------------------------------------------


def test_grade_a_run_by_hand_with_note_and_name(capsys, db):
    ponder(capsys, "datasets")  # loads the bundled sets
    run = add_run(db, "ponder-proofs", "1", "Suppose log_2 3 = p/q ...")
    code, out, _ = ponder(
        capsys, "grade", str(run), "7/10", "--note", "misses q > 0", "--by", "ana"
    )
    assert code == 0 and out == f"run {run}: partial 0.7 (7/10) by ana\n"
    g = effective_grade(db, run)
    assert (g.grader, g.grader_name, g.note, g.points, g.max_points) == (
        "human",
        "ana",
        "misses q > 0",
        7,
        10,
    )


def test_grade_by_defaults_to_the_user(capsys, db, monkeypatch):
    monkeypatch.setenv("USER", "grader-bob")
    run = add_run(db, None, None, "42")
    assert ponder(capsys, "grade", str(run), "full")[0] == 0
    assert effective_grade(db, run).grader_name == "grader-bob"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grade"], "give --auto"),
        (["grade", "1"], "give --auto"),
        (["grade", "1", "great"], "is not a verdict"),
        (["grade", "1", "11/10"], "exceed the maximum"),
        (["grade", "999", "full"], "no run 999"),
        (["grade", "abc", "full"], "RUN must be a run id"),
        (["grade", "--auto", "nope"], "no dataset or run 'nope'"),
        (["grade", "1", "full", "--auto"], "not a verdict"),
        (["check", "A", "B", "--kind", "weird"], "unknown kind 'weird'"),
        (["scores", "nope"], "no dataset 'nope'"),
        (["export", "out.csv", "--dataset", "nope"], "no dataset 'nope'"),
        (["export", "out.txt"], "name the file FILE.csv"),
    ],
)
def test_bad_usage_is_exit_2_with_one_line(capsys, db, argv, message):
    add_run(db, None, None, "x")
    code, _, err = ponder(capsys, *argv)
    assert code == 2, err
    assert err.count("\n") == 1 and message in err, err


def test_grade_auto_grades_pending_runs_and_one_run(capsys, db):
    free = add_run(db, None, None, "42")
    code, out, _ = ponder(capsys, "grade", "--auto")
    # Nothing got a verdict: it says so instead of "graded 1 run: 0 full, 0 partial, 0 zero".
    assert code == 0 and out.startswith("1 run needs a human: none could be graded automatically")
    code, out, _ = ponder(capsys, "grade", "--auto")
    assert out == "no ungraded finished runs\n"
    code, out, _ = ponder(capsys, "grade", str(free), "--auto")
    assert code == 0 and out.startswith(f"run {free}: needs_human")
    assert len(grade_history(db, free)) == 2


@needs_graders
def test_grade_auto_of_a_dataset_uses_the_references(capsys, db):
    ponder(capsys, "datasets")
    right = add_run(db, "ponder-mixed", "13", "There are 24 divisors. <answer>24</answer>")
    wrong = add_run(db, "ponder-mixed", "14", "The answer is 49.")
    code, out, _ = ponder(capsys, "grade", "ponder-mixed", "--auto")
    assert code == 0 and out.startswith("graded 2 runs in ponder-mixed: 1 full")
    assert effective_grade(db, right).verdict == "full"
    assert effective_grade(db, wrong).verdict == "zero"


@needs_graders
def test_check_prints_the_grade_and_json(capsys):
    code, out, _ = ponder(capsys, "check", "A,D", "The answer is A and D")
    assert code == 0 and "verdict:   full" in out
    code, out, _ = ponder(capsys, "check", "0.32", "0.5", "--kind", "numeric", "--json")
    g = json.loads(out)
    assert code == 0 and g["verdict"] == "zero" and g["score"] == 0
    assert {"score", "verdict", "extracted", "reason", "points", "max_points", "kind"} <= set(g)


# ---- scores and export ----------------------------------------------------------------------


def _graded_runs(capsys, db) -> None:
    ponder(capsys, "datasets")
    for key in ("1", "2"):
        for paradigm, verdict in (("direct", "zero"), ("dcot", "full")):
            run = add_run(db, "ponder-proofs", key, "=cmd()", paradigm)
            ponder(capsys, "grade", str(run), verdict)


def test_scores_table_json_and_csv(capsys, db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # every column
    _graded_runs(capsys, db)
    code, out, _ = ponder(capsys, "scores", "ponder-proofs")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:8] == [
        "dataset",
        "model",
        "paradigm",
        "planned",
        "n",
        "done",
        "graded",
        "total/scored",
    ]
    assert "2/2" in lines[1] and "0/2" in lines[2] and "2 of 10" in lines[1]
    assert "with technique vs without" in out and "+1.00" in out
    code, out, _ = ponder(capsys, "scores", "--json")
    data = json.loads(out)
    assert [r["total"] for r in data["scores"]] == ["2/2", "0/2"]
    assert data["comparison"][0]["gain_dcot"] == 2
    code, out, _ = ponder(capsys, "scores", "--csv")
    rows = list(csv.DictReader(out.splitlines()))
    assert [(r["paradigm"], r["total"]) for r in rows] == [("dcot", "2/2"), ("direct", "0/2")]


def test_scores_with_nothing_run_says_so(capsys):
    code, out, _ = ponder(capsys, "scores")
    assert code == 0 and out.startswith("no finished runs")


def test_export_runs_and_scores(capsys, db, tmp_path):
    _graded_runs(capsys, db)
    runs_csv = tmp_path / "runs.csv"
    code, out, _ = ponder(capsys, "export", str(runs_csv), "--dataset", "ponder-proofs")
    assert code == 0 and out == f"wrote 4 runs to {runs_csv}\n"
    with runs_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["answer"] for r in rows} == {"'=cmd()"}
    assert {r["grader"] for r in rows} == {"human"}
    scores_csv = tmp_path / "scores.csv"
    code, out, _ = ponder(capsys, "export", str(scores_csv), "--what", "scores")
    assert code == 0 and out == f"wrote 2 score rows to {scores_csv}\n"


def test_export_to_a_missing_folder_is_a_usage_error(capsys, tmp_path):
    code, _, err = ponder(capsys, "export", str(tmp_path / "no" / "runs.csv"))
    assert code == 2 and "cannot write" in err
