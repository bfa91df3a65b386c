"""Expression answers: exact structure, then constant values, then sympy in a killable worker."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from graders.extract import CUE_SOURCES, Candidate, candidates
from graders.mathparse import MAX_LENGTH, Node, ParseError, parse_math
from graders.mathtree import approx, canon, has_decimal, is_scalar, unwrap
from graders.numeric import ABS_TOLERANCE, close_enough, fmt
from graders.result import Grade, needs_human

_MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_PROSE_WORD = re.compile(
    r"\b(?:which|where|since|because|for|when|so|hence|thus|as|i\.e|that)\b", re.IGNORECASE
)
_CUE = re.compile(r"(?:\b(?:is|are|equals?|be|get|gives?|becomes?)|:)\s+", re.IGNORECASE)
MAX_RAW = 5000
MAX_EXTRACTED = 500


def _texts(cand: Candidate) -> Iterator[str]:
    """Texts to try parsing from one candidate: its math segments, itself, itself without prose."""
    raw = cand.raw[:MAX_RAW]
    segments = [next(g for g in m.groups() if g is not None) for m in _MATH_SEGMENT.finditer(raw)]
    if cand.source not in CUE_SOURCES:
        segments.reverse()  # in running text the answer is the last formula
    yield from segments
    yield cand.text
    cues = list(_CUE.finditer(cand.text[:MAX_LENGTH]))
    if cues:  # "So, the result is \\pi/4": the formula after the last "is"
        yield cand.text[cues[-1].end() :]
    prose = _PROSE_WORD.search(cand.text[:MAX_LENGTH])
    if prose:  # "x^2 + 1, which is positive": the formula before the prose
        cut = cand.text[: prose.start()].rstrip(" ,;:")
        if cut:
            yield cut


def parse_answer(answer: str) -> tuple[Node, str] | None:
    """The first candidate of a response that parses as math, with the text it came from."""
    for cand in candidates(answer):
        for text in _texts(cand):
            try:
                return parse_math(text), text
            except ParseError:
                continue
    return None


def _value_check(gold: Node, ans: Node, tolerance: float | None) -> tuple[bool, str] | None:
    """Decide two constant scalars in floating point when that is conclusive, else None."""
    g, a = unwrap(gold, ans)
    if not (is_scalar(g) and is_scalar(a)):
        return None
    gv, av = approx(g), approx(a)
    if gv is None or av is None:
        return None
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    if has_decimal(g) or has_decimal(a):
        ok = close_enough(gv.real, av.real, tolerance) and close_enough(gv.imag, av.imag, tolerance)
        sign = "≤" if ok else ">"
        return ok, f"|{_show(gv)}-{_show(av)}| {sign} {tol:g}"
    scale = max(1.0, abs(gv))
    if abs(gv - av) <= 1e-12 * scale:
        return True, f"both ≈ {_show(gv)} (equal to 12 digits)"
    if abs(gv - av) > 1e-6 * scale:
        return False, f"{_show(gv)} ≠ {_show(av)}"
    return None


def _show(v: complex) -> str:
    if abs(v.imag) < 1e-12:
        return fmt(float(f"{v.real:.6g}"))
    return f"{v.real:.6g}{v.imag:+.6g}i"


def grade_expression(
    answer: str, reference: str, *, deadline: float, timeout: float, tolerance: float | None = None
) -> Grade:
    """Grade a response against a LaTeX or plain-math reference."""
    kind = "expression"
    try:
        gold = parse_math(reference)
    except ParseError as exc:
        return needs_human(f"could not parse the reference as math ({exc})", kind)
    if not answer.strip():
        return Grade(0.0, "zero", None, "empty answer", None, None, kind)
    found = parse_answer(answer)
    if found is None:
        return needs_human("could not parse the answer as math", kind)
    node, text = found
    extracted = " ".join(text.split())[:MAX_EXTRACTED]
    g, a = unwrap(gold, node)
    if canon(g) == canon(a):
        return Grade(
            1.0,
            "full",
            extracted,
            f"{extracted} matches {reference.strip()} exactly",
            None,
            None,
            kind,
        )
    quick = _value_check(gold, node, tolerance)
    if quick is not None:
        ok, why = quick
        return Grade(1.0 if ok else 0.0, "full" if ok else "zero", extracted, why, None, None, kind)
    from graders.worker import POOL, WorkerFailed, WorkerTimeout

    if deadline - time.monotonic() <= 0:
        return needs_human(f"symbolic check timed out after {timeout:g} s", kind, extracted)
    try:
        reply = POOL.call(("equiv", gold, node, tolerance), deadline)
    except WorkerTimeout:
        return needs_human(f"symbolic check timed out after {timeout:g} s", kind, extracted)
    except WorkerFailed as exc:
        return needs_human(str(exc), kind, extracted)
    if reply[0] != "ok":
        return needs_human(f"sympy failed: {reply[1]}", kind, extracted)
    ok, why = reply[1], reply[2]
    if ok is None:
        return needs_human(f"{why}: {extracted} vs {reference.strip()}", kind, extracted)
    return Grade(1.0 if ok else 0.0, "full" if ok else "zero", extracted, why, None, None, kind)
