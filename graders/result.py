"""The Grade record that every grader returns, and the names of kinds and verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["full", "partial", "zero", "needs_human"]
Kind = Literal["choice_single", "choice_multi", "integer", "numeric", "expression", "proof", "text"]
KINDS: tuple[str, ...] = (
    "choice_single",
    "choice_multi",
    "integer",
    "numeric",
    "expression",
    "proof",
    "text",
)


@dataclass(frozen=True)
class Grade:
    """The outcome of checking one answer against one reference (SPEC §5)."""

    score: float
    verdict: Verdict
    extracted: str | None
    reason: str
    points: float | None = None
    max_points: float | None = None
    kind: str = "text"


def needs_human(reason: str, kind: str, extracted: str | None = None) -> Grade:
    """A grade that leaves the decision to a person."""
    return Grade(0.0, "needs_human", extracted, one_line(reason), None, None, kind)


def one_line(text: str, limit: int = 240) -> str:
    """Collapse whitespace so a reason is always a single readable line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
