"""The timeout: sympy work that would run for minutes is killed, and the worker comes back.
(How close to the timeout it ends is measured by benches/bench_grading.py.)"""

from __future__ import annotations

from graders import grade
from graders.worker import POOL

TOWER = "9^{9^{9^{9}}}"  # sympy tries to compute this integer: minutes, gigabytes


def test_a_pathological_expression_is_needs_human_once_the_timeout_passes() -> None:
    g = grade(answer=TOWER + " + 1", reference=TOWER, kind="expression", timeout=1.0)
    assert g.verdict == "needs_human"
    assert "timed out after 1 s" in g.reason


def test_grading_works_again_after_a_timeout() -> None:
    grade(answer=TOWER + " + 2", reference=TOWER, kind="expression", timeout=0.5)
    g = grade(answer="(x+1)^2", reference="x^2+2x+1", kind="expression", timeout=5.0)
    assert g.verdict == "full", g.reason


def test_a_cold_start_still_keeps_a_tiny_timeout() -> None:
    POOL.close()  # no warm worker: the start-up counts against the deadline
    g = grade(answer="(x-1)(x+1)", reference="x^2-1", kind="expression", timeout=0.05)
    assert g.verdict in ("full", "needs_human")


def test_choice_numeric_and_cheap_expression_grading_start_no_worker() -> None:
    before = POOL.launches
    POOL.close()
    grade(answer="A, D", reference="A,D")
    grade(answer="0.32", reference="0.32")
    grade(answer=r"\frac{\pi}{4}", reference=r"\frac{\pi}{4}")  # exact: no sympy needed
    grade(answer="0.785", reference=r"\frac{\pi}{4}")  # a constant: decided in floating point
    assert POOL.launches == before
