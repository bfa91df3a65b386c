"""The real reference formats of the seed spreadsheet (47 JEE Advanced / UPSC questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import grade, infer_kind
from graders.choice import reference_letters
from graders.numeric import parse_number

SEED = Path(__file__).resolve().parents[3] / "shared/data/seed/experiment-o1.xlsx"


def _rows() -> list[tuple[str, str, list[str]]]:
    if not SEED.exists():
        return []
    import openpyxl

    wb = openpyxl.load_workbook(SEED, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    out = []
    for row in rows[1:]:
        if row[0] is None or row[1] is None:
            continue
        reference = (
            str(int(row[1])) if isinstance(row[1], float) and row[1].is_integer() else str(row[1])
        )
        out.append((str(row[0]), reference, [str(c) for c in row[2:] if c]))
    return out


ROWS = _rows()
pytestmark = pytest.mark.skipif(not ROWS, reason=f"seed spreadsheet not found at {SEED}")


def _expected_family(reference: str) -> set[str]:
    first = reference.split(" or ")[0]
    if reference_letters(first):
        return {"choice_single", "choice_multi"}
    if parse_number(first) is not None:
        return {"integer", "numeric"}
    return {"expression", "text"}


def test_the_seed_has_47_questions() -> None:
    assert len(ROWS) == 47


@pytest.mark.parametrize(("question", "reference"), [(q, r) for q, r, _ in ROWS])
def test_every_seed_reference_infers_a_sensible_kind(question: str, reference: str) -> None:
    kind = infer_kind(reference, question)
    assert kind in _expected_family(reference)
    letters = reference_letters(reference)
    if letters and len(letters) > 1:
        assert kind == "choice_multi"


@pytest.mark.parametrize(("question", "reference"), [(q, r) for q, r, _ in ROWS])
def test_every_seed_reference_graded_against_itself_is_full(question: str, reference: str) -> None:
    g = grade(answer=reference, reference=reference, question=question)
    assert (g.verdict, g.score) == ("full", 1.0), g.reason
    if g.kind.startswith("choice"):
        assert g.points == g.max_points


@pytest.mark.parametrize(("question", "reference"), [(q, r) for q, r, _ in ROWS])
def test_a_dcot_response_ending_in_the_reference_is_full(question: str, reference: str) -> None:
    answer = reference.split(" or ")[0]
    response = (
        "<thinking>Read the problem; options (A) to (D) are discussed below.</thinking>\n"
        "<step>Option (A) gives 12.5 and option (B) gives 3; neither is final yet.</step>\n"
        "<reflection>Checked units.</reflection><reward>0.8</reward>\n"
        f"<answer>The final answer is {answer}.</answer>\n"
        "<reflection>Consistent.</reflection><reward>0.9</reward>"
    )
    assert grade(answer=response, reference=reference, question=question).verdict == "full"


@pytest.mark.parametrize(("question", "reference"), [(q, r) for q, r, _ in ROWS])
def test_a_wrong_answer_to_a_seed_question_is_not_full(question: str, reference: str) -> None:
    if "anything" in reference:
        pytest.skip("a bonus question: every answer gets the marks")
    letters = reference_letters(reference)
    if letters:
        wrong = next(c for c in "ABCD" if c not in letters)
        answer = f"The correct option is ({wrong})."
    else:
        number = parse_number(reference.split(" or ")[0])
        assert number is not None
        answer = f"Hence the value is {number.value + 7}."
    assert grade(answer=answer, reference=reference, question=question).verdict == "zero"


def test_seed_rows_judged_partially_correct_have_multi_choice_references() -> None:
    partial = [(q, r) for q, r, verdicts in ROWS if any("partial" in v.lower() for v in verdicts)]
    assert partial
    for question, reference in partial:
        assert infer_kind(reference, question) == "choice_multi"


def test_a_strict_subset_of_a_seed_multi_answer_earns_partial_marks() -> None:
    multi = [(q, r) for q, r, _ in ROWS if infer_kind(r, q) == "choice_multi"]
    for question, reference in multi:
        letters = reference_letters(reference)
        assert letters is not None
        if len(letters) < 2:
            continue
        g = grade(answer=f"Answer: {letters[0]}", reference=reference, question=question)
        assert (g.verdict, g.score, g.points) == ("partial", 0.25, 1.0), g.reason
