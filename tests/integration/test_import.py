"""Importing problem sets: seed sheets, every format, bad files, re-import, bundled sets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from store import problems as problems_mod
from store.problems import (
    ImportProblem,
    ensure_bundled,
    get_problem,
    import_file,
    list_datasets,
    list_problems,
)

SEED = Path(__file__).resolve().parents[3] / "shared/data/seed"
REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def count(db, sql: str = "select count(*) from problems") -> int:
    return db.conn.execute(sql).fetchone()[0]


def xlsx(
    path: Path, rows: list[list[object]], sheets: dict[str, list[list[object]]] | None = None
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    wb.save(path)
    return path


# ---- the seed spreadsheets ------------------------------------------------------------------


@pytest.mark.skipif(not SEED.is_dir(), reason="seed spreadsheets not present")
def test_seed_experiment_sheet_imports_47_problems_with_references_and_verdict_columns(db):
    result = import_file(db, SEED / "experiment-o1.xlsx")
    assert (result.dataset, result.added, result.skipped) == ("experiment-o1", 47, 0)
    # Its verdict columns are recorded results (tests/integration/test_import_recorded.py): two warnings.
    assert len(result.warnings) == 2
    first = get_problem(db, "experiment-o1", "1")
    assert first is not None and first.reference == "100" and first.text.startswith("A gas has")
    assert get_problem(db, "experiment-o1", "2").reference == "A,D"
    assert get_problem(db, "experiment-o1", "3").reference == "0.32"  # a float cell, no float noise
    assert get_problem(db, "experiment-o1", "47").reference == "B,D"
    assert first.meta["LLM (Llama3.1)"] == "LLMs able to solve this"
    assert "Gpt4o with technique" in first.meta
    assert all(p.reference for p in list_problems(db, "experiment-o1"))


@pytest.mark.skipif(not SEED.is_dir(), reason="seed spreadsheets not present")
def test_seed_putnam_sheet_imports_28_proofs_without_references(db):
    result = import_file(db, SEED / "putnam_dataset.xlsx")
    assert (result.dataset, result.added, result.skipped) == ("putnam_dataset", 28, 0)
    problems = list_problems(db, "putnam_dataset")
    assert [p.key for p in problems] == [str(i) for i in range(1, 29)]
    assert all(p.reference is None and p.kind == "proof" for p in problems)
    assert problems[-1].text.startswith("A2 Let S be the set")  # surrounding blank lines trimmed


@pytest.mark.skipif(not SEED.is_dir(), reason="seed spreadsheets not present")
def test_seed_reimport_updates_in_place_without_duplicates(db):
    import_file(db, SEED / "experiment-o1.xlsx")
    again = import_file(db, SEED / "experiment-o1.xlsx")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 47)
    assert count(db) == 47


# ---- formats and columns --------------------------------------------------------------------


def test_xlsx_header_below_a_title_and_column_synonyms(db, tmp_path):
    path = xlsx(
        tmp_path / "exam.xlsx",
        [
            ["Mock exam 2024"],
            [],
            ["Q.No", "Problem", "Gold", "Subject", "Marks", "Reviewer"],
            [11, "What is 2+2?", 4, "maths", 3, "ana"],
            [12, "Pick the vowel: (A) b (B) e", "B", "english", 3, None],
        ],
    )
    result = import_file(db, path)
    assert (result.dataset, result.added) == ("exam", 2)
    p = get_problem(db, "exam", "11")
    assert (p.text, p.reference, p.subject, p.max_points) == ("What is 2+2?", "4", "maths", 3.0)
    assert p.meta == {"Reviewer": "ana"}
    assert get_problem(db, "exam", "12").meta == {}


def test_xlsx_first_sheet_with_a_question_header_is_used(db, tmp_path):
    path = xlsx(
        tmp_path / "book.xlsx",
        [["notes"], ["nothing to see"]],
        sheets={"problems": [["question", "answer"], ["1+1?", 2]]},
    )
    assert import_file(db, path).added == 1
    assert get_problem(db, "book", "1").reference == "2"


def test_csv_semicolons_bom_and_multiline_cells(db, tmp_path):
    path = tmp_path / "semi.csv"
    text = 'id;question;answer;kind\n1;"Line one\nline two; still the question";A,D;multi\n2;Plain;7;int\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = import_file(db, path)
    assert result.added == 2 and result.warnings == ()
    one = get_problem(db, "semi", "1")
    assert one.text == "Line one\nline two; still the question"
    assert (one.reference, one.kind) == ("A,D", "choice_multi")
    assert get_problem(db, "semi", "2").kind == "integer"


def test_csv_single_column_of_questions_is_a_proof_set(db, tmp_path):
    path = tmp_path / "proofs.csv"
    path.write_text(
        'Questions\n"Prove that 2 is even, and that 3 is odd."\nShow there are infinitely many primes.\n'
    )
    result = import_file(db, path)
    assert result.added == 2
    assert {(p.reference, p.kind) for p in list_problems(db, "proofs")} == {(None, "proof")}


def test_csv_in_windows_1252_imports_with_a_warning(db, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("question,answer\nCafé cost € 5?,5\n".encode("cp1252"))
    result = import_file(db, path)
    assert result.added == 1
    assert any("Windows-1252" in w for w in result.warnings)
    assert get_problem(db, "legacy", "1").text == "Café cost € 5?"


def test_jsonl_and_json_forms(db, tmp_path):
    (tmp_path / "a.jsonl").write_text(
        '{"key": "x1", "text": "1+1?", "reference": 2, "kind": "integer", "max_points": 4}\n'
        "\n"
        '{"key": "x2", "text": "Name a prime", "reference": ["2", "3"], "extra": {"k": 1}}\n'
    )
    (tmp_path / "b.json").write_text(json.dumps([{"question": "q1", "answer": "A"}]))
    (tmp_path / "c.json").write_text(
        json.dumps({"problems": [{"problem": "q2", "solution": "x^2"}]})
    )
    a = import_file(db, tmp_path / "a.jsonl")
    assert (a.added, a.skipped) == (2, 1)  # the blank line is skipped and counted
    x1 = get_problem(db, "a", "x1")
    assert (x1.reference, x1.kind, x1.max_points) == ("2", "integer", 4.0)
    x2 = get_problem(db, "a", "x2")
    assert (x2.text, x2.reference, x2.meta) == ("Name a prime", "2,3", {"extra": {"k": 1}})
    assert import_file(db, tmp_path / "b.json").added == 1
    assert import_file(db, tmp_path / "c.json").added == 1
    assert get_problem(db, "c", "1").reference == "x^2"


def test_empty_rows_are_skipped_and_counted(db, tmp_path):
    path = xlsx(
        tmp_path / "gaps.xlsx",
        [
            ["question", "answer"],
            ["q1", 1],
            [None, None],
            ["", "  "],
            ["q4", 4],
            [None, None],
            [None],
        ],
    )
    result = import_file(db, path)
    assert (result.added, result.skipped) == (2, 2)  # trailing blank rows are not data
    assert [p.key for p in list_problems(db, "gaps")] == ["1", "4"]  # keys are row positions


def test_row_without_question_and_duplicate_keys_are_skipped_with_warnings(db, tmp_path):
    path = tmp_path / "dups.csv"
    path.write_text("id,question,answer\n1,first,1\n1,again,2\n2,,3\n3,third,\n")
    result = import_file(db, path)
    assert (result.added, result.skipped) == (2, 2)
    assert any(
        "key '1' already used in row 2" in w and w.startswith("row 3") for w in result.warnings
    )
    assert any(w.startswith("row 4") and "no question" in w for w in result.warnings)
    assert any("no reference answer" in w for w in result.warnings)
    assert get_problem(db, "dups", "1").text == "first"


def test_unknown_kind_warns_and_leaves_the_kind_to_the_grader(db, tmp_path):
    path = tmp_path / "kinds.csv"
    path.write_text("question,answer,kind\nq,1,weird\n")
    result = import_file(db, path)
    assert get_problem(db, "kinds", "1").kind is None
    assert any("unknown kind 'weird'" in w for w in result.warnings)


def test_reimport_updates_changed_rows_and_keeps_the_rest(db, tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("id,question,answer\na,q a,1\nb,q b,2\n")
    import_file(db, path)
    path.write_text("id,question,answer\na,q a,1\nb,q b (fixed),3\nc,q c,4\n")
    result = import_file(db, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)
    assert count(db) == 3
    assert get_problem(db, "set", "b").reference == "3"


def test_dataset_name_override_and_colon_refused(db, tmp_path):
    path = tmp_path / "file.csv"
    path.write_text("question,answer\nq,1\n")
    assert import_file(db, path, dataset="jee-2024").dataset == "jee-2024"
    assert get_problem(db, "jee-2024", "1") is not None
    with pytest.raises(ImportProblem, match="may not contain ':'"):
        import_file(db, path, dataset="a:b")


@pytest.mark.parametrize("name", ["../etc", "a/b", "a\\b", "..", "x..y"])
def test_a_dataset_name_that_reads_as_a_path_is_refused(db, tmp_path, name):
    path = tmp_path / "file.csv"
    path.write_text("question,answer\nq,1\n")
    with pytest.raises(ImportProblem, match="may not contain '/'"):
        import_file(db, path, dataset=name)
    assert count(db) == 0


def test_a_file_name_with_dots_gives_a_dataset_name_fit_for_file_names(db, tmp_path):
    path = tmp_path / "v1..2.csv"
    path.write_text("question,answer\nq,1\n")
    assert import_file(db, path).dataset == "v1-2"


# ---- bad files: one clear line, nothing imported -------------------------------------------


def _bad_files(tmp: Path) -> list[tuple[Path, str]]:
    cases = {
        "noquestion.csv": (b"name,answer\nx,1\n", "no question column"),
        "allempty.csv": (b"question,answer\n,\n  ,  \n,\n", "no problems found"),
        "bytes.csv": (b"question,answer\nq\x81\x8d\x90,1\n", "undecodable bytes"),
        "noise.xlsx": (bytes(range(256)) * 4, "is not an .xlsx workbook"),
        "reallytext.xlsx": (b"question,answer\nq,1\n", "is text, not an .xlsx workbook"),
        "brokenzip.xlsx": (b"PK\x03\x04" + b"\x00" * 100, "not a readable .xlsx workbook"),
        "old.xls": (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls format is not supported"),
        "broken.json": (
            b'[\n  {"question": "q", "answer": 1},\n  {"question": "r", answer: 2}\n]\n',
            "line 3: invalid JSON",
        ),
        "broken.jsonl": (b'{"question": "q"}\n{"question": "r"\n', "line 2: invalid JSON"),
        "scalar.json": (b'{"question": "q"}', "expected a list of objects"),
        "strings.json": (b'["a", "b"]', "item 1: expected an object"),
        "empty.csv": (b"", "the file is empty"),
        "binary.csv": (b"question\x00answer\x00\n", "binary file"),
        "notes.txt": (b"question\nq\n", "unsupported file type '.txt'"),
    }
    out = []
    for name, (data, message) in cases.items():
        (tmp / name).write_bytes(data)
        out.append((tmp / name, message))
    return out


def test_each_bad_file_raises_one_line_naming_it_and_imports_nothing(db, tmp_path):
    for path, message in _bad_files(tmp_path):
        with pytest.raises(ImportProblem) as info:
            import_file(db, path)
        text = str(info.value)
        assert text.startswith(path.name + ": "), text
        assert message in text, text
        assert "\n" not in text
    assert count(db) == 0
    assert count(db, "select count(*) from datasets") == 0


def test_missing_file_and_folder_are_clear(db, tmp_path):
    with pytest.raises(ImportProblem, match="no such file"):
        import_file(db, tmp_path / "nope.csv")
    with pytest.raises(ImportProblem, match="is a folder"):
        import_file(db, tmp_path)


def test_a_bad_reimport_leaves_the_previous_import_untouched(db, tmp_path):
    path = tmp_path / "keep.json"
    path.write_text(json.dumps([{"question": "q", "answer": "1"}]))
    import_file(db, path)
    path.write_text('[{"question": "q", "answer": "2"},')
    with pytest.raises(ImportProblem):
        import_file(db, path)
    assert get_problem(db, "keep", "1").reference == "1"


# ---- bundled sets ---------------------------------------------------------------------------


def test_bundled_sets_load_once_and_are_listed_as_bundled(db):
    first = ensure_bundled(db)
    names = {r.dataset for r in first}
    assert {"ponder-mixed", "ponder-proofs"} <= names
    assert all(r.added > 0 and not r.warnings for r in first)
    assert ensure_bundled(db) == []  # it runs at every CLI start: nothing to do the second time
    listed = {d["name"]: d for d in list_datasets(db)}
    assert listed["ponder-mixed"]["source"] == "bundled"
    assert listed["ponder-mixed"]["problems"] == sum(
        1 for _ in (REPO_DATA / "ponder-mixed.jsonl").open()
    )


def test_changed_bundled_file_reloads_and_a_user_set_of_the_same_name_wins(
    db, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(REPO_DATA / "ponder-proofs.jsonl", data / "ponder-proofs.jsonl")
    (data / "mine.jsonl").write_text('{"key": "1", "text": "bundled q", "reference": "1"}\n')
    monkeypatch.setattr(problems_mod, "bundled_data_dir", lambda: data)
    ensure_bundled(db)
    with (data / "ponder-proofs.jsonl").open("a") as f:
        f.write('{"key": "99", "text": "Prove something new.", "kind": "proof"}\n')
    again = ensure_bundled(db)
    assert [(r.dataset, r.added) for r in again] == [("ponder-proofs", 1)]
    user = tmp_path / "mine.csv"
    user.write_text("question,answer\nuser q,2\n")
    import_file(db, user)
    (data / "mine.jsonl").write_text('{"key": "1", "text": "bundled q v2", "reference": "1"}\n')
    assert ensure_bundled(db) == []
    assert get_problem(db, "mine", "1").text == "user q"
    assert {d["name"]: d["source"] for d in list_datasets(db)}["mine"] == "imported"


def test_list_problems_in_natural_key_order_and_missing_problem_is_none(db, tmp_path):
    path = tmp_path / "order.csv"
    path.write_text("id,question\n10,ten\n2,two\n1,one\n")
    import_file(db, path)
    assert [p.key for p in list_problems(db, "order")] == ["1", "2", "10"]
    assert get_problem(db, "order", "3") is None
    assert get_problem(db, "nope", "1") is None


def test_a_second_answer_column_is_kept_in_meta_with_a_warning(db, tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("question,answer,solution\nq,4,Because 2+2 is 4.\n")
    result = import_file(db, path)
    p = get_problem(db, "two", "1")
    assert (p.reference, p.meta) == ("4", {"solution": "Because 2+2 is 4."})
    assert result.warnings == ("column 'solution' kept in meta: 'answer' is the answer column",)
