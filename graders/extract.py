"""Find the final answer in a whole model response, in order of trust (SPEC §5).

Order: the last `<answer>` tag (an unclosed one too), the last `\\boxed{}`, "final answer is …",
"Answer: …" / "Ans) …", "the (correct) answer/option is …", then the last non-empty line.
Every pattern here is linear in the text: responses can be megabytes of chain of thought.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Source = Literal[
    "answer_tag", "boxed", "final_answer", "answer_label", "answer_phrase", "last_line"
]

# Sources whose text starts right at the answer; the others may carry reasoning before it.
CUE_SOURCES = frozenset({"boxed", "final_answer", "answer_label", "answer_phrase"})


@dataclass(frozen=True)
class Candidate:
    """One place where the final answer may be, with how much it is trusted."""

    text: str  # cleaned: no bold, no `$` delimiters, no trailing period
    raw: str  # as found, for parsers that need the math delimiters
    source: Source
    siblings: tuple[str, ...] = ()  # other \boxed{} contents on the same line (multi-choice)


MAX_PER_CUE = 20  # occurrences of one cue considered, the last ones
MAX_SPAN = 20_000  # characters of one candidate: a final answer is never longer
_TAG_OPEN = "<answer>"
_TAG_CLOSE = "</answer>"
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*(\{)?")
_FINAL = re.compile(r"final\s+answer(\s+is\b|\s*[:=\-–])?[ \t]*:?[ \t]*", re.IGNORECASE)
# "Answer: B", "Ans) c", "Ans. 100"; a bare "answer." ending a sentence is not a label.
_LABEL = re.compile(
    r"(?:^|(?<=[\s*#>(\[_]))(?:answer[ \t]*([:)\-–])|ans[ \t]*([:)\-–.]))[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_PHRASE = re.compile(
    r"\b(?:correct\s+|right\s+|final\s+|best\s+)?(?:answer|option|choice|alternative)s?"
    r"\s+(?:is|are|would\s+be|will\s+be|should\s+be|must\s+be)\b[ \t]*:?[ \t]*",
    re.IGNORECASE,
)
_TRAILING_CHARS = " \t\r\n\f\v.;,!。"
_MATH_WRAP = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_TEXT_WRAP = re.compile(
    r"^\\(?:text|textbf|mathbf|mathrm|textrm|mbox|mathit|textit)\s*\{(.*)\}$", re.S
)
_JUNK_LINE = re.compile(r"^[\W_]*$|^\s*</?[a-z_]+>\s*$", re.IGNORECASE)


def clean(text: str) -> str:
    """Strip what surrounds an answer: bold, `$…$`, `\\text{}`, list markers, trailing periods."""
    s = text.replace("**", "").replace("\\displaystyle", "").strip()
    s = re.sub(r"^(?:[#>*\-•]+\s+)+", "", s)
    for _ in range(3):
        before = s
        s = s.rstrip(_TRAILING_CHARS).strip()
        for left, right in _MATH_WRAP:
            if len(s) > len(left) + len(right) and s.startswith(left) and s.endswith(right):
                s = s[len(left) : len(s) - len(right)].strip()
                break
        m = _TEXT_WRAP.match(s)
        if m and balanced(m.group(1)):
            s = m.group(1).strip()
        if s == before:
            break
    # Lone `$` inside prose ("the answer is $5$ m/s") carry no meaning once extracted.
    if "$" in s:
        s = s.replace("$$", " ").replace("$", "").strip()
        s = s.rstrip(_TRAILING_CHARS).strip()
    return s


def balanced(s: str) -> bool:
    """True when every `{` in s is closed in order."""
    depth = 0
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def braced(text: str, start: int) -> tuple[str, int] | None:
    """The content of the brace group opening at text[start] == '{', and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            continue
        if ch == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
    return None


