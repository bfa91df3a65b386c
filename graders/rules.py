"""parse → verify: one small rule per kind, in a registry keyed by the one Kind literal.

    gold = parse("A,D", "choice_multi", reference=True)
    said = parse(response, "choice_multi")
    verify(gold, said)            # a Grade

`graders.grade` is these two calls plus the kind logic around them (inference, alternatives,
deadline); `normalize_answer` reuses `parse` for majority voting.
"""

from __future__ import annotations

from typing import Protocol

from graders.choice import ChoiceRule
from graders.numeric import NumberRule
from graders.parsed import Parsed, Rules
from graders.result import Grade, Kind, needs_human
from graders.symbolic import ExpressionRule
from graders.text import TextRule


class Rule(Protocol):
    """How one kind of answer is read and checked."""

    def parse(self, text: str, rules: Rules, *, reference: bool = False) -> Parsed:
        """Extract and normalise an answer (or a reference) once; `text` is never blank."""
        ...

    def verify(self, gold: Parsed, answer: Parsed, rules: Rules) -> Grade:
        """Compare a parsed answer with a parsed reference."""
        ...


RULES: dict[Kind, Rule] = {
    "choice_single": ChoiceRule(multi=False),
    "choice_multi": ChoiceRule(multi=True),
    "integer": NumberRule("integer"),
    "numeric": NumberRule("numeric"),
    "expression": ExpressionRule(),
    "proof": TextRule("proof"),
    "text": TextRule("text"),
}
_DEFAULT = Rules()


def parse(text: str, kind: Kind, rules: Rules | None = None, *, reference: bool = False) -> Parsed:
    """Read an answer of a kind from a whole response (or a reference) into a Parsed."""
    rule = RULES[kind]
    if not text.strip():  # the same for every kind: the rules read only text there is
        return Parsed(kind, empty=True, problem="empty answer")
    return rule.parse(text, rules or _DEFAULT, reference=reference)


def verify(gold: Parsed, answer: Parsed, rules: Rules | None = None) -> Grade:
    """Grade a parsed answer against a parsed reference by the reference kind's rule."""
    rule = RULES.get(gold.kind)
    if rule is None:
        return needs_human(f"no rule for the kind {gold.kind!r}", "text", answer.text)
    return rule.verify(gold, answer, rules or _DEFAULT)
