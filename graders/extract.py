"""Find the final answer in a whole model response, in order of trust (SPEC §5).

Order: the last `<answer>` tag (an unclosed one too); the latest strong cue with a value after
it — `\\boxed{}`, "final answer is …", "Answer: …" / "Ans) …", "the (correct) answer/option is
…", and the same cues in French, German, Spanish, Portuguese, Italian, Chinese and Russian;
longer answer phrases and conclusions ("Donc x = 5"); then the last non-empty line, unless it
stops mid-thought or doubts ("there must be an error …"). `final_answer` is the one public
reader. Every pattern here is linear in the text: responses can be megabytes of reasoning.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Source = Literal[
    "answer_tag",
    "boxed",
    "final_answer",
    "answer_label",
    "answer_phrase",
    "conclusion",
    "last_line",
]

# Sources whose text starts right at the answer; the others may carry reasoning before it.
CUE_SOURCES = frozenset({"boxed", "final_answer", "answer_label", "answer_phrase", "conclusion"})


@dataclass(frozen=True)
class Candidate:
    """One place where the final answer may be, with how much it is trusted."""

    text: str  # cleaned: no bold, no `$` delimiters, no trailing period
    raw: str  # as found, for parsers that need the math delimiters
    source: Source
    siblings: tuple[str, ...] = ()  # other \boxed{} contents of the same run of boxes
    pos: int = -1  # where it starts in the text searched


def cut_off(line: str) -> bool:
    """True when a line stops mid-thought ("First 12 * 3 = 36, then we add", "= 10. Then I").

    A response cut off by a token limit has no final answer; its last line must not lend it one.
    """
    s = line.strip().rstrip("*").strip()
    if not s:
        return True
    if s[-1] in ",:;=+-*/^({[\\&" and not (len(s) > 1 and s[-2] == "\\"):
        return True
    words = re.findall(r"[A-Za-z']+$", s)
    if words and len(words[-1]) == 1:
        before = s[:-1].rstrip()
        if not before[-1:].isalpha() or re.search(r"\\[A-Za-z]+$", before):
            return False  # `b > a`, `b \geq a`, `3 + 4i`, a bare `i`: a variable, not prose
    return bool(words) and (words[-1] in PROSE_WORDS or words[-1] == "I")


MAX_PER_CUE = 20  # occurrences of one cue considered, the last ones
MAX_SPAN = 4_000  # characters of one candidate: a final answer is never longer
MAX_TAG = 20_000  # characters of an <answer> tag's content read (its end)
# Characters at the end of a response searched for answer cues: the final answer is at the end,
# and a bound here keeps a grade's in-process work the same for a 100 kB or a 100 MB response.
MAX_TAIL = 100_000
_TAG_OPEN = "<answer>"
_TAG_CLOSE = "</answer>"
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*(\{)?")
_FINAL = re.compile(r"final\s+answer(\s+is\b|\s*[:=\-–])?[ \t]*:?[ \t]*", re.IGNORECASE)
# "Answer: B", "Ans) c", "Ans. 100"; a bare "answer." ending a sentence is not a label.
_LABEL = re.compile(
    r"(?:^|(?<=[\s*#>(\[_]))(?:answer[ \t]*([:)\-–])|ans[ \t]*([:)\-–.])|final[ \t]*(:))[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_PHRASE = re.compile(
    r"\b(?:correct\s+|right\s+|final\s+|best\s+)?(?:answer|option|choice|alternative)s?"
    r"\s+(?:is|are|would\s+be|will\s+be|should\s+be|must\s+be)\b[ \t]*:?[ \t]*",
    re.IGNORECASE,
)
# What may sit between two boxes of one answer: `\boxed{2} and \boxed{3}`, `\boxed{A}, \boxed{D}`.
_BOX_GAP = re.compile(
    r"(?:\s|[,;$]|\\[,;! ]|\\q?quad|\\text\s*\{\s*(?:and|or|,)?\s*\}|\band\b|\bor\b|&|\\\\)*"
)
PROSE_WORDS = frozenset(
    [
        "then",
        "we",
        "so",
        "and",
        "but",
        "which",
        "since",
        "because",
        "next",
        "now",
        "let",
        "i",
        "to",
        "the",
        "a",
        "an",
        "is",
        "are",
        "if",
        "for",
        "this",
        "that",
        "it",
        "can",
        "will",
        "add",
        "from",
        "of",
        "with",
        "as",
        "by",
        "be",
        "was",
        "were",
        "not",
        "plus",
        "minus",
        "times",
        "divided",
        "multiply",
        "get",
        "compute",
        "find",
        "need",
        "have",
        "has",
        "our",
        "its",
        "into",
        "using",
        "use",
        "where",
        "when",
        "our",
        "us",
    ]
)
_TRAILING_CHARS = " \t\r\n\f\v.;,!。"
_BOLD = re.compile(r"(?<![\w)}])\*\*|\*\*(?![\w({])")  # `**5**` is bold, `10**10` a power


def _strip_end(s: str) -> str:
    """Trailing punctuation off, but not a factorial's `!` (`5!`)."""
    while s and s[-1] in _TRAILING_CHARS:
        if s[-1] == "!" and len(s) > 1 and (s[-2].isdigit() or s[-2] in ")}"):
            break
        if s[-1] == "!" and len(s) > 1 and s[-2].isalpha() and not s[-3:-2].isalpha():
            break  # `n!`, `(n-1)! n!`: a factorial of a variable, not an exclamation
        if len(s) > 1 and s[-2] == "\\":
            break  # `\;`, `\,`, `\!`: LaTeX spacing, not punctuation
        s = s[:-1]
    return s.strip()


