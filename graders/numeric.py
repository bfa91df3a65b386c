"""Numbers in references and responses, and the JEE numeric rule |gold − answer| ≤ 0.01.

Handles `1,000`, `1 000`, `.4`, `28%`, `3.2 × 10^{-3}`, `3.2e-3`, `\\frac{3}{4}`, `3/4`, unicode
minus and superscripts, and units after the number (`5 m/s`, `10 J`, `mol^{-1}`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from graders.extract import CUE_SOURCES, candidates
from graders.result import Grade, needs_human

ABS_TOLERANCE = 0.01
REL_TOLERANCE = 1e-6  # for large values, where 0.01 is below the precision a model can give


@dataclass(frozen=True)
class Number:
    """A number as written: its value, whether it was a percentage, and whether it was an integer."""

    value: float
    percent: bool = False
    integral: bool = False
    text: str = ""


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPER_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_REPLACE = (
    ("\\left", ""),
    ("\\right", ""),
    ("\\dfrac", "\\frac"),
    ("\\tfrac", "\\frac"),
    ("\\%", "%"),
    ("{,}", ","),
    ("\\,", ""),
    ("\\!", ""),
    ("\\;", " "),
    ("\\:", " "),
    ("~", " "),
    ("$", " "),
    ("\\times", "×"),
    ("\\cdot", "×"),
    ("·", "×"),
    ("⋅", "×"),
    ("−", "-"),
    ("–", "-"),
    ("—", "-"),
    ("\u2009", " "),
    ("\u202f", " "),
    ("\u00a0", " "),
    ("\\approx", "≈"),
    ("\\sim", "≈"),
    ("\\text{", "{"),
    ("\\mathrm{", "{"),
    ("\\mbox{", "{"),
    ("\\textbf{", "{"),
    ("\\mathbf{", "{"),
)
_NUM = re.compile(
    r"(?:(?P<sign>[-+])[ \t]*)?(?:"
    r"\\frac\s*\{\s*(?P<fn>-?\s*\d+(?:\.\d+)?)\s*\}\s*\{\s*(?P<fd>\d+(?:\.\d+)?)\s*\}"
    r"|(?P<mant>\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d{1,3}(?: \d{3})+(?!\d|[.,]\d)|\d+(?:\.\d*)?|\.\d+)"
    r"(?:[ \t]*/[ \t]*(?P<den>\d+(?:\.\d+)?)(?!\d|\.\d))?"
    r"(?:[eE](?P<e1>[-+]?\d+)(?!\d|\.\d)"
    r"|[ \t]*[×xX*][ \t]*10[ \t]*(?:\^|\*\*)[ \t]*\{?[ \t]*(?P<e2>[-+]?[ \t]*\d+)[ \t]*\}?"
    r"|[ \t]*(?:\^|\*\*)[ \t]*\{?[ \t]*(?P<pw>[-+]?[ \t]*\d+)[ \t]*\}?)?"
    r")"
    r"(?P<pct>[ \t]*(?:%|percent\b|per[ \t]+cent\b))?"
)
_CUE_BEFORE = re.compile(
    r"(?:=|≈|\bis|\bare|\bbe|\bequals?|\bequal\s+to|\bof|:|\bapproximately|\babout|\bgives?|\bget)"
    r"[\s*(]*$",
    re.IGNORECASE,
)
_LEADING = re.compile(
    r"^(?:[\s*(]|≈|=|approximately|approx\.?|about|roughly|nearly)+", re.IGNORECASE
)


def prep(text: str) -> str:
    """Rewrite LaTeX and unicode spellings of numbers into one plain form."""
    s = text
    for old, new in _REPLACE:
        if old in s:
            s = s.replace(old, new)
    if any(ch in s for ch in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"):
        s = _SUPER_RUN.sub(lambda m: "^{" + m.group(0).translate(_SUPERSCRIPTS) + "}", s)
    return s


def _to_number(m: re.Match[str]) -> Number | None:
    sign = -1.0 if m.group("sign") == "-" else 1.0
    try:
        if m.group("fn") is not None:
            num = float(m.group("fn").replace(" ", ""))
            den = float(m.group("fd"))
            if den == 0:
                return None
            return Number(sign * num / den, False, False, m.group(0).strip())
        mant_text = m.group("mant").replace(",", "").replace(" ", "")
        value = float(mant_text)
        integral = "." not in mant_text
        if m.group("den") is not None:
            den = float(m.group("den"))
            if den == 0:
                return None
            value /= den
            integral = False
        exp = m.group("e1") or m.group("e2")
        if exp is not None:
            e = int(exp.replace(" ", ""))
            if abs(e) > 400:
                return None
            value *= 10.0**e
            integral = integral and e >= 0 and value.is_integer()
        elif m.group("pw") is not None:
            e = int(m.group("pw").replace(" ", ""))
            if abs(e) > 400 or (value == 0 and e < 0):
                return None
            value = math.pow(value, e)
            integral = integral and e >= 0
    except (OverflowError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    percent = bool(m.group("pct"))
    return Number(sign * value, percent, integral and not percent, m.group(0).strip())


def _numbers(s: str) -> list[tuple[int, Number]]:
    """Numbers in s, skipping digits that belong to words, subscripts or unit exponents."""
    found: list[tuple[int, Number]] = []
    for m in _NUM.finditer(s):
        start = m.start()
        before = s[start - 1] if start > 0 else ""
        if before and (before.isalnum() or before in "._^\\}"):
            continue  # H2O, x_1, m^2, 3.2.1
        if m.group("sign") and start > 0:
            j = start - 1
            while j >= 0 and s[j] in " \t":
                j -= 1
            if j >= 0 and (
                s[j].isalpha() or s[j] in ")}]^" or (s[j] == "{" and s[j - 1 : j] in ("^", "_"))
            ):
                continue  # "mol-1", "s^-1", "mol^{-1}", "(x+1) - 2": not a signed number
        if (
            m.group("sign") is None
            and before in "-+"
            and start > 1
            and (s[start - 2].isalpha() or s[start - 2] in ")}")
        ):
            continue
        n = _to_number(m)
        if n is not None:
            found.append((start, n))
    return found


def parse_number(text: str) -> Number | None:
    """The number a short text states (a reference or a bare answer), units allowed after it."""
    s = _LEADING.sub("", prep(text).strip())
    m = _NUM.match(s)
    if not m or not m.group(0).strip():
        return None
    rest = s[m.end() :].strip()
    # After the number only units may follow: words, /, ^, -1 exponents, degree marks.
    if rest and not re.fullmatch(
        r"(?:[A-Za-zµμΩÅ°℃'\"/^{}()\[\]\s.·×*-]|(?<=[A-Za-z^{])-?\d+)*", rest
    ):
        return None
    if rest and re.match(r"[×*/^]|[xX]\s*\d", rest):
        return None
    return _to_number(m)


def find_number(segment: str, prefer: Literal["first", "cue"]) -> Number | None:
    """The answer's number in a piece of response text: right at a cue, else at the last `=`/"is"."""
    s = prep(segment)
    head = _LEADING.sub("", s)
    m = _NUM.match(head)
    if m and m.group(0).strip():
        n = _to_number(m)
        if n is not None:
            return n
    cut = max(s.rfind("="), s.rfind("≈"))
    if cut >= 0:  # "x/y = 80/0.8 = 100 (since …)": what follows the last "=" is the answer
        s = s[cut + 1 :]
        prefer = "first"
    nums = _numbers(s)
    if not nums:
        return None
    if prefer == "first":
        return nums[0][1]
    for start, n in reversed(nums):
        if _CUE_BEFORE.search(s[max(0, start - 30) : start]):
            return n
    return nums[-1][1]


