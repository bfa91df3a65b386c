"""Proofs and free text: a person grades them, unless a short reference matches exactly."""

from __future__ import annotations

import re

from graders.choice import run_together_letters
from graders.extract import candidates
from graders.parsed import Parsed, Rules
from graders.result import Grade, Kind, needs_human

SHORT_REFERENCE = 80  # longer references are model solutions, not answers to match
MAX_EXTRACTED = 500


def normalise_text(text: str) -> str:
    """Casefolded words without punctuation: how two short answers are compared."""
    return " ".join(re.sub(r"[^\w\s+-]", " ", text.casefold()).split())


class TextRule:
    """`proof` and `text`: a person grades them, unless a short reference matches exactly."""

    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind

    def parse(self, text: str, rules: Rules, *, reference: bool = False) -> Parsed:
        """A reference as written; a response's most trusted candidate."""
        if reference:
            return Parsed(self.kind, text.strip(), text.strip()[:MAX_EXTRACTED], "reference")
        top = next(iter(candidates(text)), None)
        if top is None:
            return Parsed(self.kind, problem="no answer found")
        return Parsed(self.kind, top.text, top.text[:MAX_EXTRACTED], top.source)

    def verify(self, gold: Parsed, answer: Parsed, rules: Rules) -> Grade:
        """Full credit for an exact short match after normalisation; anything else needs a human."""
        kind = self.kind
        ref = gold.value if isinstance(gold.value, str) else ""
        said = answer.value if isinstance(answer.value, str) else None
        if (
            said
            and ref
            and len(ref) <= SHORT_REFERENCE
            and normalise_text(said) == normalise_text(ref)
        ):
            return Grade(
                1.0, "full", answer.text, f"matches the reference {ref!r} exactly", None, None, kind
            )
        if answer.empty:
            return Grade(0.0, "zero", None, "empty answer", None, None, kind)
        what = "a proof" if kind == "proof" else "a free-form answer"
        if kind == "text" and ref and run_together_letters(ref):
            # `ba`: options B and A, or a word? Said so rather than guessed.
            return needs_human(
                f"the reference {ref!r} may be option letters or a word: give the question"
                " (its lettered options) or the kind choice_multi to grade it as letters",
                kind,
                answer.text,
            )
        return needs_human(f"{what}: needs a human (or an LLM judge) to grade", kind, answer.text)
