"""The command line's comforts for a daily user: `show` prints an answer taken from the text
once, `solve --problem` names a dataset that does not exist, ..."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import ponder
from store_helpers import record_run

from ponder.launch import main
from reasoning.events import RunSettings, Step
from store.db import open_db


@pytest.fixture
def dbpath(tmp_path: Path) -> Path:
    return tmp_path / "ponder.db"


@pytest.fixture
def a_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """A provider named, never called: the problem is looked up first."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-used")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")


def test_show_prints_an_answer_taken_from_the_text_once(dbpath: Path, capsys) -> None:
    reply = "The roots are 2 and 3, so the answer is 5."
    db = open_db(dbpath)
    run_id = record_run(
        db,
        "Sum of the roots of x^2-5x+6?",
        reply,
        settings=RunSettings(),
        steps=[
            Step(1, "thinking", reply),
            Step(2, "answer", reply, title="Answer taken from the text"),
        ],
        stop_reason="no_protocol",
    )
    db.close()
    code, out, _ = ponder(capsys, "show", str(run_id), "--db", str(dbpath))
    assert code == 0
    assert out.count(reply) == 1
    assert out.count("(the answer, below)") == 2
    assert "done (no_protocol)" in out


@pytest.mark.usefixtures("a_provider")
def test_solve_a_problem_of_a_dataset_that_does_not_exist(dbpath: Path, capsys) -> None:
    code, _, err = ponder(
        capsys, "solve", "--problem", "nope:1", "--model", "m", "--db", str(dbpath)
    )
    assert code == 2
    assert err.strip().endswith(": no dataset 'nope' (see ponder datasets)")


@pytest.mark.usefixtures("a_provider")
def test_solve_a_problem_missing_from_a_dataset(dbpath: Path, capsys) -> None:
    code, _, err = ponder(
        capsys, "solve", "--problem", "ponder-mixed:999", "--model", "m", "--db", str(dbpath)
    )
    assert code == 2
    assert err.strip().endswith(": no problem '999' in dataset 'ponder-mixed'")


@pytest.mark.parametrize(("flag", "starts"), [((), b"\xef\xbb\xbf"), (("--no-bom",), b"run_id")])
def test_export_has_a_bom_for_spreadsheets_and_none_on_asking(
    dbpath: Path, tmp_path: Path, capsys, flag: tuple[str, ...], starts: bytes
) -> None:
    db = open_db(dbpath)
    record_run(db, "What is 2+2?", "4", settings=RunSettings())
    db.close()
    target = tmp_path / "runs.csv"
    code, _, _ = ponder(capsys, "export", str(target), *flag, "--db", str(dbpath))
    assert code == 0
    assert target.read_bytes().startswith(starts)
    with target.open(encoding="utf-8-sig" if not flag else "utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    assert first["run_id"] and first["answer"] == "4"


# ---- runs: filters, and tables that fit 80 columns ----------------------------------------


@pytest.fixture
def bench_runs(dbpath: Path, tmp_path: Path) -> dict[str, int]:
    """A bench's dcot, guided dcot and direct runs of two models on a problem of `algebra`,
    graded, and an ad-hoc failed run."""
    from store.grades import add_grade
    from store.problems import import_file

    db = open_db(dbpath)
    sheet = tmp_path / "algebra.csv"
    sheet.write_text("question,answer\nWhat is 2+3?,5\n")
    import_file(db, sheet, "algebra")
    problem = db.execute("select id from problems where dataset = 'algebra'").fetchone()[0]
    ids = {}
    for name, paradigm, reinforce, model, bench in [
        ("dcot-a", "dcot", "self", "model-a", "b1"),
        ("guided-a", "dcot", "guided", "model-a", "b1"),
        ("direct-a", "direct", "self", "model-a", "b1"),
        ("dcot-b", "dcot", "self", "model-b-with-a-rather-long-name", "b1"),
        ("direct-b", "direct", "self", "model-b-with-a-rather-long-name", "b1"),
    ]:
        ids[name] = record_run(
            db,
            f"problem for {name}",
            f"an answer from {name} that goes on for a while",
            paradigm=paradigm,
            model=model,
            settings=RunSettings(paradigm=paradigm, reinforce=reinforce),  # type: ignore[arg-type]
            bench_id=bench,
            problem_id=problem,
        )
        add_grade(db, ids[name], grader="auto", score=1.0, verdict="full", extracted="5")
    ids["failed"] = record_run(
        db, "an ad-hoc prompt", None, status="failed", stop_reason="error", settings=RunSettings()
    )
    db.close()
    return ids


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        (["--paradigm", "direct"], ["direct-b", "direct-a"]),
        (["--paradigm", "dcot"], ["failed", "dcot-b", "guided-a", "dcot-a"]),  # guided too
        (["--paradigm", "dcot+guided"], ["guided-a"]),
        (["--model", "model-a"], ["direct-a", "guided-a", "dcot-a"]),
        (["--status", "failed"], ["failed"]),
        (["--bench", "b1", "--limit", "2"], ["direct-b", "dcot-b"]),
        (["--bench", "b1", "--model", "model-a", "--paradigm", "direct"], ["direct-a"]),
        (["--bench", "nope"], []),
    ],
)
def test_runs_filters(
    dbpath: Path, bench_runs: dict[str, int], capsys, flags: list[str], names: list[str]
) -> None:
    code, out, _ = ponder(capsys, "runs", *flags, "--json", "--db", str(dbpath))
    assert code == 0
    assert [r["run_id"] for r in json.loads(out)] == [bench_runs[n] for n in names]