def number_in_response(answer: str) -> Number | None:
    """The final numeric answer of a whole response, by the extraction order of SPEC §5."""
    for cand in candidates(answer):
        prefer: Literal["first", "cue"] = "first" if cand.source in CUE_SOURCES else "cue"
        n = find_number(cand.raw, prefer)
        if n is not None:
            return n
    return None


def fmt(value: float) -> str:
    """A number printed short and exact enough to read: 0.32, 1000, 0.0032, 1.5e+20."""
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


def show(n: Number) -> str:
    """A number as the grade's `extracted` shows it."""
    return fmt(n.value) + ("%" if n.percent else "")


def _readings(n: Number) -> tuple[float, ...]:
    # "28%" may be meant as 28 or as 0.28: both readings are accepted.
    return (n.value, n.value / 100.0) if n.percent else (n.value,)


def close_enough(gold: float, ans: float, tolerance: float | None) -> bool:
    """|gold − ans| ≤ tolerance (0.01 by default), or a relative error ≤ 1e-6 for large values."""
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    diff = abs(gold - ans)
    return diff <= tol + 1e-12 or diff <= REL_TOLERANCE * abs(gold)


def compare_numbers(gold: Number, ans: Number, tolerance: float | None) -> tuple[bool, str]:
    """Whether two numbers agree under the JEE rule, and a one-line reason."""
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    best: tuple[float, float, float] | None = None
    for g in _readings(gold):
        for a in _readings(ans):
            if close_enough(g, a, tolerance):
                rel = "" if abs(g - a) <= tol + 1e-12 else f" (relative {REL_TOLERANCE:g})"
                return True, f"|{fmt(g)}-{fmt(a)}| ≤ {tol:g}{rel}"
            if best is None or abs(g - a) < best[0]:
                best = (abs(g - a), g, a)
    assert best is not None
    return False, f"|{fmt(best[1])}-{fmt(best[2])}| = {best[0]:.4g} > {tol:g}"


def grade_numeric(answer: str, gold: Number, *, kind: str, tolerance: float | None = None) -> Grade:
    """Grade a response against a numeric reference."""
    if not answer.strip():
        return Grade(0.0, "zero", None, "empty answer", None, None, kind)
    n = number_in_response(answer)
    if n is None:
        return needs_human(f"no number found in the answer (reference {show(gold)})", kind)
    ok, why = compare_numbers(gold, n, tolerance)
    return Grade(1.0 if ok else 0.0, "full" if ok else "zero", show(n), why, None, None, kind)
