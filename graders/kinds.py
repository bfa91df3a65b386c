"""Which kind of answer a reference asks for, and the alternatives a reference may list."""

from __future__ import annotations

import functools
import re

from graders.choice import (
    is_multi_question,
    plus_letters,
    question_options,
    reference_letters,
    reference_option,
    run_together_letters,
)
from graders.extract import reference_answer
from graders.mathparse import ParseError, parse_math
from graders.numeric import parse_number

MAX_ALTERNATIVES = 10
MAX_CUED = 200
_CUE = re.compile(r"(?:\b(?:is|are|equals?|be)\b|[:=])\s*", re.IGNORECASE)
WILDCARDS = frozenset({"anything", "any", "any answer", "any value", "bonus", "*", "all answers"})
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
_PROOF = re.compile(r"\bprove\b|\bshow\s+that\b|\bproof\b|\bdemonstrate\s+that\b", re.IGNORECASE)
_MATH_SIGNAL = re.compile(r"[\d\\^_+*/=()\[\]{}<>|√π∞−!-]|^\s*(?:oo|inf(?:inity)?|pi)\s*$")


@functools.lru_cache(maxsize=1024)
def _kind_of_one(reference: str, question: str | None) -> str | None:
    letters = reference_letters(reference)
    option = reference_option(reference)
    if not letters and option:
        letters = (option[0],)
    if not letters and question:
        # `ba` where the question lists options (a), (b)...: those options, not a word.
        run = run_together_letters(reference) or plus_letters(reference, question_options(question))
        options = question_options(question)
        if run and options and set(run) <= set(options):
            letters = run
    if letters:
        return (
            "choice_multi" if len(letters) > 1 or is_multi_question(question) else "choice_single"
        )
    number = parse_number(reference)
    if number is not None:
        return "integer" if number.integral else "numeric"
    if len(reference) <= 300 and (
        _MATH_SIGNAL.search(reference) or re.fullmatch(r"\s*[a-zA-Z]\s*", reference)
    ):
        try:
            parse_math(reference)
        except ParseError:
            return None
        return "expression"
    return None


def split_alternatives(reference: str, question: str | None = None) -> tuple[list[str], bool]:
    """A reference's alternatives (`220 or 140`) and whether one of them accepts anything.

    Math references are not split: in `x = 1 or x = 2` the "or" belongs to the answer.
    """
    parts = [p.strip() for p in _OR.split(reference.strip())] if reference.strip() else []
    parts = [p for p in parts if p]
    if len(parts) <= 1 or len(parts) > MAX_ALTERNATIVES:  # a long "or" list is prose
        return ([reference.strip()] if reference.strip() else []), False
    wildcard = any(p.lower().rstrip(".") in WILDCARDS for p in parts)
    rest = [p for p in parts if p.lower().rstrip(".") not in WILDCARDS]
    kinds = {_kind_of_one(p, question) for p in rest}
    if "expression" in kinds:
        return [reference.strip()], False
    if None in kinds and _kind_of_one(reference, question) == "expression":
        return [reference.strip()], False  # `x < 1 \text{ or } x > 2` is one answer
    return rest, wildcard


def infer_kind(reference: str, question: str | None = None) -> str:
    """The kind a reference (and its question) asks for: choice, number, expression, proof or text."""
    try:
        ref = reference_answer(
            reference
            if isinstance(reference, str)
            else ("" if reference is None else str(reference))
        )
        q = question if isinstance(question, str) else None
        alternatives, _ = split_alternatives(ref, q)
        for alt in alternatives:
            kind = _kind_of_one(alt, q)
            if kind is not None:
                return kind
        cues = list(_CUE.finditer(ref[:MAX_CUED]))
        if cues and "\n" not in ref.strip() and len(ref) <= MAX_CUED:
            # "The speed is 5 m/s": a stated answer rather than a bare one
            kind = _kind_of_one(ref[cues[-1].end() :].strip().rstrip("."), q)
            if kind is not None:
                return kind
        if q and _PROOF.search(q):
            return "proof"
        return "text"
    except Exception:
        return "text"
