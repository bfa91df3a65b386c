"""Which runs count, said in the numbers (SPEC §5): planned, done, graded, pending, failed,
no_protocol and mean output tokens per cell; one denominator; paired only on problems scored in
both arms ("paired on k of n"); provisional while grades are pending; protocol adherence; and
guided runs in a cell of their own. `scores`, `--json`, the CSV and the report say the same."""

from __future__ import annotations

import csv
import json

from cli_helpers import exit_code
from store_helpers import add_problems, add_run, grade_right

from store.grades import add_grade


def run(db, pid, arm, right=None, *, status="done", stop="answer", out=100, model="m"):
    paradigm, _, guided = arm.partition("+")
    params = json.dumps({"reinforce": "guided" if guided else "self"})
    run_id = add_run(
        db, pid, "x", status=status, paradigm=paradigm, model=model, params=params,
        stop_reason=stop, output_tokens=out, bench_id="B",
    )  # fmt: skip
    if right is not None:
        grade_right(db, run_id, right)
    return run_id


def bench_of_ten(db):
    """10 problems. direct: 6 right, 2 wrong, 2 pending. dcot: no tags in any run (no_protocol),
    1 right, 6 wrong, 3 pending. dcot+guided: 8 problems, 7 right, 1 failed."""
    ids = add_problems(db, "exam", 10)
    for i, pid in enumerate(ids):
        run(db, pid, "direct", None if i >= 8 else i < 6, out=200)
        run(db, pid, "dcot", None if i >= 7 else i == 0, stop="no_protocol", out=400)
        if i < 8:
            failed = i == 7
            run(db, pid, "dcot+guided", None if failed else True, status="failed" if failed
                else "done", out=300)  # fmt: skip
    return ids


def scores_json(capsys):
    assert exit_code(["scores", "exam", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_each_cell_says_what_went_into_it(db, capsys):
    bench_of_ten(db)
    cells = {s["paradigm"]: s for s in scores_json(capsys)["scores"]}
    assert sorted(cells) == ["dcot", "dcot+guided", "direct"]
    d, c, g = cells["direct"], cells["dcot"], cells["dcot+guided"]
    assert (d["planned"], d["n"], d["done"], d["graded"], d["pending"], d["failed"]) == (
        10, 10, 10, 8, 2, 0,
    )  # fmt: skip
    assert (c["graded"], c["pending"], c["no_protocol"], c["protocol_followed"]) == (7, 3, 10, 0)
    assert (g["planned"], g["n"], g["failed"], g["graded"]) == (10, 8, 1, 7)
    # One denominator: the scored runs (graded + failed), named.
    assert (d["total"], d["mean"], d["denominator"]) == ("6/8", 0.75, "scored")
    assert (g["total"], g["mean"]) == ("7/8", 0.875)
    assert (d["mean_output_tokens"], c["mean_output_tokens"]) == (200, 400)


def test_comparisons_pair_on_the_problems_scored_in_both_and_say_how_many(db, capsys):
    bench_of_ten(db)
    [c] = scores_json(capsys)["comparison"]
    assert (c["paired_dcot"], c["paired_on_dcot"]) == (7, "7 of 10")
    assert (c["paired_dcot+guided"], c["paired_on_dcot+guided"]) == (8, "8 of 10")
    assert c["pending_dcot"] == 5 and c["pending_dcot+guided"] == 2
    vs = c["dcot+guided_vs_dcot"]
    assert (vs["paired"], vs["paired_on"]) == (7, "7 of 10")
    assert c["dcot+guided"]["paradigm"] == "dcot+guided"


def test_the_verdicts_are_provisional_and_name_a_protocol_not_followed(db, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # every column, the verdicts whole
    bench_of_ten(db)
    assert exit_code(["scores", "exam"]) == 0
    out = capsys.readouterr().out
    dcot = next(line for line in out.splitlines() if " dcot " in line and "paired on" in line)
    assert "provisional: 5 pending grades would settle it" in dcot
    assert "protocol followed in 0 of 10 dcot runs" in dcot
    assert "measures the prompt on a model that did not follow it" in dcot
    guided = next(line for line in out.splitlines() if "dcot+guided " in line)
    assert "protocol followed" not in guided
    assert "dcot+guided vs dcot" in out


def test_a_settled_comparison_is_not_provisional(db, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")
    ids = add_problems(db, "exam", 4)
    for pid in ids:
        run(db, pid, "direct", False)
        run(db, pid, "dcot", True)
    [c] = scores_json(capsys)["comparison"]
    assert c["paired_on_dcot"] == "4 of 4" and c["pending_dcot"] == 0
    assert exit_code(["scores", "exam"]) == 0
    assert "provisional" not in capsys.readouterr().out


def test_a_needs_human_grade_is_pending(db, capsys):
    [pid] = add_problems(db, "exam", 1)
    add_grade(db, run(db, pid, "direct"), grader="auto", score=None, verdict="needs_human")
    [cell] = scores_json(capsys)["scores"]
    assert (cell["pending"], cell["scored"], cell["total"]) == (1, 0, "0/0")


def test_the_scores_csv_carries_the_same_counts(db, tmp_path):
    bench_of_ten(db)
    path = tmp_path / "scores.csv"
    assert exit_code(["export", str(path), "--what", "scores"]) == 0
    rows = {r["paradigm"]: r for r in csv.DictReader(path.open())}
    assert (rows["dcot"]["planned"], rows["dcot"]["no_protocol"]) == ("10", "10")
    assert (rows["direct"]["total"], rows["direct"]["pending"]) == ("6/8", "2")
    assert rows["dcot"]["mean_output_tokens"] == "400.0"


def test_the_bench_screen_says_the_same(db):
    from tui.screens.bench import score_cell, verdict_lines
    from workbench.scores import comparison

    bench_of_ten(db)
    [c] = comparison(db, "exam")
    assert "protocol followed in 0 of 10" in score_cell(c.row("dcot")).plain
    assert "protocol" not in score_cell(c.row("direct")).plain
    lines = verdict_lines([c], ["direct", "dcot", "dcot+guided"])
    dcot = next(line for line in lines if "· dcot:" in line or "· dcot " in line)
    assert "paired on 7 of 10" in dcot and "provisional: 5 pending grades" in dcot
    assert "measures the prompt on a model that did not follow it" in dcot
    assert any("dcot+guided" in line and "paired on 8 of 10" in line for line in lines)
