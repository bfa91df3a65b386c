"""Recorded results from elsewhere: a sheet's per-model verdict columns and the documented
results file (JSONL/CSV), stored as runs without transcript graded `human` by their source."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from cli_helpers import ponder

from store.grades import grade_history
from store.importers.recorded import model_and_paradigm, read_verdict
from store.problems import ImportProblem, import_file
from workbench.scores import score_table

SEED = Path(__file__).resolve().parents[3] / "shared/data/seed/experiment-o1.xlsx"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason="seed spreadsheet not present")


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("LLM able to solve this", "full"),
        ("LLMs able to solve this", "full"),
        ("LLm able to answer", "full"),
        ("LLM able to find this", "full"),
        ("LLM not able to solve this", "zero"),
        ("LLMnot  able to solve this though it gave one correct option", "zero"),
        ("LLM not able solve it thiugh it have relatively correct answer", "zero"),
        ("not solved", "zero"),
        ("LLM able to find correct velocity but angular velortity is wrong though", "zero"),
        ("LLM able to solve this partial correct", "partial"),
        ("LLM able to identify all correct option except one", "partial"),
        ("LLM able only to find one correct option", "partial"),
        ("LLM able to find C and D as options", "partial"),
        ("LLM able to partial solve this", "partial"),
        ("full", "full"),
        ("0.25", "partial"),
        ("75%", "partial"),
        ("7/10", "partial"),
        ("1", "full"),
        ("0", "zero"),
        ("LL", None),
        ("maybe", None),
        ("1.5", None),
        ("11/10", None),
    ],
)
def test_a_verdict_as_people_write_it(written, verdict):
    read = read_verdict(written)
    assert (None if read is None else read.verdict) == verdict


def test_points_are_kept_with_their_maximum():
    read = read_verdict("7/10")
    assert read is not None and (read.score, read.points, read.max_points) == (0.7, 7.0, 10.0)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("LLM (Claude with technique)", ("Claude", "dcot")),
        ("Gpt4o with technique", ("Gpt4o", "dcot")),
        ("Claude without technique", ("Claude", "direct")),
        ("LLM (Llama3.1)", ("Llama3.1", "recorded")),
    ],
)
def test_a_verdict_column_header_names_model_and_paradigm(header, expected):
    assert model_and_paradigm(header) == expected


# ---- the seed sheet -------------------------------------------------------------------------


def _sheet_columns() -> dict[str, list[str]]:
    """Each verdict column's non-blank cells, read straight from the sheet."""
    rows = list(
        openpyxl.load_workbook(SEED, read_only=True).worksheets[0].iter_rows(values_only=True)
    )
    return {
        str(h): [str(r[i]) for r in rows[1:] if r[0] is not None and r[i] is not None]
        for i, h in enumerate(rows[0])
        if i >= 2
    }


@needs_seed
def test_the_seed_sheets_verdict_columns_become_runs_one_per_written_verdict(db):
    result = import_file(db, SEED, "jee", source="write-up")
    columns = _sheet_columns()
    assert result.recorded is not None and result.recorded.source == "write-up"
    # One run per verdict the sheet writes, but the one unreadable cell ('LL').
    assert dict(((m, p), n) for m, p, n in result.recorded.cells) == {
        ("Llama3.1", "recorded"): len(columns["LLM (Llama3.1)"]),
        ("Claude", "dcot"): len(columns["LLM (Claude with technique)"]),
        ("Gpt4o", "dcot"): len(columns["Gpt4o with technique"]) - 1,
    }
    assert columns["Gpt4o with technique"].count("LL") == 1
    assert columns["Claude without technique"] == []
    assert any("'LL'" in w and "not recorded" in w for w in result.warnings)
    assert any("'Claude without technique' is empty" in w for w in result.warnings)
    rows = {(r.model, r.paradigm): r for r in score_table(db, "jee")}
    claude = rows[("Claude", "dcot")]
    assert (claude.n, claude.full, claude.partial, claude.zero, claude.total) == (
        47,
        33,
        5,
        9,
        "35.5/47",
    )
    assert (rows[("Gpt4o", "dcot")].full, rows[("Gpt4o", "dcot")].zero) == (30, 14)
    assert rows[("Llama3.1", "recorded")].total == "29/47"
    assert {r.provider for r in rows.values()} == {"recorded"}
    # No transcript; graded human by the source, the verdict as written in the note.
    run = db.conn.execute(
        "select id, answer, calls, (select count(*) from steps where run_id = runs.id)"
        " from runs where model = 'Claude' order by id limit 1"
    ).fetchone()
    assert run[1:] == (None, 0, 0)
    [grade] = grade_history(db, run[0])
    assert (grade.grader, grade.grader_name, grade.verdict) == ("human", "write-up", "full")
    assert grade.note == "LLMs able to solve this"


@needs_seed
def test_importing_the_seed_sheet_again_records_nothing_twice(capsys, db):
    assert ponder(capsys, "import", str(SEED), "--dataset", "jee")[0] == 0
    code, out, _ = ponder(capsys, "import", str(SEED), "--dataset", "jee")
    assert code == 0
    assert "140 runs graded human by experiment-o1.xlsx (0 added, 0 regraded, 140 unchanged)" in out
    assert db.conn.execute("select count(*) from runs").fetchone()[0] == 140


# ---- the documented results file ------------------------------------------------------------

