"""Numbers in references and responses, and the JEE numeric rule |gold − answer| ≤ 0.01.

Handles `1,000`, `1 000`, `.4`, `28%`, `3.2 × 10^{-3}`, `3.2e-3`, `\\frac{3}{4}`, `3/4`, unicode
minus and superscripts, and units after the number (`5 m/s`, `10 J`, `mol^{-1}`).
"""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import dataclass
from typing import Literal

from graders.extract import (
    CUE_SOURCES,
    PROSE_WORDS,
    Candidate,
    candidates,
    cut_off,
    math_texts,
)
from graders.mathparse import Node, ParseError, parse_math
from graders.mathtree import (
    ABS_TOLERANCE,
    REL_TOLERANCE,
    approx,
    close_enough,
    has_decimal,
    huge,
    infinity,
    is_scalar,
)
from graders.parsed import Parsed, Rules
from graders.result import Grade, Kind, needs_human
from graders.structure import strip_names

# One-letter units that may follow a number; any other single letter is a variable (`3x`).
UNIT_LETTERS = frozenset("msgJKNWVACFTHLlhMSΩ°")


@dataclass(frozen=True)
class Number:
    """A number as written: its value, whether it was a percentage, and whether it was an integer."""

    value: float
    percent: bool = False
    integral: bool = False
    text: str = ""
    exact: bool = False  # written exactly (integers, fractions, radicals), not as a decimal


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
    ("^{\\circ}", "°"),
    ("^\\circ", "°"),
    ("\\circ", "°"),
    ("\\degree", "°"),
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


_LATEX_THOUSANDS = re.compile(r"(\d)(?:\{,\}|,\\!|\\,|\\!)\s*(?=\d{3}(?!\d))")


def prep(text: str) -> str:
    """Rewrite LaTeX and unicode spellings of numbers into one plain form."""
    s = text
    if "\\" in s or "{,}" in s:  # `11,\! 111,\! 100`, `32\,349`: thousands marked by LaTeX
        s = _LATEX_THOUSANDS.sub(r"\1", s)
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
            exact = "." not in m.group("fn") + m.group("fd")
            return Number(sign * num / den, False, False, m.group(0).strip(), exact)
        mant_text = m.group("mant").replace(",", "").replace(" ", "")
        value = float(mant_text)
        integral = "." not in mant_text
        exact = integral and (m.group("den") is None or "." not in m.group("den"))
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
            exact = exact and m.group("e1") is None
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
    return Number(sign * value, percent, integral and not percent, m.group(0).strip(), exact)


_COMMAND_ARG = re.compile(r"(?:\\[A-Za-z]+|\})\s*(?:\[[^\]]*\])?\s*\{$")


def _numbers(s: str) -> list[tuple[int, Number]]:
    """Numbers in s, skipping digits that belong to words, subscripts or unit exponents."""
    found: list[tuple[int, Number]] = []
    for m in _NUM.finditer(s):
        start = m.start()
        before = s[start - 1] if start > 0 else ""
        if before and (before.isalnum() or before in "._^\\}"):
            continue  # H2O, x_1, m^2, 3.2.1
        if before == "{" and _COMMAND_ARG.search(s, max(0, start - 40), start):
            continue  # `\binom{5}{2}`, `\sqrt{17}`: a digit inside a formula is not the answer
        if m.group("sign") and start > 0:
            j = start - 1
            while j >= 0 and s[j] in " \t":
                j -= 1
            if j >= 0 and (
                s[j].isalnum() or s[j] in ")}]^" or (s[j] == "{" and s[j - 1 : j] in ("^", "_"))
            ):
                continue  # "mol-1", "s^-1", "mol^{-1}", "(x+1) - 2", "x^2 - 1": not a signed number
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


_COMMA_DECIMAL_IN_TEXT = re.compile(r"(?<![\d,.])(\d+),(\d{1,2}|\d{4,})(?![\d,])")
_MIXED = re.compile(r"^([-+]?\d+)[ \t]+(\d+)[ \t]*/[ \t]*(\d+)[ \t]*(?:[A-Za-z]+[ \t]*)?$")
_DECIMAL_COMMA = re.compile(r"^([-+]?\d+),(\d{1,2}|\d{4,})(?![\d,])")


