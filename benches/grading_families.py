"""The answer families of issue 24, read from the graders' test tables, and both checkers'
agreement and false-full count on each: shared by bench_grading.py and compare_mathverify.py.

A case is (answer, reference, question, truth): truth is whether the answer deserves full
credit, as the test table says (its expected verdict is "full"). A checker agrees when it gives
full exactly to those; a "false full" is full credit for an answer that does not deserve it.
Math-Verify runs in its own venv (benches/.mv-venv) through mathverify_driver.py; it takes no
question, so the rows that depend on one (units, order) are a handicap it has by design.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "unit"
VENV = ROOT / "benches" / ".mv-venv"
DRIVER = ROOT / "benches" / "mathverify_driver.py"

Case = tuple[str, str, str | None, bool]

# family: (test module, its tables); a table's rows are (answer, reference[, question], verdict)
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "case of symbols": ("test_graders_false_full", ("CASE_OF_SYMBOLS",)),
    "sampling domain": ("test_graders_false_full", ("SAMPLING_DOMAIN",)),
    "no answer in prose": ("test_graders_false_full", ("NO_ANSWER_IN_PROSE",)),
    "ordered lists": ("test_graders_false_full", ("ORDERED",)),
    "relations": ("test_graders_relations", ("RELATIONS",)),
    "letters": ("test_graders_letters", ("REJECTED", "OPTION_TEXT")),
    "functions": ("test_graders_functions", ("FUNCTIONS",)),
    "set operations": ("test_graders_set_ops", ("SET_OPS",)),
    "complex numbers": ("test_graders_complex", ("COMPLEX",)),
    "number formats": ("test_graders_formats", ("FORMATS",)),
    "parts and lists": ("test_graders_parts", ("PARTS",)),
    "cues, other languages": ("test_graders_cues", ("GRADED",)),
    "whole responses": ("test_graders_responses", ("RESPONSES",)),
}


def _module(name: str) -> ModuleType:
    path = TESTS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _truth(expected: object) -> bool:
    if isinstance(expected, tuple):
        return expected == ("full",)
    return expected == "full"


def _case(row: tuple[object, ...]) -> Case:
    answer, reference = str(row[0]), str(row[1])
    if len(row) == 2:  # NO_ANSWER_IN_PROSE: every row is an answer that gives no answer
        return answer, reference, None, False
    if len(row) == 3:
        return answer, reference, None, _truth(row[2])
    question = row[2] if isinstance(row[2], str) else None
    return answer, reference, question, _truth(row[3])


def family_cases() -> dict[str, list[Case]]:
    """Every family's cases, in the order of FAMILIES."""
    out: dict[str, list[Case]] = {}
    modules: dict[str, ModuleType] = {}
    for family, (module_name, tables) in FAMILIES.items():
        module = modules.setdefault(module_name, _module(module_name))
        out[family] = [_case(row) for table in tables for row in getattr(module, table)]
    return out


@dataclass(frozen=True)
class Score:
    """One checker on one family."""

    agree: int
    false_full: int
    n: int
    seconds: float


def ponder_scores(families: dict[str, list[Case]]) -> dict[str, Score]:
    """Ponder's agreement and false fulls per family (its grade, with the question)."""
    from graders import grade

    scores: dict[str, Score] = {}
    for family, cases in families.items():
        agree = false_full = 0
        started = time.perf_counter()
        for answer, reference, question, truth in cases:
            full = grade(answer, reference, question=question, timeout=10.0).verdict == "full"
            agree += full == truth
            false_full += full and not truth
        scores[family] = Score(agree, false_full, len(cases), time.perf_counter() - started)
    return scores


def math_verify_available() -> bool:
    """True when benches/.mv-venv holds Math-Verify (make bench-mathverify creates it)."""
    return (VENV / "bin" / "python").exists()


def math_verify_equal(cases: list[tuple[str, str]]) -> tuple[list[bool], list[float]]:
    """Math-Verify's verdicts on (answer, gold) pairs, and the seconds each took."""
    payload = json.dumps([[a, g] for a, g in cases])
    done = subprocess.run(
        [str(VENV / "bin" / "python"), str(DRIVER)],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    return result["equal"], result["seconds"]


def math_verify_scores(families: dict[str, list[Case]]) -> dict[str, Score]:
    """Math-Verify's agreement and false fulls per family (one driver run for all of them)."""
    flat = [(a, r) for cases in families.values() for a, r, _, _ in cases]
    equal, seconds = math_verify_equal(flat)
    scores: dict[str, Score] = {}
    i = 0
    for family, cases in families.items():
        agree = false_full = 0
        spent = 0.0
        for _, _, _, truth in cases:
            agree += equal[i] == truth
            false_full += equal[i] and not truth
            spent += seconds[i]
            i += 1
        scores[family] = Score(agree, false_full, len(cases), spent)
    return scores


def print_table(ponder: dict[str, Score], mv: dict[str, Score] | None) -> None:
    """Agreement and false fulls per family, both checkers side by side."""
    head = f"{'family':<24} {'cases':>5}  {'Ponder agrees':>13} {'false full':>10}"
    if mv is not None:
        head += f"  {'MV agrees':>9} {'false full':>10}"
    print(head)
    totals = [0, 0, 0, 0, 0]
    for family, p in ponder.items():
        line = f"{family:<24} {p.n:>5}  {p.agree:>6} ({p.agree / p.n:>4.0%}) {p.false_full:>10}"
        totals[0] += p.n
        totals[1] += p.agree
        totals[2] += p.false_full
        if mv is not None:
            m = mv[family]
            line += f"  {m.agree:>3} ({m.agree / m.n:>4.0%}) {m.false_full:>10}"
            totals[3] += m.agree
            totals[4] += m.false_full
        print(line)
    n = totals[0]
    line = f"{'all families':<24} {n:>5}  {totals[1]:>6} ({totals[1] / n:>4.0%}) {totals[2]:>10}"
    if mv is not None:
        line += f"  {totals[3]:>3} ({totals[3] / n:>4.0%}) {totals[4]:>10}"
    print(line)
