"""grade(): one answer against one reference, of any kind, never raising, within a deadline."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import cast

from graders.choice import (
    MULTI_MAX,
    SINGLE_MAX,
    question_options,
    reference_option,
    valid_letters,
)
from graders.extract import clean, extract_answer, reference_answer
from graders.kinds import infer_kind, split_alternatives
from graders.parsed import Parsed, Rules
from graders.result import KINDS, Grade, Kind, needs_human, one_line
from graders.rules import parse, verify

DEFAULT_TIMEOUT = 5.0
MAX_INPUT = 2_000_000  # characters of a response or reference kept; the final answer is at the end
MAX_QUESTION = 50_000  # characters of a question read for its options
_RANK = {"full": 3, "partial": 2, "needs_human": 1, "zero": 0}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))  # a spreadsheet cell 100.0 means 100
    else:
        text = str(value)
    return text.replace("\x00", "")


def grade(
    answer: object,
    reference: object,
    kind: str | None = None,
    question: object = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    tolerance: float | None = None,
) -> Grade:
    """Grade an answer (a whole response or just the final answer) against a reference."""
    started = time.monotonic()
    guess = kind if isinstance(kind, str) and kind in KINDS else "text"
    try:
        limit = float(timeout) if timeout is not None else DEFAULT_TIMEOUT
        if not math.isfinite(limit) or limit <= 0:
            limit = DEFAULT_TIMEOUT
        tol = None
        if tolerance is not None:
            tol = float(tolerance)
            if not math.isfinite(tol):
                tol = None
        ans = _as_text(answer)
        if len(ans) > MAX_INPUT:
            ans = ans[-MAX_INPUT:]
        ref = reference_answer(_as_text(reference).strip()[:MAX_INPUT])
        q = _as_text(question)[:MAX_QUESTION] or None
        note = ""
        if isinstance(kind, str) and not kind.strip():
            kind = None  # an empty database cell: infer, silently
        if kind is not None and kind not in KINDS:
            note = f"unknown kind {kind!r}, inferred; "
            kind = None
        k = cast(Kind, kind or infer_kind(ref, q))
        rules = Rules(deadline=started + limit, timeout=limit, tolerance=tol, question=q)
        result = _grade_alternatives(ans, ref, k, rules)
        return replace(result, reason=one_line(note + result.reason), kind=k)
    except Exception as exc:  # the contract: grade never raises
        return needs_human(f"grader error ({type(exc).__name__}); please grade by hand", guess)


def _same_text(a: str, b: str, kind: str) -> bool:
    """Word for word the same; case counts except in free text (`X` is not `x`)."""
    a, b = " ".join(clean(a).split()), " ".join(clean(b).split())
    return a.casefold() == b.casefold() if kind == "text" else a == b


def _max_points(kind: str) -> float | None:
    return MULTI_MAX if kind == "choice_multi" else SINGLE_MAX if kind == "choice_single" else None


class _Answer:
    """The answer parsed once per set of letters it may name (choice) or once (other kinds)."""

    def __init__(self, text: str, kind: Kind, rules: Rules) -> None:
        self.text, self.kind, self.rules = text, kind, rules
        self._cache: dict[tuple[frozenset[str] | None, tuple[tuple[str, str], ...]], Parsed] = {}

    def rules_for(self, gold: Parsed, reference: str) -> Rules:
        if self.kind in ("choice_single", "choice_multi") and isinstance(gold.value, tuple):
            given = reference_option(reference)
            extra = (given,) if given else ()
            options = question_options(self.rules.question)
            return replace(self.rules, choices=valid_letters(gold.value, options), options=extra)
        return self.rules

    def parsed(self, rules: Rules) -> Parsed:
        key = (rules.choices, rules.options)
        if key not in self._cache:
            self._cache[key] = parse(self.text, self.kind, rules)
        return self._cache[key]


def _grade_alternatives(ans: str, ref: str, kind: Kind, rules: Rules) -> Grade:
    alternatives, wildcard = split_alternatives(ref, rules.question)
    if (
        kind in ("choice_single", "choice_multi", "integer", "numeric", "text")
        and len(alternatives) <= 1
    ):
        alternatives = alternatives or [ref]
    if not alternatives and not wildcard:
        if kind == "proof" or kind == "text":
            return verify(parse("", kind, rules, reference=True), parse(ans, kind, rules), rules)
        return needs_human("no reference answer to grade against", kind, extract_answer(ans))
    answer = _Answer(ans, kind, rules)
    best: Grade | None = None
    for alt in alternatives:
        if best is not None and time.monotonic() > rules.deadline:
            break
        gold = parse(alt, kind, rules, reference=True)
        alt_rules = answer.rules_for(gold, alt)
        g = verify(gold, answer.parsed(alt_rules), alt_rules)
        if len(alternatives) > 1:
            g = replace(g, reason=f"alternative {alt!r}: {g.reason}")
        if best is None or (_RANK[g.verdict], g.score) > (_RANK[best.verdict], best.score):
            best = g
        if g.verdict == "full":
            break
    if wildcard and ans.strip() and (best is None or best.verdict != "full"):
        # A bonus question (JEE "220 or 140 or anything"): every attempt gets the marks.
        max_points = _max_points(kind)
        extracted = best.extracted if best is not None else extract_answer(ans)
        return Grade(
            1.0,
            "full",
            extracted,
            f"the reference {ref!r} accepts any answer",
            max_points,
            max_points,
            kind,
        )
    said = extract_answer(ans)
    if (
        (best is None or best.verdict != "full")
        and kind != "proof"
        and said
        and ref
        and _same_text(said, ref, kind)
    ):
        # The answer is the reference, word for word: no reading of it can disagree.
        max_points = _max_points(kind)
        extracted = best.extracted if best is not None and best.extracted else said
        return Grade(
            1.0, "full", extracted, "identical to the reference", max_points, max_points, kind
        )
    if best is None:
        return needs_human("no reference answer to grade against", kind, said)
    if best.verdict == "needs_human" and best.extracted is None and said:
        best = replace(best, extracted=said[:500])
    return best
