"""normalize_answer(): one canonical string per answer, for majority voting across attempts."""

from __future__ import annotations

import math
from typing import cast

from graders.mathparse import Node
from graders.mathtree import canon
from graders.numeric import Number, fmt
from graders.result import KINDS, Kind
from graders.rules import parse
from graders.structure import strip_names
from graders.text import normalise_text


def _number_key(value: float) -> str:
    # Answers that grade equal (|a − b| ≤ 0.01) mostly round equal: 2 decimals, 2 significant
    # digits below 0.1 so that small values do not all collapse to 0.
    if value.is_integer():
        return fmt(value)
    if abs(value) >= 0.1:
        return fmt(round(value, 2))
    return fmt(float(f"{value:.2g}"))


def normalize_answer(text: str, kind: str) -> str | None:
    """The answer of a response in canonical form for its kind (`A,D`, `0.32`, …), or None.

    It reads the answer with the same `parse` as grading, so a vote counts what a grade sees.
    """
    try:
        if not isinstance(text, str) or not text.strip() or kind not in KINDS:
            return None
        parsed = parse(text, cast(Kind, kind))
        value = parsed.value
        if isinstance(value, tuple):
            return ",".join(value) or None
        if isinstance(value, Number):
            if math.isinf(value.value):
                return None
            return _number_key(value.value / 100.0 if value.percent else value.value)
        if isinstance(value, Node):
            if kind in ("integer", "numeric"):
                return None  # a formula where a number is asked for does not vote
            return canon(strip_names(value))  # "x = 3" and "3" vote together
        if isinstance(value, str):
            return normalise_text(value) or None
        return None
    except Exception:
        return None