@functools.lru_cache(maxsize=1024)  # a reference is read by kind inference and by its rule
def parse_number(text: str, *, decimal_comma: bool = False) -> Number | None:
    """The number a short text states (a reference or a bare answer), units allowed after it.

    `2,5` is 2.5 (a comma before one, two or four-plus digits is a decimal comma; before three
    it separates thousands); `3x^4` is not a number with a unit, nor is `4\\sqrt2`.
    """
    s = _LEADING.sub("", prep(text).strip())
    if decimal_comma:  # an answer's `2,5`; a reference's `2,5` is a list
        s = _DECIMAL_COMMA.sub(r"\1.\2", s)
    mixed = _MIXED.match(s)
    if (
        mixed
        and int(mixed.group(3)) > int(mixed.group(2)) > 0
        and not (set(re.findall(r"[A-Za-z]+", s)) & PROSE_WORDS)
    ):  # `1 1/2`, `1 1/2 cups`: one and a half
        whole, num, den = (int(mixed.group(i)) for i in (1, 2, 3))
        sign = -1 if s.startswith("-") else 1
        value = sign * (abs(whole) + num / den)
        return Number(value, False, False, mixed.group(0).strip(), True)
    m = _NUM.match(s)
    if not m or not m.group(0).strip():
        return None
    rest = s[m.end() :].strip()
    # After the number only units may follow: words, /, ^, -1 exponents, degree marks.
    if rest and not re.fullmatch(
        r"(?:[A-Za-zµμΩÅ°℃'\"/^{}()\[\]\s.·×*-]|(?<=[A-Za-z^{])-?\d+)*", rest
    ):
        return None
    if rest and re.match(r"[×*/^(]|[xX]\s*\d", rest):
        return None
    if any(len(w) == 1 and w not in UNIT_LETTERS for w in re.findall(r"[A-Za-z]+", rest)):
        return None  # `3x`, `2n + 1`: a variable, not a unit
    if any(w in PROSE_WORDS for w in re.findall(r"[A-Za-z]+", rest)):
        return None  # "16 and the": a sentence goes on
    return _to_number(m)


_CONTINUES = re.compile(
    r"[ \t]*\\(?:sqrt|pi|frac|cdot|times|sin|cos|tan|log|ln|exp)(?![A-Za-z])|[(\[^!]"
    r"|\{(?![ \t]*[A-Za-zµΩ°][A-Za-z \t]*(?:[}^]|$))"  # `{mol dm^{-3}}` is a unit
    r"|[ \t]*[A-Za-z](?![A-Za-z])"
    r"|[ \t]*[-+*/][ \t]*(?:\d|\.\d|\\(?:frac|sqrt|pi)|[A-Za-z](?![A-Za-z])|[({])"
)
# A number right after a binary operator is a term of a formula (`x + 0.5`), not its value.
_AFTER_OPERATOR = re.compile(r"(?:[\w)}][ \t]*[-+*/]|[-+*/][ \t]*\()[ \t]*$")


def _continues_math(s: str, end: int) -> bool:
    """True when the number at s[:end] is only the start of a formula (`4\\sqrt2`, `3x`, `2(`)."""
    m = _CONTINUES.match(s, end)
    if not m:
        return False
    letter = m.group(0).strip()
    return not (len(letter) == 1 and letter.isalpha() and letter in UNIT_LETTERS)


def find_number(
    segment: str, prefer: Literal["first", "cue"], *, whole_line: bool = False
) -> Number | None:
    """The answer's number in a piece of response text: right at a cue, else at the last `=`/"is".

    With `whole_line` (a last line without any answer cue) the number must end the line: a
    response cut off mid-thought gets no answer made up from a digit of its reasoning.
    """
    if whole_line and cut_off(segment):
        return None
    s = prep(segment)
    if "," in s:  # "ist 2,5 g/cm³": a decimal comma, as in parse_number (not `2, 5` nor `1,000`)
        s = _COMMA_DECIMAL_IN_TEXT.sub(r"\1.\2", s)
    head = _LEADING.sub("", s)
    m = _NUM.match(head)
    if m and m.group(0).strip() and not _continues_math(head, m.end()):
        n = _to_number(m)
        if n is not None:
            return n
    cut = max(s.rfind("="), s.rfind("≈"))
    if cut >= 0:  # "x/y = 80/0.8 = 100 (since …)": what follows the last "=" is the answer
        s = s[cut + 1 :]
        prefer = "first"
    nums = [
        (start, n)
        for start, n in _numbers(s)
        if not _continues_math(s, start + _span(s, start))
        and not _AFTER_OPERATOR.search(s, max(0, start - 20), start)
    ]
    if not nums:
        return None
    if prefer == "first":
        return nums[0][1]
    for start, n in reversed(nums):
        if _CUE_BEFORE.search(s[max(0, start - 30) : start]):
            return n
    return nums[-1][1]