_MATH_WRAP = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_TEXT_WRAP = re.compile(
    r"^\\(?:text|textbf|mathbf|mathrm|textrm|mbox|mathit|textit)\s*\{(.*)\}$", re.S
)
# List markers; a "-" is a bullet only before a word or emphasis, else it is a minus sign.
_BULLETS = re.compile(r"^(?:(?:[#>*•]+|-(?=\s+(?:[A-Za-z]{2}|\*|\\text)))\s+)+")
_JUNK_LINE = re.compile(r"^[^\w\\]*$|^\s*</?[a-z_]+>\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=512)  # one grade cleans the same candidate several times
def clean(text: str) -> str:
    """Strip what surrounds an answer: bold, `$…$`, `\\text{}`, list markers, trailing periods."""
    s = _BOLD.sub("", text) if "**" in text else text
    if "\\displaystyle" in s:
        s = s.replace("\\displaystyle", "")
    s = s.strip()
    if s[:1] in ("#", ">", "*", "•", "-"):
        s = _BULLETS.sub("", s)
    for _ in range(3):
        before = s
        s = _strip_end(s)
        if s[:1] in ("$", "\\"):
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
        s = _strip_end(s)
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


def _boxes(text: str) -> list[tuple[int, int, str]]:
    """The last `\\boxed{…}` / `\\fbox{…}` of text: start, end and content, nested braces handled."""
    found: list[tuple[int, int, str]] = []
    # Only the last few matter, and brace matching is bounded, so the cost stays linear.
    for m in list(_BOXED.finditer(text))[-MAX_PER_CUE:]:
        if m.group(1):
            got = braced(text[: m.end() - 1 + MAX_SPAN], m.end() - 1)
            if got is None:  # unclosed: take the rest of the line
                end = text.find("\n", m.end(), m.end() + MAX_SPAN)
                stop = end if end >= 0 else m.end() + MAX_SPAN
                found.append((m.start(), stop, text[m.end() : stop]))
                continue
            found.append((m.start(), got[1], got[0]))
        else:
            word = re.match(r"\s*([^\s$]+)", text[m.end() : m.end() + 200])
            if word:
                found.append((m.start(), m.end() + word.end(), word.group(1)))
    return found


def _box_runs(text: str, boxes: list[tuple[int, int, str]]) -> list[tuple[str, ...]]:
    """For each box, the contents of the other boxes of its run (`\\boxed{2} and \\boxed{3}`)."""
    run_of: list[int] = []
    run = 0
    for i in range(len(boxes)):
        if i and not _BOX_GAP.fullmatch(text[boxes[i - 1][1] : boxes[i][0]]):
            run += 1
        run_of.append(run)
    return [
        tuple(c for j, (_, _, c) in enumerate(boxes) if run_of[j] == run_of[i] and j != i)
        for i in range(len(boxes))
    ]


_SENTENCE_END = re.compile(r"(?<=[^\s.\d])\.\s+(?=[A-Z])|(?<=\d)\.\s+(?=[A-Z](?:[a-z]|\s+[a-z]))")


def _first_sentence(line: str) -> str:
    """A line cut after its first sentence: "9. I hope that is clear." is the answer 9."""
    for m in _SENTENCE_END.finditer(line):
        if line.count("$", 0, m.start()) % 2 == 0 and balanced(line[: m.start()]):
            return line[: m.start() + 1]
    return line


def _rest_of_line(text: str, pos: int, *, next_line: bool) -> str:
    """The first sentence from pos on its line, or of the next non-empty line if that is empty."""
    end = text.find("\n", pos, pos + MAX_SPAN)
    line = text[pos : end if end >= 0 else pos + MAX_SPAN]
    if clean(line) or not next_line or end < 0:
        return _first_sentence(line)
    for following in text[end + 1 : end + 2000].split("\n"):  # the next line, near by
        if clean(following):
            return _first_sentence(following)
    return ""


# The cue patterns anchored at their keyword, tried only where the keyword occurs: scanning
# with str.rfind and matching there is ~20× faster than a case-insensitive regex search.
_LABEL_AT = re.compile(
    r"(?:answer[ \t]*([:)\-–])|ans[ \t]*([:)\-–.])|final[ \t]*(:))[ \t]*", re.IGNORECASE
)
_PHRASE_AT = re.compile(
    r"(?:answer|option|choice|alternative)s?"
    r"\s+(?:is|are|would\s+be|will\s+be|should\s+be|must\s+be)\b[ \t]*:?[ \t]*",
    re.IGNORECASE,
)
_CUES = {
    "final": (_FINAL, ("final",), ""),
    "label": (_LABEL_AT, ("ans", "final"), " \t\n\r\f\v*#>([_"),
    "phrase": (_PHRASE_AT, ("answer", "option", "choice", "alternative"), None),
}


def _last_matches(cue: str, text: str, low: str) -> list[re.Match[str]]:
    """The last MAX_PER_CUE matches of a cue, latest first."""
    pattern, needles, before = _CUES[cue]
    if len(low) != len(text):  # a lower-casing that changed lengths: search the slow way
        slow = {"final": _FINAL, "label": _LABEL, "phrase": _PHRASE}[cue]
        return list(slow.finditer(text))[: -MAX_PER_CUE - 1 : -1]
    found: list[re.Match[str]] = []
    for needle in needles:
        end = len(low)
        count = 0
        while count < MAX_PER_CUE:
            i = low.rfind(needle, 0, end)
            if i < 0:
                break
            end = i
            prev = text[i - 1] if i else ""
            if prev and before and prev not in before:
                continue  # "Answer:" starts a line or follows a space, `*`, `#`, `(`, …
            if prev and before is None and (prev.isalnum() or prev == "_"):
                continue  # a word boundary before "answer", "option", …
            m = pattern.match(text, i)
            if m:
                found.append(m)
                count += 1
    found.sort(key=lambda m: -m.start())
    return found[:MAX_PER_CUE]


SHORT_PHRASE = 40  # "the answer is B": a phrase followed by a short answer is a strong cue

# Words that begin prose, never a value: "this final answer is clear", "the answer is that we…",
# "Answer: let me check". A cue followed by one of them is no cue (SPEC §5).
# fmt: off
_NO_VALUE_WORDS = frozenset((
    "clear", "unclear", "obvious", "evident", "simple", "straightforward", "correct", "incorrect",
    "right", "wrong", "wrongly", "below", "above", "following", "follows", "shown", "given",
    "boxed", "stated", "written", "expressed", "there", "here", "that", "this", "these", "those",
    "it", "its", "we", "you", "our", "us", "let", "lets", "let's", "not", "likely", "probably",
    "possibly", "ambiguous", "consistent", "reasonable", "plausible", "sensible", "valid",
    "invalid", "confirmed", "verified", "found", "computed", "calculated", "derived", "different",
    "same", "independent", "dependent", "complete", "done", "ready", "in", "on", "at", "by", "for",
    "with", "from", "of", "to", "within", "into", "about", "still", "also", "yet", "what", "which",
    "where", "when", "how", "why", "because", "since", "if", "whether", "unknown", "uncertain",
    "hard", "easy", "tricky", "interesting", "important", "check", "recheck", "verify", "double",
    "note", "see", "being", "going", "coming", "based", "as", "clair", "claire", "évident",
    "évidente", "correcte", "klar", "richtig", "falsch", "clara", "claro", "correcta", "correcto",
))
# fmt: on
# Adverbs that may stand between a cue and its value: "the answer is therefore 42".
# fmt: off
_LEAD_ADVERBS = frozenset((
    "therefore", "thus", "hence", "so", "then", "simply", "just", "now", "indeed", "clearly",
    "actually", "finally", "exactly",
))
# fmt: on
_FIRST_WORD = re.compile(r"[^\W\d_]+(?:'[a-z]+)?")


def has_value(text: str) -> bool:
    """True when the text after a cue starts with a value, not with prose ("is clear")."""
    s = clean(text)
    while s:
        m = _FIRST_WORD.match(s)
        if m is None:
            return True  # a digit, a formula, `(B)`, `$…$`: a value
        word = m.group(0).casefold()
        if word in _LEAD_ADVERBS and len(s) > m.end():
            s = s[m.end() :].lstrip(" ,:")
            continue
        if word in ("i", "a") and re.match(r"\s+(?!and\b|or\b)[a-z]{2,}", s[m.end() :]):
            return False  # "I think…", "a positive number": a sentence, not `i` or `a`
        return word not in _NO_VALUE_WORDS
    return False


# Cues in other languages, searched only where one of their words occurs (`_INTL_NEEDLES`).
_INTL_FINAL = re.compile(
    r"(?:r[ée]ponse\s+finale|endg[üu]ltige\s+antwort|respuesta\s+final|resposta\s+final"
    r"|risposta\s+finale|окончательный\s+ответ|最终答案|最終答案)[ \t]*[:：]?[ \t]*",
    re.IGNORECASE,
)
_INTL_LABEL = re.compile(
    r"(?:^|(?<=[\s*#>(\[_]))(?:r[ée]ponse|antwort|respuesta|resposta|risposta|ответ|答案|答)"
    r"[ \t]*[:：][ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_INTL_PHRASE = re.compile(
    r"(?:la\s+(?:bonne\s+)?r[ée]ponse\s+est|die\s+(?:richtige\s+)?antwort\s+(?:ist|lautet)"
    r"|la\s+respuesta\s+(?:correcta\s+)?es|a\s+resposta\s+(?:correta\s+)?[ée]"
    r"|la\s+risposta\s+(?:corretta\s+)?[èe]|ответ\s*(?:равен|будет|[—–-])"
    r"|答案(?:是|为|為))[ \t]*[:：]?[ \t]*",
    re.IGNORECASE,
)
# "Donc x = 5.": a conclusion, weaker than any answer cue, and only before a value.
_INTL_CONCLUDE = re.compile(
    r"(?:^|(?<=[\s.;]))(?:donc|ainsi|daher|somit|por\s+lo\s+tanto|por\s+tanto|portanto"
    r"|quindi|итак|следовательно|所以|因此)[ \t]*[,，:：]?[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_INTL_NEEDLES = (
    "réponse", "reponse", "antwort", "respuesta", "resposta", "risposta", "ответ", "答",
    "donc", "ainsi", "daher", "somit", "tanto", "quindi", "итак", "следовательно", "所以", "因此",
)  # fmt: skip
_MATHY = re.compile(r"[\d=\\$]|(?<![A-Za-z])\(?[A-H]\)?(?![A-Za-z])")


def _intl_candidates(text: str, low: str, source_override: Source | None) -> Iterator[Candidate]:
    """Candidates from the cues of other languages, with the sources of their English twins."""
    if not any(needle in low for needle in _INTL_NEEDLES):
        return
    kinds: tuple[tuple[re.Pattern[str], Source, bool], ...] = (
        (_INTL_FINAL, "final_answer", True),
        (_INTL_LABEL, "answer_label", True),
        (_INTL_PHRASE, "answer_phrase", True),
        (_INTL_CONCLUDE, "conclusion", False),
    )
    for pattern, source, next_line in kinds:
        for m in list(pattern.finditer(text))[-MAX_PER_CUE:]:
            raw = _rest_of_line(text, m.end(), next_line=next_line)
            if not has_value(raw) or (source == "conclusion" and not _MATHY.search(raw)):
                continue
            yield Candidate(clean(raw), raw, source_override or source, (), m.start())


def _cue_candidates(text: str, source_override: Source | None = None) -> Iterator[Candidate]:
    """Candidates from boxes and answer cues in text: the latest strong cue first.

    A box, "final answer", "Answer:" and "the answer is <short>" are strong cues: a model that
    boxes 3, then corrects itself to "Final answer: 4", means 4. Long phrases come after them.
    A cue counts only with a value after it: "I hope this final answer is clear" is no cue.
    """
    low = text.lower()
    boxes = _boxes(text)
    strong: list[Candidate] = []
    weak: list[Candidate] = []
    for (pos, _end, content), siblings in zip(boxes, _box_runs(text, boxes), strict=True):
        strong.append(Candidate(clean(content), content, source_override or "boxed", siblings, pos))
    for m in _last_matches("final", text, low):
        heading = m.group(1) is None
        after = text[m.end() : m.end() + 1]
        if heading and after not in ("", "\n", "\r", "*"):
            continue  # "final answer, let's check" is not a cue
        raw = _rest_of_line(text, m.end(), next_line=True)
        if not has_value(raw):
            continue
        strong.append(Candidate(clean(raw), raw, source_override or "final_answer", (), m.start()))
    for m in _last_matches("label", text, low):
        raw = _rest_of_line(text, m.end(), next_line=":" in m.groups())
        if not has_value(raw):
            continue
        strong.append(Candidate(clean(raw), raw, source_override or "answer_label", (), m.start()))
    for m in _last_matches("phrase", text, low):
        raw = _rest_of_line(text, m.end(), next_line=True)
        if not has_value(raw):
            continue
        if _sentence_doubts(text, m.start(), raw):
            continue  # "the answer should be 2, but there must be an error…"
        cand = Candidate(clean(raw), raw, source_override or "answer_phrase", (), m.start())
        (strong if len(cand.text) <= SHORT_PHRASE else weak).append(cand)
    for cand in _intl_candidates(text, low, source_override):
        short = cand.source != "answer_phrase" or len(cand.text) <= SHORT_PHRASE
        (strong if short and cand.source != "conclusion" else weak).append(cand)
    strong.sort(key=lambda c: -c.pos)
    weak.sort(key=lambda c: -c.pos)
    yield from strong
    yield from weak


# A sentence that doubts rather than answers: "There must be an error in our calculations".
_ERROR = (
    r"(?:must|might|may|could)\s+(?:be|have\s+been)\s+(?:an?\s+|some\s+)?(?:error|mistake)"
    r"|(?:made|make|is|was|there'?s)\s+(?:an?\s+)?(?:error|mistake)"
    r"|(?:error|mistake)s?\s+(?:in|somewhere)\s+(?:our|my|the|this)"
    r"|miscalculat\w*"
)
_DOUBT_SENTENCE = re.compile(_ERROR, re.IGNORECASE)
# …or plans instead of concluding: "Let's recheck the step where we used n = 2."
_DOUBT = re.compile(
    _ERROR + r"|\b(?:re-?check\w*|re-?evaluat\w*|re-?examin\w*|re-?consider\w*|re-?visit\w*"
    r"|double-?check\w*|let'?s|let\s+us|but\s+wait|hmm+|wait,)|\?\s*$",
    re.IGNORECASE,
)


_DOUBT_WORDS = (
    "error", "mistake", "miscalc", "check", "evaluat", "examin", "consider", "visit", "let",
    "wait", "hmm", "need to", "have to", "?",
)  # fmt: skip


def doubts(line: str) -> bool:
    """True when a line doubts or plans ("there must be an error …") instead of answering."""
    low = line[:MAX_SPAN].lower()
    return any(w in low for w in _DOUBT_WORDS) and bool(_DOUBT.search(line[:MAX_SPAN]))


def _sentence_doubts(text: str, start: int, raw: str) -> bool:
    """True when the sentence of a cue says the work has an error ("there must be an error in
    our calculations, since the answer should be 2"): it states no answer."""
    begin = max(text.rfind(". ", max(0, start - 400), start), text.rfind("\n", 0, start), 0)
    sentence = text[begin:start] + " " + raw
    low = sentence.lower()
    if "error" not in low and "mistake" not in low and "miscalc" not in low:
        return False
    return bool(_DOUBT_SENTENCE.search(sentence))


def _last_line(text: str) -> str | None:
    for line in reversed(text[-MAX_SPAN:].splitlines()):
        if not _JUNK_LINE.match(line) and clean(line):
            return None if doubts(line) else line
    return None


def _rfind_tag(text: str) -> int:
    """Where the last `<answer>` opens, any case, without copying a megabyte response."""
    best = -1
    for variant in ("<answer>", "<ANSWER>", "<Answer>"):
        best = max(best, text.rfind(variant))
    if best < 0 and "<" in text[-MAX_TAIL:]:
        best = text[-MAX_TAIL:].lower().rfind(_TAG_OPEN)
        if best >= 0:
            best += max(0, len(text) - MAX_TAIL)
    return best


def _find_close(text: str, start: int) -> int:
    ends = [
        i for i in (text.find(v, start) for v in ("</answer>", "</ANSWER>", "</Answer>")) if i >= 0
    ]
    return min(ends) if ends else -1


def candidates(text: str) -> Iterator[Candidate]:
    """Every candidate for the final answer, most trusted first; empty ones are skipped."""
    if not isinstance(text, str):
        return
    yield from _candidate_list(text)


@functools.lru_cache(maxsize=4)  # keys are whole responses: keep few
def _candidate_list(text: str) -> tuple[Candidate, ...]:
    # Cached: one grade reads the same response for its kind's rule and for `extracted`.
    return tuple(_find_candidates(text))


def _find_candidates(text: str) -> Iterator[Candidate]:
    start = _rfind_tag(text)
    if start >= 0:
        end = _find_close(text, start)
        content = text[start + len(_TAG_OPEN) : end if end >= 0 else len(text)][-MAX_TAG:]
        for c in _cue_candidates(content, "answer_tag"):
            if c.text:
                yield c
        if clean(content):
            yield Candidate(clean(content), content, "answer_tag")
    tail = text[-MAX_TAIL:]
    for c in _cue_candidates(tail):
        if c.text:
            yield c
    line = _last_line(tail)
    if line is not None:
        yield Candidate(clean(line), line, "last_line")


_STRONG = ("answer_tag", "boxed", "final_answer", "answer_label")


def reference_answer(reference: str) -> str:
    """A reference reduced to its final answer when it is a worked solution.

    A reference with a `\\boxed{}` or `<answer>` (or several lines ending in "Final answer: …")
    is read with the same extractor as a response; a short bare reference is left as written.
    """
    s = reference.strip()
    marked = "\\boxed" in s or "\\fbox" in s or "<answer>" in s.lower()
    if not marked and ("\n" not in s or len(s) <= 80):
        return s
    for cand in candidates(s):
        if cand.source not in _STRONG or not cand.text:
            continue
        if cand.source == "boxed" and cand.siblings:
            return ", ".join([*(clean(x) for x in cand.siblings), cand.text])
        return cand.text
    return s


def final_answer(text: str) -> str | None:
    """The final answer of a response by the cue rules of SPEC §5, cleaned; None if it has none.

    In order of trust: the last `<answer>` tag; the latest strong cue with a value after it
    (`\\boxed{42}`, "Final answer: 42", "Answer: 42", "the answer is 42", and the same cues
    in French, German, Spanish, Portuguese, Italian, Chinese and Russian); longer answer phrases
    and conclusions ("Donc x = 5"); the last line, unless it stops mid-thought. A cue without a
    value ("I hope this final answer is clear.") is no cue. The one extractor: the graders and
    the paradigms' fallback for runs that did not follow the protocol read answers with it.
    """
    try:
        for c in candidates(text):
            if c.source == "last_line" and cut_off(c.raw):
                return None
            return c.text
    except Exception:  # extraction must never take a grade down
        return None
    return None


def extract_answer(text: str) -> str | None:
    """The most trusted final answer in a response, cleaned, or None (see final_answer)."""
    return final_answer(text)


# The start of a part of a worked answer: "(a)", "b)", "**(c)**", "Part (b):", "(ii)" on a line.
_PART = re.compile(
    r"^[ \t>#*]*(?:part[ \t]*)?\(?(?:[a-h]|i{1,3}|iv|vi{0,3})\)(?=[ \t:*.]|$)"
    r"|(?<=[ \t])\((?:[a-h]|i{1,3}|iv|vi{0,3})\)(?=[ \t:*])"
    r"|^[ \t>#*]*part[ \t]*(?:[a-h]|[1-9])\b[ \t]*[:.]?",
    re.IGNORECASE | re.MULTILINE,
)
MAX_PARTS = 10


def part_answers(text: str) -> list[str]:
    """The boxed answer of each labelled part ("(a) … \\boxed{3} … (b) … \\boxed{5}"), in
    order: the last box of each part. Empty unless at least two parts have a box."""
    tail = text[-MAX_TAIL:]
    if "box" not in tail:
        return []
    starts = [m.start() for m in _PART.finditer(tail)][: MAX_PARTS + 1]
    if len(starts) < 2:
        return []
    found: list[str] = []
    for begin, end in zip(starts, [*starts[1:], len(tail)], strict=True):
        boxes = _boxes(tail[begin:end])
        if boxes:
            found.append(boxes[-1][2])
    return found if len(found) >= 2 else []


_MATH_SEGMENT = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_PROSE_WORD = re.compile(
    r"\b(?:which|where|since|because|for|when|so|hence|thus|as|i\.e|that)\b", re.IGNORECASE
)
_CUE = re.compile(
    r"(?:\b(?:is|are|equals?|be|get|gives?|becomes?|so|thus|hence|therefore)\b,?|:)\s+",
    re.IGNORECASE,
)
MAX_RAW = 5000
MAX_MATH = 1000  # characters: mathparse rejects longer texts


def math_texts(cand: Candidate) -> Iterator[str]:
    """Texts to try parsing from one candidate: its math segments, itself, itself without prose."""
    raw = cand.raw[:MAX_RAW]
    matches = list(_MATH_SEGMENT.finditer(raw))
    segments = [next(g for g in m.groups() if g is not None) for m in matches]
    if len(matches) > 1:
        # "$x = 1$ and $x = 5$": the last formulas joined by "and"/","/"or" are one answer
        first = len(matches) - 1
        while first > 0 and _BOX_GAP.fullmatch(
            raw[matches[first - 1].end() : matches[first].start()]
        ):
            first -= 1
        if first < len(matches) - 1:
            gaps = [
                raw[matches[i].end() : matches[i + 1].start()]
                for i in range(first, len(matches) - 1)
            ]
            joiner = " or " if any(re.search(r"\bor\b", gap) for gap in gaps) else ", "
            yield joiner.join(segments[first:])  # "$a = 0$ or $b = 0$" stays a disjunction
    if cand.source not in CUE_SOURCES:
        segments.reverse()  # in running text the answer is the last formula
    yield from segments
    yield cand.text
    cues = list(_CUE.finditer(cand.text[:MAX_MATH]))
    if cues:  # "So, the result is \\pi/4": the formula after the last "is"
        yield cand.text[cues[-1].end() :]
    prose = _PROSE_WORD.search(cand.text[:MAX_MATH])
    if prose:  # "x^2 + 1, which is positive": the formula before the prose
        cut = cand.text[: prose.start()].rstrip(" ,;:")
        if cut:
            yield cut
