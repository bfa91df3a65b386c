"""normalize_answer(): one canonical string per answer, for majority voting across attempts."""

from __future__ import annotations

from graders.choice import LETTERS, pick_letters
from graders.extract import candidates
from graders.mathtree import canon
from graders.numeric import fmt, number_in_response
from graders.symbolic import parse_answer
from graders.text import normalise_text

_ALL_LETTERS = frozenset(LETTERS)


def _number_key(value: float) -> str:
    # Answers that grade equal (|a − b| ≤ 0.01) mostly round equal: 2 decimals, 2 significant
    # digits below 0.1 so that small values do not all collapse to 0.
    if value.is_integer():
        return fmt(value)
    if abs(value) >= 0.1:
        return fmt(round(value, 2))
    return fmt(float(f"{value:.2g}"))


def normalize_answer(text: str, kind: str) -> str | None:
    """The answer of a response in canonical form for its kind (`A,D`, `0.32`, …), or None."""
    try:
        if not isinstance(text, str) or not text.strip():
            return None
        if kind in ("choice_single", "choice_multi"):
            found = pick_letters(text, _ALL_LETTERS)
            return ",".join(found[0].letters) if found else None
        if kind in ("integer", "numeric"):
            n = number_in_response(text)
            if n is None:
                return None
            return _number_key(n.value / 100.0 if n.percent else n.value)
        if kind == "expression":
            parsed = parse_answer(text)
            if parsed is None:
                return None
            node = parsed[0]
            if node.op == "rel" and node.value == "=" and node.args[0].op == "sym":
                node = node.args[1]  # "x = 3" and "3" vote together
            return canon(node)
        top = next(iter(candidates(text)), None)
        return normalise_text(top.text) or None if top else None
    except Exception:
        return None