def _boxes(text: str) -> list[tuple[int, str]]:
    """The last `\\boxed{…}` / `\\fbox{…}` of text with their positions, nested braces handled."""
    found: list[tuple[int, str]] = []
    # Only the last few matter, and brace matching is bounded, so the cost stays linear.
    for m in list(_BOXED.finditer(text))[-MAX_PER_CUE:]:
        if m.group(1):
            got = braced(text[: m.end() - 1 + MAX_SPAN], m.end() - 1)
            if got is None:  # unclosed: take the rest of the line
                end = text.find("\n", m.end(), m.end() + MAX_SPAN)
                found.append((m.start(), text[m.end() : end if end >= 0 else m.end() + MAX_SPAN]))
                continue
            found.append((m.start(), got[0]))
        else:
            word = re.match(r"\s*([^\s$]+)", text[m.end() : m.end() + 200])
            if word:
                found.append((m.start(), word.group(1)))
    return found


def _rest_of_line(text: str, pos: int, *, next_line: bool) -> str:
    """The text from pos to the end of its line, or the next non-empty line if that is empty."""
    end = text.find("\n", pos, pos + MAX_SPAN)
    line = text[pos : end if end >= 0 else pos + MAX_SPAN]
    if clean(line) or not next_line or end < 0:
        return line
    for following in text[end + 1 : end + 2000].split("\n"):  # the next line, near by
        if clean(following):
            return following
    return ""


def _last_matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    return list(pattern.finditer(text))[: -MAX_PER_CUE - 1 : -1]


def _cue_candidates(text: str, source_override: Source | None = None) -> Iterator[Candidate]:
    """Candidates from boxes and answer cues in text, the most trusted and the latest first."""
    boxes = _boxes(text)
    for i in range(len(boxes) - 1, -1, -1):
        pos, content = boxes[i]
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line_end = len(text) if line_end < 0 else line_end
        siblings = tuple(c for p, c in boxes if line_start <= p < line_end and p != pos)
        yield Candidate(clean(content), content, source_override or "boxed", siblings)
    for m in _last_matches(_FINAL, text):
        heading = m.group(1) is None
        after = text[m.end() : m.end() + 1]
        if heading and after not in ("", "\n", "\r", "*"):
            continue  # "final answer, let's check" is not a cue
        raw = _rest_of_line(text, m.end(), next_line=True)
        yield Candidate(clean(raw), raw, source_override or "final_answer")
    for m in _last_matches(_LABEL, text):
        raw = _rest_of_line(text, m.end(), next_line=":" in (m.group(1), m.group(2)))
        yield Candidate(clean(raw), raw, source_override or "answer_label")
    for m in _last_matches(_PHRASE, text):
        raw = _rest_of_line(text, m.end(), next_line=True)
        yield Candidate(clean(raw), raw, source_override or "answer_phrase")


def _last_line(text: str) -> str | None:
    for line in reversed(text[-MAX_SPAN:].splitlines()):
        if not _JUNK_LINE.match(line) and clean(line):
            return line
    return None


def candidates(text: str) -> Iterator[Candidate]:
    """Every candidate for the final answer, most trusted first; empty ones are skipped."""
    if not isinstance(text, str):
        return
    lowered = text.lower()
    start = lowered.rfind(_TAG_OPEN)
    if start >= 0:
        end = lowered.find(_TAG_CLOSE, start)
        content = text[start + len(_TAG_OPEN) : end if end >= 0 else len(text)][-MAX_SPAN:]
        for c in _cue_candidates(content, "answer_tag"):
            if c.text:
                yield c
        if clean(content):
            yield Candidate(clean(content), content, "answer_tag")
    for c in _cue_candidates(text):
        if c.text:
            yield c
    line = _last_line(text)
    if line is not None:
        yield Candidate(clean(line), line, "last_line")


def extract_answer(text: str) -> str | None:
    """The most trusted final answer in a response, cleaned, or None if there is none."""
    try:
        for c in candidates(text):
            return c.text
    except Exception:  # extraction must never take a grade down
        return None
    return None
