"""One grading case of the answer-shape tables: grade `answer` against `reference` (a question when
the case has one) and say both sides, the verdict and the reason when it is not the expected one."""

from __future__ import annotations

from graders import grade


def check_verdict(answer: str, reference: str, verdict: str, question: str | None = None) -> None:
    g = grade(answer=answer, reference=reference, question=question, timeout=5.0)
    assert g.verdict == verdict, f"{answer!r} vs {reference!r}: {g.verdict}, {g.reason}"
