"""The command line's comforts for a daily user: `show` prints an answer taken from the text
once, `solve --problem` names a dataset that does not exist, ..."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from cli_helpers import ponder
from store_helpers import record_run

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
