"""Published benchmark sets imported as they are published, recognised by their fields.

Each file here is a few items written for these tests in the set's own field names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from store_helpers import add_run

from graders import grade
from ponder.launch import main
from store.importers.published import last_boxed
from store.problems import ImportProblem, get_problem, import_file, list_problems


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def write_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, indent=1))
    return path


def write_parquet(path: Path, items: list[dict[str, Any]]) -> Path:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    pq.write_table(pa.Table.from_pylist(items), path)
    return path


# ---- one small file per format --------------------------------------------------------------

JEEBENCH = [
    {
        "description": "JEE Adv 2019 Paper 1",
        "index": 3,
        "subject": "phy",
        "type": "MCQ",
        "question": "A block slides down a smooth incline of angle 30 deg. Its acceleration is"
        " (A) g (B) g/2 (C) g/3 (D) 2g",
        "gold": "B",
    },
    {
        "description": "JEE Adv 2019 Paper 1",
        "index": 7,
        "subject": "chem",
        "type": "MCQ(multiple)",
        "question": "Which of the following are noble gases? (A) He (B) N (C) Ne (D) Ar",
        "gold": "ACD",
    },
    {
        "description": "JEE Adv 2019 Paper 1",
        "index": 8,
        "subject": "math",
        "type": "MCQ(multiple)",
        "question": "Which of these numbers are prime? (A) 4 (B) 9 (C) 13 (D) 15",
        "gold": "C",
    },
    {
        "description": "JEE Adv 2019 Paper 2",
        "index": 3,
        "subject": "math",
        "type": "Integer",
        "question": "How many positive divisors does 36 have?",
        "gold": "9",
    },
    {
        "description": "JEE Adv 2019 Paper 2",
        "index": 12,
        "subject": "phy",
        "type": "Numeric",
        "question": "A 2 kg mass moves at 1.5 m/s. What is its kinetic energy in joules?",
        "gold": "2.25",
    },
]

MATH = [
    {
        "problem": "What is $\\frac{1}{2} + \\frac{1}{4}$?",
        "level": "Level 1",
        "type": "Prealgebra",
        "solution": "Over a common denominator, $\\frac{2}{4} + \\frac{1}{4} = \\boxed{\\frac{3}{4}}$.",
    },
    {
        "problem": "Find all real $x$ with $x^2 = 4$.",
        "level": "Level 2",
        "type": "Algebra",
        "solution": "Taking square roots, $x = \\pm 2$, so the set is $\\boxed{\\{-2, 2\\}}$.",
    },
    {
        "problem": "What is $7 \\cdot 6$?",
        "level": "Level 1",
        "type": "Prealgebra",
        "solution": "First $7 \\cdot 5 = \\boxed{35}$ is wrong; in fact $7 \\cdot 6 = \\boxed{42}$.",
    },
]

MATH500 = [
    {
        "problem": "Convert the point $(0,3)$ in rectangular coordinates to polar coordinates.",
        "solution": "The radius is 3 and the angle is $\\frac{\\pi}{2}$, so the answer is"
        " $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$.",
        "answer": "\\left( 3, \\frac{\\pi}{2} \\right)",
        "subject": "Precalculus",
        "level": 2,
        "unique_id": "test/precalculus/807.json",
    },
    {
        "problem": "What is the remainder when 100 is divided by 7?",
        "solution": "$100 = 14 \\cdot 7 + 2$, so the remainder is $\\boxed{2}$.",
        "answer": "2",
        "subject": "Number Theory",
        "level": 1,
        "unique_id": "test/number_theory/12.json",
    },
]

GSM8K = [
    {
        "question": "A baker makes 12 rolls an hour for 5 hours. How many rolls does she make?",
        "answer": "She makes 12*5 = <<12*5=60>>60 rolls.\n#### 60",
    },
    {
        "question": "Tom has 3 bags of 1,000 marbles. How many marbles does he have?",
        "answer": "He has 3*1000 = <<3*1000=3000>>3000 marbles.\n#### 3,000",
    },
    {
        "question": "A rope of 7 m is cut in half. How long is each piece?",
        "answer": "Each piece is 7/2 = <<7/2=3.5>>3.5 m.\n#### 3.5",
    },
]

AIME = [
    {
        "ID": "2021-I-4",
        "Problem": "Find the number of ordered pairs of positive integers $(a, b)$ with $a + b = 20$.",
        "Solution": "Any $a$ from 1 to 19 works, so there are $\\boxed{019}$ pairs.",
        "Answer": 19,
    },
    {
        "ID": "2021-II-1",
        "Problem": "What is the remainder when $2^{10}$ is divided by 1000?",
        "Solution": "$2^{10} = 1024$, which leaves $\\boxed{024}$.",
        "Answer": "024",
    },
]

OLYMPIADBENCH = [
    {
        "id": 2231,
        "question": "Find all positive integers $n$ such that $n^2 - 5n + 6 = 0$.",
        "solution": ["Factor: $(n-2)(n-3) = 0$.", "So $n = 2$ or $n = 3$."],
        "final_answer": ["$2$, $3$"],
        "context": None,
        "image_1": None,
        "modality": "Text-only",
        "difficulty": "Competition",
        "is_multiple_answer": True,
        "unit": None,
        "answer_type": "Numerical",
        "error": None,
        "question_type": "Open-ended",
        "subfield": "Algebra",
        "subject": "Math",
        "language": "English",
    },
    {
        "id": 1500,
        "question": "How fast does the ball hit the ground?",
        "solution": ["Energy conservation gives $v = \\sqrt{2gh} = 9.9$."],
        "final_answer": ["$9.9$"],
        "context": "A ball is dropped from a height of 5 m, with $g = 9.8$ m/s$^2$.",
        "image_1": None,
        "modality": "Text-only",
        "difficulty": "Competition",
        "is_multiple_answer": False,
        "unit": "m/s",
        "answer_type": "Numerical",
        "error": "0.1",
        "question_type": "Open-ended",
        "subfield": "Mechanics",
        "subject": "Physics",
        "language": "English",
    },
    {
        "id": 1601,
        "question": "Give the interval on which $x^2 < 1$.",
        "solution": ["Both roots are $\\pm 1$."],
        "final_answer": ["$(-1,1)$"],
        "context": None,
        "image_1": None,
        "modality": "Text-only",
        "difficulty": "Competition",
        "is_multiple_answer": False,
        "unit": None,
        "answer_type": "Interval",
        "error": None,
        "question_type": "Open-ended",
        "subfield": "Algebra",
        "subject": "Math",
        "language": "English",
    },
    {
        "id": 1700,
        "question": "Prove that there are infinitely many primes.",
        "solution": ["Euclid's argument."],
        "final_answer": None,
        "context": None,
        "image_1": None,
        "modality": "Text-only",
        "difficulty": "Competition",
        "is_multiple_answer": False,
        "unit": None,
        "answer_type": None,
        "error": None,
        "question_type": "Theorem proof",
        "subfield": "Number Theory",
        "subject": "Math",
        "language": "English",
    },
]

OMNI_MATH = [
    {
        "domain": ["Mathematics -> Algebra -> Intermediate Algebra -> Inequalities"],
        "difficulty": 5.0,
        "problem": "Find the least value of $x + \\frac{1}{x}$ for $x > 0$.",
        "solution": "By AM-GM, $x + 1/x \\geq 2$, with equality at $x = 1$.",
        "answer": "$2$",
        "source": "china_national_olympiad",
    },
    {
        "domain": ["Mathematics -> Geometry -> Plane Geometry -> Triangulations"],
        "difficulty": 6.5,
        "problem": "What is the area of a triangle with sides 3, 4 and 5 divided by its perimeter?",
        "solution": "The area is 6 and the perimeter 12.",
        "answer": "\\frac{1}{2}",
        "source": "imo_longlists",
    },
]


# (format, file name, writer, items, recognised as, [(key or None for a hash, kind, reference)])
CASES = [
    (
        "jeebench",
        "dataset.json",
        write_json,
        JEEBENCH,
        "jeebench",
        [
            ("jee-adv-2019-paper-1-q3", "choice_single", "B"),
            ("jee-adv-2019-paper-1-q7", "choice_multi", "A,C,D"),
            ("jee-adv-2019-paper-1-q8", "choice_multi", "C"),
            ("jee-adv-2019-paper-2-q3", "integer", "9"),
            ("jee-adv-2019-paper-2-q12", "numeric", "2.25"),
        ],
    ),
    (
        "math",
        "math_test.jsonl",
        write_jsonl,
        MATH,
        "math",
        [
            (None, "expression", "\\frac{3}{4}"),
            (None, "expression", "\\{-2, 2\\}"),
            (None, "integer", "42"),  # the last box of the solution
        ],
    ),
    (
        "math500",
        "math500.jsonl",
        write_jsonl,
        MATH500,
        "math",
        [
            ("test/precalculus/807.json", "expression", "\\left( 3, \\frac{\\pi}{2} \\right)"),
            ("test/number_theory/12.json", "integer", "2"),
        ],
    ),
    (
        "gsm8k",
        "gsm8k_test.jsonl",
        write_jsonl,
        GSM8K,
        "gsm8k",
        [(None, "integer", "60"), (None, "integer", "3,000"), (None, "numeric", "3.5")],
    ),
    (
        "aime",
        "aime_2021.json",
        lambda path, items: write_json(path, {"data": items}),
        AIME,
        "aime",
        [("2021-I-4", "integer", "19"), ("2021-II-1", "integer", "24")],
    ),
    (
        "olympiadbench",
        "OE_TO_maths_en_COMP.json",
        write_json,
        OLYMPIADBENCH,
        "olympiadbench",
        [
            ("2231", "expression", "\\{2, 3\\}"),  # several answers, in any order: a set
            ("1500", "numeric", "9.9"),
            ("1601", "expression", "(-1,1)"),
            ("1700", "proof", None),
        ],
    ),
    (
        "omni-math",
        "omni_math.jsonl",
        write_jsonl,
        OMNI_MATH,
        "omni-math",
        [(None, "integer", "2"), (None, "expression", "\\frac{1}{2}")],
    ),
    (
        "gsm8k-parquet",
        "gsm8k_test.parquet",
        write_parquet,
        GSM8K,
        "gsm8k",
        [(None, "integer", "60"), (None, "integer", "3,000"), (None, "numeric", "3.5")],
    ),
    (
        "jeebench-rows",
        "jee.json",
        lambda path, items: write_json(path, {"rows": items}),
        JEEBENCH[:1],
        "jeebench",
        [("jee-adv-2019-paper-1-q3", "choice_single", "B")],
    ),
]


def _text_of(item: dict[str, Any]) -> str:
    return next(item[f] for f in ("question", "problem", "Problem") if f in item)


@pytest.mark.parametrize(
    ("name", "file", "write", "items", "fmt", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_each_published_format_is_recognised_with_its_keys_kinds_and_references(
    db, tmp_path, name, file, write, items, fmt, expected
):
    result = import_file(db, write(tmp_path / file, items))
    assert (result.format, result.added, result.skipped) == (fmt, len(items), 0)
    assert result.recognised.startswith(f"{result.format_label} (fields ")
    stored = list_problems(db, result.dataset)
    for item, (key, kind, reference) in zip(items, expected, strict=True):
        p = next(p for p in stored if p.text.endswith(_text_of(item)))
        if key is None:  # a set without ids: a stable hash of the question
            assert len(p.key) == 12 and int(p.key, 16) >= 0
        else:
            assert p.key == key
        assert (p.kind, p.reference) == (kind, reference)


def test_reimport_of_the_same_file_changes_nothing_in_any_format(db, tmp_path):
    for name, file, write, items, _, _ in CASES:
        path = write(tmp_path / file, items)
        first = import_file(db, path, name)
        before = db.conn.execute("select * from problems where dataset = ? order by id", [name])
        rows = before.fetchall()
        again = import_file(db, path, name)
        assert (again.added, again.updated, again.unchanged) == (0, 0, first.added), name
        after = db.conn.execute("select * from problems where dataset = ? order by id", [name])
        assert after.fetchall() == rows, name


# ---- what each format implies ---------------------------------------------------------------


def test_jeebench_multiple_correct_items_are_choice_multi_graded_with_jee_marks(db, tmp_path):
    result = import_file(db, write_json(tmp_path / "dataset.json", JEEBENCH))
    assert not result.warnings  # no "unknown kind" for MCQ(multiple)
    noble = get_problem(db, "dataset", "jee-adv-2019-paper-1-q7")
    assert (noble.kind, noble.max_points, noble.subject) == ("choice_multi", 4.0, "chemistry")
    assert noble.source == "JEE Adv 2019 Paper 1"
    partial = grade("The answer is (A) and (D)", noble.reference, noble.kind, noble.text)
    assert (partial.verdict, partial.points, partial.max_points) == ("partial", 2.0, 4.0)
    wrong = grade("(A), (B)", noble.reference, noble.kind, noble.text)
    assert (wrong.verdict, wrong.points) == ("zero", -2.0)
    # One correct option, of a multiple-correct question: still graded as multiple-correct.
    prime = get_problem(db, "dataset", "jee-adv-2019-paper-1-q8")
    full = grade("(C)", prime.reference, prime.kind, prime.text)
    assert (full.verdict, full.points, full.max_points) == ("full", 4.0, 4.0)
    single = get_problem(db, "dataset", "jee-adv-2019-paper-1-q3")
    assert (single.kind, single.max_points) == ("choice_single", 3.0)


def test_math_keeps_the_worked_solution_for_graders_and_the_judge(db, tmp_path):
    import_file(db, write_jsonl(tmp_path / "m.jsonl", MATH500))
    p = get_problem(db, "m", "test/precalculus/807.json")
    assert p.solution is not None and "\\boxed{\\left( 3" in p.solution
    assert (p.subject, p.meta["level"]) == ("Precalculus", 2)
    import_file(db, write_jsonl(tmp_path / "h.jsonl", MATH))
    first = next(q for q in list_problems(db, "h") if "common denominator" in (q.solution or ""))
    assert (first.subject, first.meta["level"]) == ("Prealgebra", "Level 1")


def test_gsm8k_reference_is_what_follows_the_hashes_and_the_working_is_the_solution(db, tmp_path):
    import_file(db, write_jsonl(tmp_path / "g.jsonl", GSM8K))
    p = next(q for q in list_problems(db, "g") if q.text.startswith("A baker"))
    assert p.reference == "60"
    assert p.solution == "She makes 12*5 = <<12*5=60>>60 rolls."
    assert grade("So she bakes 60 rolls.", p.reference, p.kind).verdict == "full"


def test_olympiadbench_context_unit_tolerance_and_a_multiple_answer_in_any_order(db, tmp_path):
    import_file(db, write_json(tmp_path / "ob.json", OLYMPIADBENCH))
    ball = get_problem(db, "ob", "1500")
    assert ball.text.startswith("A ball is dropped") and ball.text.endswith("hit the ground?")
    assert (ball.meta["unit"], ball.meta["error"], ball.subject) == ("m/s", "0.1", "Mechanics")
    assert ball.solution == "Energy conservation gives $v = \\sqrt{2gh} = 9.9$."
    roots = get_problem(db, "ob", "2231")
    assert grade("\\boxed{3, 2}", roots.reference, roots.kind).verdict == "full"
    assert grade("\\boxed{2}", roots.reference, roots.kind).verdict != "full"


def test_olympiadbench_answers_listed_apart_are_alternatives(db, tmp_path):
    item = dict(OLYMPIADBENCH[1], id=9, final_answer=["$9.9$", "$10$"], error=None)
    import_file(db, write_json(tmp_path / "alt.json", [item]))
    p = get_problem(db, "alt", "9")
    assert p.reference == "9.9 or 10" and p.meta["final_answer"] == ["9.9", "10"]
    assert grade("\\boxed{10}", p.reference, p.kind).verdict == "full"


def test_omni_math_subject_source_and_difficulty(db, tmp_path):
    import_file(db, write_jsonl(tmp_path / "o.jsonl", OMNI_MATH))
    p = next(q for q in list_problems(db, "o") if q.reference == "2")
    assert p.subject == "Algebra -> Intermediate Algebra -> Inequalities"
    assert (p.source, p.meta["difficulty"]) == ("china_national_olympiad", 5.0)
    assert p.solution.startswith("By AM-GM")


@pytest.mark.parametrize(
    ("solution", "boxed"),
    [
        ("so $\\boxed{\\frac{3}{4}}$.", "\\frac{3}{4}"),
        ("$\\boxed{\\{1, 2\\}}$", "\\{1, 2\\}"),
        ("$\\boxed{\\frac{\\sqrt{2}}{2}}$ and more text", "\\frac{\\sqrt{2}}{2}"),
        ("first \\boxed{1}, then \\boxed{2}", "2"),
        ("the answer is $\\boxed 5$.", "5"),
        ("\\fbox{7}", "7"),
        ("\\boxed{\\text{(C)}}", "\\text{(C)}"),
        ("unclosed \\boxed{\\frac{1}{2}", None),
        ("no box at all", None),
    ],
)
def test_last_boxed_answer_of_a_solution(solution, boxed):
    assert last_boxed(solution) == boxed


# ---- keys: the set's own ids, re-imports in place -------------------------------------------


def test_an_updated_file_updates_in_place_and_runs_stay_linked(db, tmp_path):
    path = write_json(tmp_path / "dataset.json", JEEBENCH)
    import_file(db, path)
    before = get_problem(db, "dataset", "jee-adv-2019-paper-2-q3")
    add_run(db, before.id, None)
    # The publisher fixes a gold answer and puts a new question first: nothing shifts.
    new = dict(JEEBENCH[0], index=1, question="A new first question (A) 1 (B) 2", gold="A")
    fixed = [new, *JEEBENCH[:3], dict(JEEBENCH[3], gold="8"), JEEBENCH[4]]
    write_json(path, fixed)
    result = import_file(db, path)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 4)
    after = get_problem(db, "dataset", "jee-adv-2019-paper-2-q3")
    assert (after.id, after.reference) == (before.id, "8")
    linked = db.conn.execute("select p.key from runs r join problems p on p.id = r.problem_id")
    assert linked.fetchone()[0] == "jee-adv-2019-paper-2-q3"


def test_a_set_without_ids_keeps_its_keys_when_items_move_or_answers_change(db, tmp_path):
    path = write_jsonl(tmp_path / "gsm.jsonl", GSM8K)
    import_file(db, path)
    listed = [p.text for p in list_problems(db, "gsm")]
    assert listed == [item["question"] for item in GSM8K]  # in the file's order, not the hashes'
    keys = {p.text: (p.id, p.key) for p in list_problems(db, "gsm")}
    moved = [dict(GSM8K[2], answer="Each piece is 3.5 m.\n#### 3.5"), GSM8K[0], GSM8K[1]]
    result = import_file(db, write_jsonl(path, moved))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    assert {p.text: (p.id, p.key) for p in list_problems(db, "gsm")} == keys


def test_the_same_question_twice_is_imported_once_with_a_warning(db, tmp_path):
    result = import_file(db, write_jsonl(tmp_path / "dup.jsonl", [*GSM8K, GSM8K[0]]))
    assert (result.added, result.skipped) == (3, 1)
    assert len(result.warnings) == 1 and result.warnings[0].startswith("line 4: key ")


# ---- grouped warnings -----------------------------------------------------------------------


def test_warnings_of_one_kind_are_one_line_with_a_count_and_the_first_items(db, tmp_path):
    items = [dict(JEEBENCH[1], index=i, type="MCQ(matrix)") for i in range(1, 8)]
    items += [dict(JEEBENCH[0], index=20 + i, gold=None) for i in range(2)]
    result = import_file(db, write_json(tmp_path / "weird.json", items))
    assert result.added == 9
    assert result.warnings == (
        "unknown JEEBench type 'MCQ(matrix)'; the grader will infer the kind:"
        " 7 items (item 1, item 2, item 3, …)",
        "no gold answer: imported without a reference: 2 items (item 8, item 9)",
    )


def test_unknown_kinds_in_a_sheet_are_grouped_too(db, tmp_path):
    path = tmp_path / "kinds.csv"
    path.write_text("question,answer,kind\n" + "".join(f"q{i},1,weird\n" for i in range(50)))
    result = import_file(db, path)
    assert result.warnings == (
        "unknown kind 'weird'; the grader will infer it: 50 rows (row 2, row 3, row 4, …)",
    )


def test_a_table_without_an_answer_column_says_so_and_names_the_columns_used(db, tmp_path):
    path = tmp_path / "exam.csv"
    path.write_text("Q.No,Problem,Topic\n1,Show that 2 is prime.,numbers\n2,Find 3+4.,sums\n")
    result = import_file(db, path)
    assert result.added == 2 and result.format == "columns"
    (line,) = result.warnings
    assert line.startswith("no answer column found: problems imported without references")
    assert "question 'Problem'" in line and "key 'Q.No'" in line and "subject 'Topic'" in line


def test_a_gsm8k_item_without_its_final_line_is_kept_without_a_reference(db, tmp_path):
    items = [*GSM8K, {"question": "How many legs has a cat?", "answer": "Four legs."}]
    result = import_file(db, write_jsonl(tmp_path / "g.jsonl", items))
    assert result.format == "gsm8k" and result.added == 4
    assert result.warnings == ("line 4: no '#### answer' line: imported without a reference",)
    cat = next(p for p in list_problems(db, "g") if "cat" in p.text)
    assert (cat.reference, cat.solution) == (None, "Four legs.")


def test_olympiadbench_images_are_a_warning_and_not_imported(db, tmp_path):
    items = [dict(OLYMPIADBENCH[1], id=i, image_1="figure.png") for i in range(4)]
    result = import_file(db, write_json(tmp_path / "img.json", items))
    assert result.warnings == (
        "has images, which are not imported: the text alone is asked:"
        " 4 items (item 1, item 2, item 3, …)",
    )
    assert "image_1" not in get_problem(db, "img", "0").meta


# ---- containers -----------------------------------------------------------------------------


def test_parquet_without_pyarrow_is_one_line_saying_what_to_install(db, tmp_path, monkeypatch):
    path = write_parquet(tmp_path / "g.parquet", GSM8K)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportProblem) as info:
        import_file(db, path)
    assert str(info.value).startswith("g.parquet: reading .parquet needs pyarrow")
    assert "\n" not in str(info.value)


def test_a_broken_parquet_file_is_one_line(db, tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 64 + b"PAR1")
    with pytest.raises(ImportProblem, match=r"^bad.parquet: is not a readable Parquet file"):
        import_file(db, path)
    (tmp_path / "text.parquet").write_text("question,answer\n")
    with pytest.raises(ImportProblem, match="is not a Parquet file"):
        import_file(db, tmp_path / "text.parquet")


def test_a_json_object_keeps_its_list_under_data_problems_or_rows(db, tmp_path):
    for key in ("data", "problems", "rows"):
        path = write_json(tmp_path / f"{key}.json", {"version": 2, key: GSM8K})
        assert import_file(db, path).added == 3


# ---- dry run and the command line -----------------------------------------------------------


def test_dry_run_counts_and_shows_without_writing(db, tmp_path):
    path = write_json(tmp_path / "dataset.json", JEEBENCH)
    result = import_file(db, path, dry_run=True)
    assert (result.dry_run, result.added, result.format) == (True, 5, "jeebench")
    assert dict(result.kinds) == {"choice_multi": 2, "choice_single": 1, "integer": 1, "numeric": 1}
    assert [p.key for p in result.examples] == [
        "jee-adv-2019-paper-1-q3",
        "jee-adv-2019-paper-1-q7",
        "jee-adv-2019-paper-1-q8",
    ]
    assert db.conn.execute("select count(*) from problems").fetchone()[0] == 0
    assert db.conn.execute("select count(*) from datasets").fetchone()[0] == 0
    import_file(db, path)
    again = import_file(db, path, dry_run=True)
    assert (again.added, again.unchanged) == (0, 5)


def test_cli_dry_run_prints_kinds_and_examples_and_creates_no_database(capsys, tmp_path):
    path = write_json(tmp_path / "dataset.json", JEEBENCH)
    db_path = tmp_path / "fresh" / "ponder.db"
    code = main(["import", str(path), "--dry-run", "--db", str(db_path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == ("recognised: JEEBench (fields question, gold, type, description, index)")
    assert lines[1].startswith("would import into dataset: 5 problems (5 added")
    assert lines[2] == "kinds: choice_multi 2, choice_single 1, integer 1, numeric 1"
    assert lines[4].startswith("jee-adv-2019-paper-1-q3  choice_single  B")
    assert lines[-1] == "nothing written (--dry-run)"
    assert not db_path.exists()


def test_cli_datasets_shows_each_sets_format(capsys, tmp_path):
    main(["import", str(write_jsonl(tmp_path / "gsm8k.jsonl", GSM8K))])
    main(["import", str(write_json(tmp_path / "jee.json", JEEBENCH))])
    capsys.readouterr()
    assert main(["datasets"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "GSM8K" in rows["gsm8k"] and "gsm8k.jsonl" in rows["gsm8k"]
    assert "JEEBench" in rows["jee"]
    assert "columns" in rows["ponder-mixed"]
    assert main(["datasets", "--json"]) == 0
    listed = {d["name"]: d for d in json.loads(capsys.readouterr().out)}
    assert {k: listed["jee"][k] for k in ("name", "problems", "source", "format")} == {
        "name": "jee",
        "problems": 5,
        "source": "imported",
        "format": "jeebench",
    }


def test_a_sheet_that_only_looks_like_a_published_set_is_read_by_its_columns(db, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("Problem,Solution,Type\nWhat is 6*7?,42,integer\nName a prime.,2,integer\n")
    result = import_file(db, path)
    assert (result.format, result.warnings) == ("columns", ())
    assert [(p.reference, p.kind) for p in list_problems(db, "mine")] == [
        ("42", "integer"),
        ("2", "integer"),
    ]


# ---- a problem's own tolerance --------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "tolerance"),
    [
        ("0.1", 0.1),
        ("1e-2", 0.01),
        (0.5, 0.5),
        (2, 2.0),
        ("0.1,0.05", 0.05),  # one per answer: the strictest serves the whole answer
        ("0.1,", 1e-8),  # a blank one is exact, as OlympiadBench's own checker has it
        ("0", 0.0),
        (None, None),
        ("", None),
        (" , ", None),
        ("about 0.1", None),
        ("-0.1", None),
        ("inf", None),
        ("nan", None),
        (True, None),
    ],
)
def test_a_tolerance_is_read_from_the_sets_field(error, tolerance):
    from store.importers.rows import tolerance_value

    assert tolerance_value(error) == (pytest.approx(tolerance) if tolerance else tolerance)


def test_olympiadbench_tolerance_is_used_by_automatic_grading(db, tmp_path):
    """The ball's speed is 9.9 m/s with the set's own `error` 0.1: 9.95 is right there, where
    Ponder's default 0.01 would call it wrong; a problem without `error` keeps 0.01."""
    from store_helpers import add_run

    from store.grades import effective_grade
    from workbench.grading import auto_grade_pending

    exact_item = dict(OLYMPIADBENCH[1], id=1501, error=None)
    import_file(db, write_json(tmp_path / "ob.json", [OLYMPIADBENCH[1], exact_item]))
    ball, exact = get_problem(db, "ob", "1500"), get_problem(db, "ob", "1501")
    assert (ball.meta["tolerance"], ball.meta["error"], ball.kind) == (0.1, "0.1", "numeric")
    assert "tolerance" not in exact.meta
    runs = {
        (key, answer): add_run(db, p.id, answer, steps=[f"So v = \\boxed{{{answer}}} m/s."])
        for key, p in (("1500", ball), ("1501", exact))
        for answer in ("9.95", "9.9", "10.05")
    }
    counts = auto_grade_pending(db)
    assert (counts.full, counts.zero) == (3, 3)
    verdicts = {k: effective_grade(db, r).verdict for k, r in runs.items()}
    assert verdicts == {
        ("1500", "9.95"): "full",
        ("1500", "9.9"): "full",
        ("1500", "10.05"): "zero",
        ("1501", "9.95"): "zero",
        ("1501", "9.9"): "full",
        ("1501", "10.05"): "zero",
    }
    assert "≤ 0.1" in (effective_grade(db, runs[("1500", "9.95")]).note or "")


def test_any_sheets_tolerance_column_is_used_too(db, tmp_path):
    from store_helpers import add_run

    from store.grades import effective_grade
    from workbench.grading import auto_grade_pending

    sheet = tmp_path / "lab.csv"
    sheet.write_text("question,answer,Tolerance\ng in m/s^2?,9.81,0.05\nPi to 2 places?,3.14,\n")
    import_file(db, sheet)
    g_id = next(p.id for p in list_problems(db, "lab") if p.text.startswith("g in"))
    pi_id = next(p.id for p in list_problems(db, "lab") if p.text.startswith("Pi"))
    near_g, near_pi = add_run(db, g_id, "9.85"), add_run(db, pi_id, "3.16")
    auto_grade_pending(db)
    assert effective_grade(db, near_g).verdict == "full"  # within its own 0.05
    assert effective_grade(db, near_pi).verdict == "zero"  # 0.01 by default