def _span(s: str, start: int) -> int:
    m = _NUM.match(s, start)
    return len(m.group(0).rstrip()) if m else 0


def _has_symbol(node: Node) -> bool:
    return node.op == "sym" or any(_has_symbol(a) for a in node.args)


def _several(node: Node) -> bool:
    node = strip_names(node)
    return node.op in ("list", "set", "tuple") and len(set(node.args)) > 1


def value_of(node: Node, text: str) -> Number | Node | None:
    """A math tree as a Number when it is a constant (`(9+1)`, `4\\sqrt2`, `5!`), the tree
    itself when it has variables (`3x^4` is an expression, not a number), else None."""
    node = strip_names(node)
    if node.op == "rel" and node.value == "=":
        node = node.args[1]  # `5+5+1 = 11`: the last right side
    if node.op in ("list", "set") and len(node.args) == 1:
        node = node.args[0]
    if not is_scalar(node):
        return None
    v = approx(node)
    if v is not None and abs(v.imag) < 1e-12:
        integral = v.real.is_integer() and not has_decimal(node)
        return Number(v.real, False, integral, text, not has_decimal(node))
    if huge(node):
        return Number(math.inf, False, False, text, True)
    sign = infinity(node)
    if sign:
        return Number(sign * math.inf, False, False, text, True)
    if _has_symbol(node):
        return node
    return None


# "The answer is not 5", "it cannot be 5", "5 is wrong": a value ruled out, not given.
_RULED_OUT_BEFORE = re.compile(
    r"(?:\bnot|n't|\bcannot|\bnever|≠|\\neq?)\s*(?:be\s+|equal\s+to\s+|equals?\s+)?[$\\(\s]*$",
    re.IGNORECASE,
)
_RULED_OUT_AFTER = re.compile(
    r"^[$)\s]*(?:is|was|would\s+be|seems)\s+(?:wrong|incorrect|not\b|false|impossible)",
    re.IGNORECASE,
)


def _ruled_out(raw: str, n: Number) -> bool:
    """True when the sentence rules the number out ("the answer is not 5", "5 is wrong")."""
    at = raw.rfind(n.text) if n.text else -1
    if at < 0:
        return False
    return bool(
        _RULED_OUT_BEFORE.search(raw[max(0, at - 40) : at])
        or _RULED_OUT_AFTER.match(raw[at + len(n.text) : at + len(n.text) + 40])
    )


def _reading(cand: Candidate) -> Number | Node | None:
    """The number one candidate states, unless the sentence rules it out."""
    got = _reading_of(cand)
    if isinstance(got, Number) and _ruled_out(cand.raw, got):
        return None
    return got


def _reading_of(cand: Candidate) -> Number | Node | None:
    """The number one candidate states: bare, as a formula's value, or in a sentence."""
    if cand.source == "last_line" and cut_off(cand.raw):
        return None  # a response cut off mid-thought has no final answer
    n = parse_number(cand.text, decimal_comma=True)
    if n is not None:
        return n
    formula: Node | None = None
    for text in math_texts(cand):
        n = parse_number(text, decimal_comma=True)
        if n is not None:
            return n
        try:
            node = parse_math(text)
        except ParseError:
            continue
        got = value_of(node, text)
        if isinstance(got, Number):
            return got
        if _several(node):
            return node  # "1, 2", "(3, 4)", "1 and 2": more than the one number asked for
        if got is not None and formula is None:
            formula = got
    prefer: Literal["first", "cue"] = "first" if cand.source in CUE_SOURCES else "cue"
    found = find_number(cand.raw, prefer, whole_line=cand.source == "last_line")
    return found if found is not None else formula


def read_response(
    answer: str, deadline: float | None = None
) -> tuple[Number | Node | None, Candidate | None]:
    """The number (or the non-constant formula) a whole response answers, and where it was."""
    for cand in candidates(answer):
        if deadline is not None and time.monotonic() > deadline:
            return None, None
        got = _reading(cand)
        if got is not None:
            return got, cand
    return None, None


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


