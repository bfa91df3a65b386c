"""Answer checking for Ponder (SPEC §5): pure functions, JEEBench-compatible scoring.

    from graders import grade
    g = grade(answer=response, reference="A,D")      # kind inferred; question optional
    g.score, g.verdict, g.extracted, g.reason, g.points, g.max_points, g.kind

It is `verify(parse(reference, kind, reference=True), parse(answer, kind))` plus the kind
logic (inference, alternatives, the deadline); see rules.py for the registry of rules.

Importing this package is cheap: sympy loads only in the worker process, on the first
expression that the cheap checks cannot decide.
"""

from graders.extract import extract_answer, final_answer
from graders.grade import DEFAULT_TIMEOUT, grade
from graders.kinds import infer_kind
from graders.normalize import normalize_answer
from graders.parsed import Parsed, Rules
from graders.result import KINDS, Grade, Kind
from graders.rules import RULES, parse, verify


def warm_up() -> None:
    """Start a sympy worker in the background, so the first expression grade does not wait."""
    from graders.worker import POOL

    POOL.warm_up()


__all__ = [
    "DEFAULT_TIMEOUT",
    "KINDS",
    "RULES",
    "Grade",
    "Kind",
    "Parsed",
    "Rules",
    "extract_answer",
    "final_answer",
    "grade",
    "infer_kind",
    "normalize_answer",
    "parse",
    "verify",
    "warm_up",
]