RESULTS = [
    {"key": "1", "model": "o1", "paradigm": "direct", "verdict": "full", "answer": "100"},
    {"key": "2", "model": "o1", "paradigm": "direct", "score": 0.25, "note": "one of two letters"},
    {"key": "3", "model": "o1", "label": "without technique", "answer": "0.32"},
    {"key": "4", "model": "o1", "paradigm": "direct", "verdict": "LLM not able to solve this"},
    {"key": "99", "model": "o1", "paradigm": "direct", "verdict": "zero"},
]


def _problems(db, tmp_path: Path) -> None:
    sheet = tmp_path / "exam.csv"
    sheet.write_text('id,question,answer\n1,Q1,100\n2,Q2,"A,D"\n3,Q3,0.32\n4,Q4,B\n')
    import_file(db, sheet, "exam")


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_results_jsonl_is_stored_as_graded_runs_of_the_named_dataset(capsys, db, tmp_path):
    _problems(db, tmp_path)
    path = _jsonl(tmp_path / "o1.jsonl", RESULTS)
    code, out, err = ponder(capsys, "import", str(path), "--dataset", "exam", "--source", "ann")
    assert code == 0, err
    assert "recorded results in exam: 4 runs graded human by ann (4 added" in out
    assert "line 5: no problem '99' in exam; not recorded" in err
    grades = dict(
        db.conn.execute(
            "select p.key, g.verdict || ' ' || g.score || ' ' || g.grader || ' ' || g.grader_name"
            " from runs r join problems p on p.id = r.problem_id join grades g on g.run_id = r.id"
        ).fetchall()
    )
    assert grades == {
        "1": "full 1.0 human ann",
        "2": "partial 0.25 human ann",
        "4": "zero 0.0 human ann",
    }
    # An answer without a verdict waits for the automatic grader, as any run does.
    assert ponder(capsys, "grade", "exam", "--auto")[0] == 0
    [row] = score_table(db, "exam")
    assert (row.model, row.paradigm, row.provider, row.n, row.total) == (
        "o1",
        "direct",
        "recorded",
        4,
        "2.25/4",
    )


def test_a_changed_verdict_is_a_new_grade_in_the_runs_history(db, tmp_path):
    _problems(db, tmp_path)
    import_file(db, _jsonl(tmp_path / "r.jsonl", RESULTS[:1]), "exam", source="ann")
    changed = [{**RESULTS[0], "verdict": "zero"}]
    result = import_file(db, _jsonl(tmp_path / "r.jsonl", changed), "exam", source="ann")
    assert result.recorded is not None
    assert (result.recorded.added, result.recorded.updated) == (0, 1)
    [run] = [r[0] for r in db.conn.execute("select id from runs")]
    assert [g.verdict for g in grade_history(db, run)] == ["full", "zero"]


def test_a_results_csv_reads_the_same_columns(db, tmp_path):
    _problems(db, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text(
        "key,model,paradigm,verdict\n1,gpt,with technique,able to solve\n2,gpt,dcot,0\n"
    )
    result = import_file(db, path, "exam", source="sheet")
    assert result.recorded is not None and result.recorded.cells == (("gpt", "dcot", 2),)


def test_results_need_a_dataset_that_exists(db, tmp_path):
    path = _jsonl(tmp_path / "r.jsonl", RESULTS[:1])
    with pytest.raises(ImportProblem, match="need the dataset they are for: --dataset NAME"):
        import_file(db, path, source="ann")
    with pytest.raises(ImportProblem, match="no dataset 'nope' to record results for"):
        import_file(db, path, "nope", source="ann")


def test_unreadable_results_are_skipped_with_a_warning_each_kind(db, tmp_path):
    _problems(db, tmp_path)
    path = _jsonl(
        tmp_path / "r.jsonl",
        [
            {"key": "1", "model": "m", "verdict": "perhaps"},
            {"key": "2", "model": "m", "score": 3},
            {"key": "3", "model": "m", "verdict": "full"},
        ],
    )
    result = import_file(db, path, "exam", source="ann")
    assert result.recorded is not None and result.recorded.added == 1
    assert any("unreadable verdict 'perhaps'" in w for w in result.warnings)
    assert any("score '3' is not in [0, 1]" in w for w in result.warnings)


def test_a_dry_run_of_results_says_what_it_would_record_and_writes_nothing(capsys, db, tmp_path):
    _problems(db, tmp_path)
    path = _jsonl(tmp_path / "o1.jsonl", RESULTS[:2])
    code, out, _ = ponder(capsys, "import", str(path), "--dataset", "exam", "--dry-run")
    assert code == 0
    assert "would record results in exam: 2 runs graded human by o1.jsonl (2 added" in out
    assert out.rstrip().endswith("nothing written (--dry-run)")
    assert db.conn.execute("select count(*) from runs").fetchone()[0] == 0


def test_recorded_text_reaches_a_csv_export_as_text_not_formulas(capsys, db, tmp_path):
    _problems(db, tmp_path)
    path = tmp_path / "r.csv"
    path.write_text('key,model,verdict,answer\n1,"=HYPERLINK(""x"")",full,+1+1\n')
    assert ponder(capsys, "import", str(path), "--dataset", "exam", "--source", "@evil")[0] == 0
    out = tmp_path / "runs.csv"
    assert ponder(capsys, "export", str(out), "--dataset", "exam", "--what", "runs")[0] == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@evil" in text