def test_runs_filtered_to_nothing_says_so(dbpath: Path, bench_runs: dict[str, int], capsys):
    code, out, _ = ponder(capsys, "runs", "--status", "cancelled", "--db", str(dbpath))
    assert (code, out.strip()) == (0, "no runs match")


def test_runs_with_a_dataset_keeps_its_problems_runs(tmp_path: Path, capsys) -> None:
    from store.problems import import_file

    dbpath = tmp_path / "p.db"
    db = open_db(dbpath)
    sheet = tmp_path / "algebra.csv"
    sheet.write_text("question,answer\nWhat is 2+3?,5\n")
    import_file(db, sheet, "algebra")
    problem = db.execute("select id from problems where dataset = 'algebra'").fetchone()[0]
    on_it = record_run(db, "What is 2+3?", "5", settings=RunSettings(), problem_id=problem)
    record_run(db, "free prompt", "x", settings=RunSettings())
    db.close()
    code, out, _ = ponder(capsys, "runs", "--dataset", "algebra", "--json", "--db", str(dbpath))
    assert [r["run_id"] for r in json.loads(out)] == [on_it]


@pytest.mark.parametrize("command", [["runs"], ["scores"]])
def test_runs_and_scores_fit_80_columns_and_keep_the_paradigm(
    dbpath: Path, bench_runs: dict[str, int], capsys, monkeypatch, command: list[str]
) -> None:
    monkeypatch.setattr("ponder.cli.table.terminal_width", lambda: 80)  # a terminal of 80
    code, out, _ = ponder(capsys, *command, "--db", str(dbpath))
    assert code == 0
    lines = out.splitlines()
    table = lines[: len(bench_runs) + 1 if command == ["runs"] else 6]  # scores: 5 arms
    assert max(len(ln) for ln in table) <= 80
    header = table[0].split()
    assert {"status" if command == ["runs"] else "dataset", "paradigm", "model"} <= set(header)
    paradigms = {ln.split()[header.index("paradigm")] for ln in table[1:]}
    assert {"direct", "dcot"} <= paradigms


def test_a_table_piped_to_a_program_keeps_every_column(
    dbpath: Path, bench_runs: dict[str, int], capsys, monkeypatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    code, out, _ = ponder(capsys, "runs", "--db", str(dbpath))  # captured: not a terminal
    assert out.splitlines()[0].split()[-1] == "started"


# ---- shell completion knows the names there are now ----------------------------------------


def test_complete_prints_the_names_there_are(
    dbpath: Path, bench_runs: dict[str, int], capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PONDER_DB", str(dbpath))
    names = {}
    for kind in ("datasets", "runs", "benches", "presets"):
        with pytest.raises(SystemExit) as done:
            main(["--complete", kind])
        assert done.value.code == 0
        names[kind] = capsys.readouterr().out.split()
    assert {"algebra", "ponder-mixed"} <= set(names["datasets"])
    assert names["runs"] == [str(i) for i in sorted(bench_runs.values(), reverse=True)]
    assert "openai" in names["presets"] and "ollama" in names["presets"]


def test_complete_without_a_database_creates_none(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PONDER_DB", str(tmp_path / "none.db"))
    with pytest.raises(SystemExit):
        main(["--complete", "runs"])
    assert capsys.readouterr().out == ""
    assert not (tmp_path / "none.db").exists()


def test_bash_completes_datasets_run_ids_and_presets(
    dbpath: Path, bench_runs: dict[str, int], tmp_path: Path, capsys
) -> None:
    code, script, _ = ponder(capsys, "completion", "bash")
    assert code == 0
    (tmp_path / "ponder.bash").write_text(script)
    probe = f"""
source {tmp_path / "ponder.bash"}
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _shtab_ponder;
                    echo "${{COMPREPLY[*]}}"; }}
complete_words ponder bench ''
complete_words ponder show ''
complete_words ponder solve --provider o
"""
    env = {
        **os.environ,
        "PONDER_DB": str(dbpath),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    datasets, runs, presets = done.stdout.splitlines()
    assert "algebra" in datasets.split()
    assert runs.split()[0] == str(max(bench_runs.values()))
    assert set(presets.split()) == {"openai", "ollama", "openrouter"}
