"""`ponder runs` and `ponder show` (SPEC §6), driven through ponder.cli.main.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_helpers import record_run

from ponder.launch import main
from reasoning.events import (
    RunSettings,
    Step,
    Usage,
)
from store.db import open_db

HOSTILE = "x = 4\x1b[2J\x1b]8;;http://evil.example\x1b\\click me\x1b]8;;\x1b\\ [bold]loud[/bold] \x9b31m red"


def record(
    path: Path, prompt: str, answer: str | None, *, title: str = "Add", cancel: bool = False
) -> int:
    db = open_db(path)
    run_id = record_run(
        db,
        prompt,
        answer,
        settings=RunSettings(),
        steps=[Step(1, "step", f"work for {prompt}", title=title, reward=0.8, budget_left=19)],
        cut=(2, "reflection", "half") if cancel else None,
        end="cancel" if cancel else "finish",
        final_reward=0.9,
        usage=Usage(10, 5),
        cost_usd=0.001,
        elapsed_s=2.0,
    )
    db.close()
    return run_id


@pytest.fixture
def dbpath(tmp_path: Path) -> Path:
    return tmp_path / "ponder.db"


def test_runs_json_lists_summaries_newest_first(dbpath, capsys):
    first = record(dbpath, "first problem", "1")
    second = record(dbpath, "second problem", "2")
    assert main(["runs", "--json", "--db", str(dbpath)]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in runs] == [second, first]
    pinned = {
        "run_id",
        "status",
        "paradigm",
        "provider",
        "model",
        "problem",
        "answer",
        "started_at",
    }
    assert pinned <= set(runs[0])
    assert (runs[0]["status"], runs[0]["answer"], runs[0]["problem"]) == ("done", "2", None)


def test_runs_limit_and_search(dbpath, capsys):
    record(dbpath, "about triangles", "3")
    wanted = record(dbpath, "about circles", "pi")
    record(dbpath, "about squares", "4")
    assert main(["runs", "--json", "--search", "circles", "--db", str(dbpath)]) == 0
    assert [r["run_id"] for r in json.loads(capsys.readouterr().out)] == [wanted]
    assert main(["runs", "--json", "--limit", "2", "--db", str(dbpath)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_runs_table_has_a_header_and_a_line_per_run(dbpath, capsys):
    run_id = record(dbpath, "a problem", "42\nand more lines")
    assert main(["runs", "--db", str(dbpath)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id",
        "status",
        "paradigm",
        "model",
        "problem",
        "answer",
        "reward",
        "grade",
        "started",
    ]
    # A run without a problem shows the start of its prompt, quoted.
    assert lines[1].split()[:7] == [
        str(run_id),
        "done",
        "dcot",
        "gpt-test",
        '"a',
        'problem"',
        "42…",
    ]
    assert len(lines) == 2


def test_runs_on_an_empty_database_says_so(dbpath, capsys):
    assert main(["runs", "--db", str(dbpath)]) == 0
    assert "no runs" in capsys.readouterr().out


def test_show_json_is_the_solve_json_object(dbpath, capsys):
    run_id = record(dbpath, "the prompt", "7")
    assert main(["show", str(run_id), "--json", "--db", str(dbpath)]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert (obj["run_id"], obj["status"], obj["stop_reason"], obj["answer"]) == (
        run_id,
        "done",
        "answer",
        "7",
    )
    assert obj["steps"][0]["title"] == "Add" and obj["steps"][0]["budget_left"] == 19
    assert obj["usage"] == {
        "input_tokens": 10,
        "output_tokens": 5,
        "cache_read_tokens": 0,
        "calls": 1,
        "cost_usd": 0.001,
    }


def test_show_prints_prompt_steps_answer_and_usage(dbpath, capsys):
    run_id = record(dbpath, "What is 6*7?", "42", title="Multiply")
    assert main(["show", str(run_id), "--db", str(dbpath)]) == 0
    text = capsys.readouterr().out
    for expected in (
        "done (answer)",
        "What is 6*7?",
        "1. step · Multiply · reward 0.80 · budget 19",
        "42",
        "10 in / 5 out",
    ):
        assert expected in text


def test_show_marks_a_cancelled_runs_unfinished_step(dbpath, capsys):
    run_id = record(dbpath, "stop me", None, cancel=True)
    assert main(["show", str(run_id), "--db", str(dbpath)]) == 0
    text = capsys.readouterr().out
    assert "cancelled (cancelled)" in text
    assert "2. reflection · unfinished" in text and "half" in text


@pytest.mark.parametrize("argv", [["show", "99"], ["show", "99", "--json"]])
def test_show_of_an_unknown_run_is_a_usage_error(dbpath, capsys, argv):
    record(dbpath, "p", "a")
    assert main([*argv, "--db", str(dbpath)]) == 2
    err = capsys.readouterr().err
    assert "no run 99" in err and len(err.strip().splitlines()) == 1


def test_runs_limit_must_be_positive(dbpath, capsys):
    assert main(["runs", "--limit", "0", "--db", str(dbpath)]) == 2
    assert "--limit" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["runs"], ["runs", "--json"], ["show", "1"], ["show", "1", "--json"]]
)
def test_escape_sequences_in_model_text_never_reach_the_terminal(dbpath, capsys, monkeypatch, argv):
    monkeypatch.setenv("COLUMNS", "200")  # room for the whole answer in the table
    assert record(dbpath, f"prompt {HOSTILE}", HOSTILE, title=HOSTILE) == 1
    assert main([*argv, "--db", str(dbpath)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out
    if "--json" not in argv:
        assert "[bold]loud[/bold]" in out  # markup is shown as text, not interpreted
        assert "click me" in out