def compare_numbers(gold: Number, ans: Number, tolerance: float | None) -> tuple[bool, str]:
    """Whether two numbers agree under the JEE rule, and a one-line reason.

    |gold − answer| ≤ 0.01 when either side is a decimal approximation; two exact values
    (`63/400` and `64/400`) must be equal.
    """
    tol = ABS_TOLERANCE if tolerance is None else abs(tolerance)
    if math.isinf(ans.value) or math.isinf(gold.value):
        if ans.value == gold.value:
            return True, "the same infinity"
        return False, f"{show(ans)} against {show(gold)}"
    exact = tolerance is None and gold.exact and ans.exact
    best: tuple[float, float, float] | None = None
    for g in _readings(gold):
        for a in _readings(ans):
            if exact:
                if abs(g - a) <= 1e-9 * max(abs(g), abs(a)):
                    return True, f"{fmt(g)} = {fmt(a)}"
            elif close_enough(g, a, tolerance):
                if tolerance is None and 0 < abs(g) < ABS_TOLERANCE:
                    return True, f"{fmt(a)} is within 1 % of {fmt(g)}"
                rel = "" if abs(g - a) <= tol + 1e-12 else f" (relative {REL_TOLERANCE:g})"
                return True, f"|{fmt(g)}-{fmt(a)}| ≤ {tol:g}{rel}"
            if best is None or abs(g - a) < best[0]:
                best = (abs(g - a), g, a)
    assert best is not None
    if exact:
        return False, f"{fmt(best[1])} ≠ {fmt(best[2])} (exact values must be equal)"
    if tolerance is None and 0 < abs(best[1]) < ABS_TOLERANCE:
        return False, f"{fmt(best[2])} is not within 1 % of {fmt(best[1])}"
    return False, f"|{fmt(best[1])}-{fmt(best[2])}| = {best[0]:.4g} > {tol:g}"


class NumberRule:
    """`integer` and `numeric`: the value of the answer against the reference's number."""

    def __init__(self, kind: Kind) -> None:
        self.kind: Kind = kind

    def parse(self, text: str, rules: Rules, *, reference: bool = False) -> Parsed:
        """A number from a reference (`100`, `1,000`, `28%`, `\\frac{3}{4}`) or a whole response."""
        if reference:
            n = parse_number(text) or find_number(text, "first")
            if n is not None:
                return Parsed(self.kind, n, show(n), "reference")
        got, cand = read_response(text, rules.deadline)
        if isinstance(got, Number):
            return Parsed(
                self.kind,
                got,
                show(got),
                cand.source if cand else "",
                decimal_comma=not reference and "," in got.text and _european(text),
            )
        if isinstance(got, Node):
            said = cand.text if cand else ""
            return Parsed(self.kind, got, " ".join(said.split())[:200], "formula")
        if reference:
            return Parsed(self.kind, problem=f"the reference {text.strip()[:60]!r} is not a number")
        if time.monotonic() > rules.deadline:
            return Parsed(
                self.kind, problem=f"reading the answer timed out after {rules.timeout:g} s"
            )
        return Parsed(self.kind, problem="no number found in the answer")

    def verify(self, gold: Parsed, answer: Parsed, rules: Rules) -> Grade:
        """Full when the values agree under the JEE rule; a formula with variables is zero."""
        kind = self.kind
        if not isinstance(gold.value, Number):
            return needs_human(gold.problem or "the reference is not a number", kind, answer.text)
        if answer.empty:
            return Grade(0.0, "zero", None, "empty answer", None, None, kind)
        if isinstance(answer.value, Node):
            if not _several(answer.value) and is_scalar(strip_names(answer.value)):
                same = _constant_formula(gold.value, strip_names(answer.value), rules)
                if same is not None:
                    return Grade(1.0, "full", answer.text, same, None, None, kind)
            what = "several values" if _several(answer.value) else "an expression"
            return Grade(
                0.0,
                "zero",
                answer.text,
                f"{answer.text} is {what}, not the number {show(gold.value)}",
                None,
                None,
                kind,
            )
        if not isinstance(answer.value, Number):
            return needs_human(f"{answer.problem} (reference {show(gold.value)})", kind)
        ok, why = compare_numbers(gold.value, answer.value, rules.tolerance)
        if not ok:
            scaled = _in_question_units(gold.value, answer.value, rules)
            if scaled is not None:
                return Grade(1.0, "full", answer.text, scaled, None, None, kind)
            doubt = _comma_doubt(gold.value, answer.value, rules.tolerance)
            if doubt is not None:
                if answer.decimal_comma:
                    other = _as_decimal_comma(answer.value)
                    if other is not None and compare_numbers(gold.value, other, rules.tolerance)[0]:
                        return Grade(
                            1.0,
                            "full",
                            answer.text,
                            f"{answer.value.text} with a decimal comma, as the answer's language"
                            f" writes it, is {fmt(other.value)}",
                            None,
                            None,
                            kind,
                        )
                return needs_human(doubt, kind, answer.text)
        return Grade(
            1.0 if ok else 0.0, "full" if ok else "zero", answer.text, why, None, None, kind
        )


