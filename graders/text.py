"""Proofs and free text: a person grades them, unless a short reference matches exactly."""

from __future__ import annotations

import re

from graders.extract import candidates
from graders.result import Grade, needs_human

SHORT_REFERENCE = 80  # longer references are model solutions, not answers to match
MAX_EXTRACTED = 500


def normalise_text(text: str) -> str:
    """Casefolded words without punctuation: how two short answers are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def grade_text(answer: str, reference: str, kind: str) -> Grade:
    """Full credit for an exact short match after normalisation; anything else needs a human."""
    top = next(iter(candidates(answer)), None)
    extracted = top.text[:MAX_EXTRACTED] if top else None
    ref = normalise_text(reference)
    if top and ref and len(reference) <= SHORT_REFERENCE and normalise_text(top.text) == ref:
        return Grade(
            1.0,
            "full",
            extracted,
            f"matches the reference {reference.strip()!r} exactly",
            None,
            None,
            kind,
        )
    if not answer.strip():
        return Grade(0.0, "zero", None, "empty answer", None, None, kind)
    what = "a proof" if kind == "proof" else "a free-form answer"
    return needs_human(f"{what}: needs a human (or an LLM judge) to grade", kind, extracted)
