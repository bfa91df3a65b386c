"""Automatic grading of a finished run: which runs need a person, what an empty answer gets, when
the run's whole text stands in for its answer field, and points on the problem's scale.

Pure: the caller reads the run and its problem, and records the Grade this returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from graders.grade import DEFAULT_TIMEOUT, grade
from graders.result import Grade, needs_human

# Less time than this left after grading the answer field: the whole text is not tried.
MIN_SECOND_TRY_S = 0.1
# Kinds whose answers only a person (or an LLM judge) can grade.
HUMAN_KINDS: tuple[str, ...] = ("proof", "text")


@dataclass(frozen=True)
class RunAnswer:
    """What automatic grading needs of a run and of its problem."""

    answer: str | None  # the run's final answer field
    full_text: str  # every step's text, in order
    has_problem: bool  # the run is tied to a stored problem
    reference: str | None = None
    kind: str | None = None  # the problem's kind; None: inferred from the reference
    question: str | None = None
    max_points: float | None = None  # the problem's marks, if it has them
    tolerance: float | None = None  # the problem's own |gold - answer| bound; None: the kind's


def grade_run(
    run: RunAnswer, timeout: float = DEFAULT_TIMEOUT, *, clock: Callable[[], float] = time.monotonic
) -> Grade:
    """The automatic grade of a finished run against its problem's reference, within `timeout`
    seconds in all (the answer field, then perhaps the whole text, share that deadline)."""
    deadline = clock() + timeout
    kind = run.kind or "text"
    if not run.has_problem or not (run.reference or "").strip() or run.kind in HUMAN_KINDS:
        has_reference = bool((run.reference or "").strip())
        # "no problem" read as "no worries": a prompt typed in has no reference to check against.
        why = (
            "typed in, not a stored problem: no reference"
            if not run.has_problem
            else kind
            if has_reference
            else "no reference"
        )
        return needs_human(f"needs a human grade ({why})", kind)
    reference = run.reference or ""
    if not (run.answer or "").strip() and not run.full_text.strip():
        return Grade(0.0, "zero", None, "the run gave no answer", kind=kind)
    g = grade(
        answer=run.answer or run.full_text,
        reference=reference,
        kind=run.kind,
        question=run.question,
        timeout=timeout,
        tolerance=run.tolerance,
    )
    left = deadline - clock()
    if (
        g.verdict == "needs_human"
        and run.answer
        and run.full_text
        and run.full_text != run.answer
        and left >= MIN_SECOND_TRY_S
    ):
        # The answer field alone may be unreadable ("see above"); the full text may still hold a
        # boxed or stated answer. Only take it if it settles the grade.
        whole = grade(
            answer=run.full_text,
            reference=reference,
            kind=run.kind,
            question=run.question,
            timeout=left,
            tolerance=run.tolerance,
        )
        if whole.verdict != "needs_human":
            g = whole
    if g.max_points is None and run.max_points and g.verdict != "needs_human":
        return Grade(
            g.score,
            g.verdict,
            g.extracted,
            g.reason,
            g.score * run.max_points,
            run.max_points,
            g.kind,
        )
    return g
