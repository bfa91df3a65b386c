"""Answer checking for Ponder (SPEC §5): pure functions, JEEBench-compatible scoring.

    from graders import grade
    g = grade(answer=response, reference="A,D")      # kind inferred; question optional
    g.score, g.verdict, g.extracted, g.reason, g.points, g.max_points, g.kind

Importing this package is cheap: sympy loads only in the worker process, on the first
expression that the cheap checks cannot decide.
"""

from graders.extract import extract_answer
from graders.grade import DEFAULT_TIMEOUT, grade
from graders.kinds import infer_kind
from graders.normalize import normalize_answer
from graders.result import KINDS, Grade


def warm_up() -> None:
    """Start a sympy worker in the background, so the first expression grade does not wait."""
    from graders.worker import POOL

    POOL.warm_up()


__all__ = [
    "DEFAULT_TIMEOUT",
    "KINDS",
    "Grade",
    "extract_answer",
    "grade",
    "infer_kind",
    "normalize_answer",
    "warm_up",
]