def _constant_formula(gold: Number, formula: Node, rules: Rules) -> str | None:
    """Why a formula with variables is the reference's number everywhere
    (`(\\cos x)^2 + (\\sin x)^2` is 1), or None when it is not (or that cannot be told)."""
    from graders.symbolic import same_math

    if gold.percent or not math.isfinite(gold.value):
        return None
    try:
        target = parse_math(gold.text) if gold.exact else Node("num", (), repr(gold.value))
    except ParseError:
        target = Node("num", (), repr(gold.value))
    ok, why = same_math(target, formula, rules)
    return (
        f"the formula equals {show(gold)} for every value of its variables ({why})" if ok else None
    )


# "(in units of 10^{-5} mol dm^{-3})", "× 10^{-2} J", "in 10^{3} kg": the scale the question asks
_QUESTION_SCALE = re.compile(
    r"(?:\\times|×|x|\*|\bin(?:\s+units\s+of)?)\s*\$?\s*10\s*\^\s*\{?\s*([-+−]?\s*\d{1,3})\s*\}?",
    re.IGNORECASE,
)


def _in_question_units(gold: Number, ans: Number, rules: Rules) -> str | None:
    """Why an answer written with its power of ten (`6.75 × 10^{-5} mol dm^{-3}`) is the
    reference (6.75) in the units the question asks for (`… × 10^{-5} mol dm^{-3}`), or None."""
    if not rules.question or "10" not in rules.question:
        return None
    for m in _QUESTION_SCALE.finditer(rules.question[-5000:]):
        power = int(m.group(1).replace(" ", "").replace("−", "-"))
        if power == 0:
            continue
        scaled = Number(ans.value / 10.0**power, False, False, ans.text, False)
        if compare_numbers(gold, scaled, rules.tolerance)[0]:
            return (
                f"{show(ans)} is {fmt(scaled.value)} × 10^{power}, the units the question asks for"
            )
    return None


# Words of the languages that write a decimal comma: in such a response `1,225` is 1.225.
_EUROPEAN_WORDS = re.compile(
    r"\b(?:réponse|donc|ainsi|est|antwort|daher|ergebnis|ist|respuesta|por\s+lo\s+tanto|es"
    r"|resposta|portanto|risposta|quindi|ответ|итак|равно|также)\b",
    re.IGNORECASE,
)


def _european(text: str) -> bool:
    """True when a response is written in a language that uses the decimal comma."""
    return bool(text) and len(_EUROPEAN_WORDS.findall(text[-MAX_EUROPEAN:])) >= 2


MAX_EUROPEAN = 5000
_ONE_GROUP = re.compile(r"[-+]?\d{1,3},\d{3}")


def _as_decimal_comma(n: Number) -> Number | None:
    """`10,455` read the other way, as 10.455 (a decimal comma), if it is written so."""
    if n.percent or not _ONE_GROUP.fullmatch(n.text.replace(" ", "")):
        return None
    try:
        value = float(n.text.replace(" ", "").replace(",", "."))
    except ValueError:
        return None
    return Number(value, False, False, n.text, False)


def _comma_doubt(gold: Number, ans: Number, tolerance: float | None) -> str | None:
    """Why a mismatch is not a sure zero: one side is `10,455`, read as 10455 (a comma before
    three digits separates thousands), and read with a decimal comma, as 10.455, it would match.
    Neither reading is guessed: a person decides."""
    for side, number, other in (("answer", ans, gold), ("reference", gold, ans)):
        other_way = _as_decimal_comma(number)
        if (
            other_way is not None
            and compare_numbers(
                other if side == "answer" else other_way,
                other_way if side == "answer" else other,
                tolerance,
            )[0]
        ):
            return (
                f"the {side} {number.text} reads as {fmt(number.value)} (a comma before three"
                f" digits separates thousands), which does not match; with a decimal comma it is"
                f" {fmt(other_way.value)}, which does: please check which was meant"
            )
    return None
