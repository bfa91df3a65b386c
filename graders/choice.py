"""Multiple-choice answers: option letters in references and responses, and JEE-style marks.

choice_single: same letter → full (+3), another letter → zero (−1), none → 0 marks.
choice_multi (JEE Advanced): same set → full (+4); a strict subset with no wrong letter → partial,
score 0.25 × letters chosen (+3/+2/+1); any wrong letter → zero (−2); none chosen → zero (0).
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass

from graders.extract import Candidate, candidates, clean
from graders.parsed import Parsed, Rules
from graders.result import Grade, Kind, needs_human

LETTERS = "ABCDEFGH"
DEFAULT_VALID = frozenset("ABCD")
SINGLE_MAX = 3.0
MULTI_MAX = 4.0

# "Ans)", "Answer:", "The correct options are", "Key -": words before the letters of a reference.
_PREFIX = re.compile(
    r"^(?:(?:the|final|correct|right|ans|answers?|options?|choices?|key|is|are)\b"
    r"\s*[:)\].\-–=]*\s*)+",
    re.IGNORECASE,
)
_REF_LIST = re.compile(
    r"^[\s(\[]*([A-Ha-h])[\s)\].]*(?:(?:[,;/&]|\band\b|\s)+[\s(\[]*([A-Ha-h])[\s)\].]*)*$"
)
# `A+B` is options A and B only where the question lists lettered options; else a sum.
_REF_PLUS = re.compile(r"^\s*\(?[A-H]\)?(?:\s*\+\s*\(?[A-H]\)?)+\s*$")


def plus_letters(reference: str, options: dict[str, str]) -> tuple[str, ...] | None:
    """`A+B` as options A and B, when the question lists those options; else None."""
    if not options or not _REF_PLUS.match(reference):
        return None
    letters = tuple(sorted(set(re.findall(r"[A-H]", reference))))
    return letters if set(letters) <= set(options) else None


_REF_CONCAT = re.compile(r"^\(?([A-H]{2,8})\)?\.?$")
# The longest lower-case word a whole answer may be and still be read as letters (`abd`).
MAX_RUN_TOGETHER = 4
# `ba`, `acd`: letters run together in lower case: a word as much as letters ("Ba" is barium),
# so they are letters only where the question is known to be a choice one.
_REF_CONCAT_ANY_CASE = re.compile(r"^\(?([A-Ha-h]{2,8})\)?\.?$")
_TOKEN = re.compile(
    r"\(\s*([A-Za-z])\s*\)|\[\s*([A-Za-z])\s*\]|\b([A-Za-z])\)|\b([A-Za-z])\b(?!['’-]\w)"
    r"|([A-Za-z]{2,})|([,;/&+])|(:)|(\d+)|([^\sA-Za-z\d,;/&+:])"
)
_WRAPPERS = re.compile(r"\\(?:text|textbf|mathbf|mathrm|textrm|mbox|mathit|textit)\s*\{([^{}]*)\}")
_QUESTION_OPTION = re.compile(r"(?:^|(?<=[\s:?.;]))(?:\(([A-Ha-h])\)|([A-Ha-h])\))[ \t]*")
_MULTI_CUES = re.compile(
    r"one\s+or\s+more|more\s+than\s+one|is\s*\(\s*are\s*\)|\(s\)|multiple\s+correct"
    r"|select\s+all|all\s+(?:the\s+)?correct\s+(?:options|answers|statements)",
    re.IGNORECASE,
)

_CUE_WORDS = frozenset(
    {
        "option",
        "options",
        "choice",
        "choices",
        "answer",
        "answers",
        "is",
        "are",
        "select",
        "choose",
        "pick",
        "ans",
        "be",
        "mark",
        "tick",
        "so",
        "thus",
        "hence",
        "therefore",
    }
)
_FILLER = frozenset({"the", "both", "correct", "final", "right", "only", "option", "options"})
_SEPARATOR_WORDS = frozenset({"and", "or"})
_NEG_BEFORE = frozenset(
    {
        "not",
        "except",
        "than",
        "unlike",
        "out",
        "eliminate",
        "eliminating",
        "exclude",
        "excluding",
        "discard",
        "against",
        "nor",
        "neither",
        "cannot",
        "cant",
        "never",
        "isnt",
        "rule",
        "rules",
        "ruling",
        "eliminates",
        "excludes",
    }
)
# Words after which letters are the reasons for a choice, not the choice ("D, since it cannot
# be A or B"): when letters come before them, the ones after them are not chosen.
_BECAUSE = frozenset({"since", "because", "as", "unlike", "whereas", "while", "given"})
_NEG_AFTER = frozenset(
    {
        "fail",
        "fails",
        "violate",
        "violates",
        "contradict",
        "contradicts",
        "impossible",
        "eliminated",
        "incorrect",
        "wrong",
        "false",
        "invalid",
        "excluded",
        "ruled",
        "not",
        "isn",
        "aren",
        "cannot",
        "untrue",
    }
)
# Words that may follow the letter A when it names an option rather than being an article.
_A_FOLLOWERS = frozenset(
    {
        "is",
        "are",
        "and",
        "or",
        "only",
        "alone",
        "must",
        "should",
        "would",
        "will",
        "seems",
        "appears",
        "correct",
        "also",
        "as",
        "too",
        "then",
        "was",
        "were",
        "holds",
        "remains",
        "because",
        "since",
        "which",
        "gives",
        "matches",
        "fits",
        "incorrect",
        "wrong",
        "false",
        "true",
    }
)


@dataclass(frozen=True)
class Picked:
    """The letters found in an answer and how they were found."""

    letters: tuple[str, ...]
    how: str


@functools.lru_cache(maxsize=4096)
def reference_letters(reference: str) -> tuple[str, ...] | None:
    """The option letters a reference names (`B`, `Ans) c`, `(b)`, `B, C, D)`, `ABD`), or None."""
    s = clean(_WRAPPERS.sub(r"\1", reference)).strip()
    s = _PREFIX.sub("", s).strip()
    if not s or len(s) > 60:
        return None
    m = _REF_CONCAT.match(s)
    if m:
        letters = m.group(1)
        return tuple(sorted(set(letters))) if len(set(letters)) == len(letters) else None
    if _REF_LIST.match(s):
        found = re.findall(r"(?<![A-Za-z])([A-Ha-h])(?![A-Za-z])", s)
        return tuple(sorted({c.upper() for c in found})) or None
    return None


_REF_OPTION = re.compile(
    r"^\s*(?:\(([A-Ha-h])\)|\[([A-Ha-h])\]|([A-H])[).:]|([a-h])\))[ \t]*(\S.{0,200})$", re.S
)


@functools.lru_cache(maxsize=1024)
def reference_option(reference: str) -> tuple[str, str] | None:
    """A reference that gives one option with its text (`(D) Alina`, `C. x = 42`): its letter
    and its text, so that an answer naming either is read."""
    m = _REF_OPTION.match(clean(reference))
    if not m:
        return None
    letter = next(g for g in m.groups()[:4] if g).upper()
    text = m.group(5).strip()
    if reference_letters(text):
        return None  # `(A) and (C)`: several letters, not one option with its text
    return letter, text


def run_together_letters(reference: str) -> tuple[str, ...] | None:
    """Option letters run together in any case (`ba`, `Acd`), each once; None otherwise.

    Only for a reference known to name options (its kind is a choice, or its question lists
    lettered options): elsewhere `ba` may be a word."""
    s = clean(_WRAPPERS.sub(r"\1", reference)).strip()
    s = _PREFIX.sub("", s).strip()
    m = _REF_CONCAT_ANY_CASE.match(s)
    if not m:
        return None
    letters = m.group(1).upper()
    return tuple(sorted(set(letters))) if len(set(letters)) == len(letters) else None


def question_options(question: str | None) -> dict[str, str]:
    """Lettered options of a question, `(A) text (B) text` or `a) text`, as letter -> text."""
    if not question:
        return {}
    return dict(_options(question))


@functools.lru_cache(maxsize=64)
def _options(question: str) -> tuple[tuple[str, str], ...]:
    return tuple(_find_options(question).items())


def _find_options(question: str) -> dict[str, str]:
    marks = list(_QUESTION_OPTION.finditer(question))
    best: list[re.Match[str]] = []
    for i, m in enumerate(marks):
        letter = (m.group(1) or m.group(2)).upper()
        if letter != "A":
            continue
        run = [m]
        for nxt in marks[i + 1 :]:
            want = LETTERS[len(run)] if len(run) < len(LETTERS) else ""
            if (nxt.group(1) or nxt.group(2)).upper() == want:
                run.append(nxt)
        if len(run) > len(best):
            best = run
    if len(best) < 2:
        return {}
    options: dict[str, str] = {}
    for i, m in enumerate(best):
        end = best[i + 1].start() if i + 1 < len(best) else len(question)
        text = question[m.end() : end]
        if i + 1 == len(best):
            text = text.split("\n", 1)[0]
        options[(m.group(1) or m.group(2)).upper()] = " ".join(text.split())
    return options


_ASKS_FALSE = re.compile(
    r"\b(?:is|are|statements?|options?)\s*(?:\(\s*(?:is|are)\s*\)\s*)?"
    r"(?:false|incorrect|wrong|not\s+(?:correct|true))\b",
    re.IGNORECASE,
)


def asks_for_false(question: str | None) -> bool:
    """True when the question asks which statements are false or incorrect."""
    return bool(question) and bool(_ASKS_FALSE.search(question or ""))


def is_multi_question(question: str | None) -> bool:
    """True when the question says more than one option may be correct (JEE style)."""
    return bool(question) and bool(_MULTI_CUES.search(question or ""))


@dataclass
class _Run:
    letters: list[str]
    start: int
    end: int  # token index after the run
    strong: bool  # at least one letter written as (A), [A] or A)
    before_semicolon: int = 0  # letters before the run's last ";" ("C; A and B are wrong")


def _tokens(s: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(s):
        g = m.groups()
        if g[0] or g[1]:
            out.append(("paren", (g[0] or g[1])))
        elif g[2]:
            out.append(("close", g[2]))
        elif g[3]:
            out.append(("bare", g[3]))
        elif g[4]:
            out.append(("word", g[4]))
        elif g[5]:
            out.append(("sep", g[5]))
        elif g[6]:
            out.append(("colon", g[6]))
        elif g[7]:
            out.append(("num", g[7]))
        else:
            out.append(("punct", g[8]))
    return out


def _letter_at(
    toks: list[tuple[str, str]], i: int, valid: frozenset[str], *, lower_ok: bool
) -> list[str] | None:
    kind, val = toks[i]
    if kind in ("paren", "close"):
        return [val.upper()] if val.upper() in valid else None
    if kind == "bare":
        if val.islower() and not lower_ok:
            return None
        if val.upper() not in valid:
            return None
        if val in ("A", "a") and i + 1 < len(toks):
            nk, nv = toks[i + 1]
            if nk == "word" and nv.islower() and nv not in _A_FOLLOWERS:
                return None  # "A gas is …": an article
        return [val.upper()]
    if (
        kind == "word"
        and lower_ok
        and val.isupper()
        and set(val) <= valid
        and len(set(val)) == len(val)
    ):
        return sorted(val)  # "ABD"
    return None


def _runs(toks: list[tuple[str, str]], valid: frozenset[str], *, lower_ok: bool) -> list[_Run]:
    runs: list[_Run] = []
    i = 0
    while i < len(toks):
        got = _letter_at(toks, i, valid, lower_ok=lower_ok or _after_cue(toks, i))
        if got is None:
            i += 1
            continue
        run = _Run(list(got), i, i + 1, toks[i][0] in ("paren", "close"))
        j = i + 1
        while j < len(toks):
            k, v = toks[j]
            if k == "sep" or (k == "word" and v.lower() in _SEPARATOR_WORDS):
                if v == ";":
                    run.before_semicolon = len(run.letters)
                j += 1
                continue
            nxt = _letter_at(toks, j, valid, lower_ok=lower_ok or _after_cue(toks, i))
            if nxt is None:
                break
            run.letters.extend(nxt)
            run.strong = run.strong or k in ("paren", "close")
            j += 1
            run.end = j
        runs.append(run)
        i = max(j, i + 1)
    return runs


def _after_cue(toks: list[tuple[str, str]], i: int) -> bool:
    """True when the token at i follows a cue such as "option", "answer is" or ":"."""
    j = i - 1
    while j >= 0 and (
        toks[j][0] == "colon" or (toks[j][0] == "word" and toks[j][1].lower() in _FILLER)
    ):
        if toks[j][0] == "colon":
            return True
        j -= 1
    return j >= 0 and toks[j][0] == "word" and toks[j][1].lower() in _CUE_WORDS


def _negated(toks: list[tuple[str, str]], run: _Run, asks_false: bool = False) -> bool:
    before = [v.lower() for k, v in toks[max(0, run.start - 2) : run.start] if k == "word"]
    if any(w in _NEG_BEFORE for w in before):
        return True
    after: list[str] = []
    tail = toks[run.end : run.end + 5]
    for n, (k, v) in enumerate(tail):
        if k in ("paren", "close") or (k == "bare" and v.isupper()):
            break
        if k == "word" and v.lower() == "not" and n + 1 < len(tail) and tail[n + 1][0] != "word":
            break  # "C, not B": this "not" is about the next letter
        if k == "word" and v.lower() in _BECAUSE:
            break  # "D, since it cannot be A": the clause is about the letters after it
        if k == "word":
            after.append(v.lower())
    if asks_false:  # "A and C are false" answers "which statements are false?"
        return any(w in ("not", "isn", "aren", "cannot") for w in after[:3])
    return any(w in _NEG_AFTER for w in after[:3])


def _kept_part(run: _Run) -> _Run | None:
    """Of a run whose end is negated, the letters before its last ";": in "C; A and B are both
    wrong" the negation is about A and B."""
    if not run.before_semicolon:
        return None
    return _Run(run.letters[: run.before_semicolon], run.start, run.start + 1, run.strong)


def _without_reasons(toks: list[tuple[str, str]], runs: list[_Run]) -> list[_Run]:
    """The runs before a "since"/"because" clause, when there are any: the letters inside the
    clause explain the choice ("(D) since (A) and (B) fail")."""
    if len(runs) < 2:
        return runs
    first = runs[0]
    for i in range(first.end, len(toks)):
        kind, value = toks[i]
        if kind == "punct" and value in ".;!?":
            return runs  # the clause must be in the sentence of the first choice
        if kind == "word" and value.lower() in _BECAUSE:
            return [r for r in runs if r.start < i]
    return runs


def _norm_text(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


def _match_options(text: str, options: dict[str, str]) -> tuple[str, ...]:
    said = _norm_text(text)
    if not said:
        return ()
    normed = {k: _norm_text(v) for k, v in options.items() if _norm_text(v)}
    exact = tuple(k for k, v in normed.items() if v == said)
    if exact:
        return exact
    inside = [
        k for k, v in normed.items() if len(v) >= 6 and re.search(rf"\b{re.escape(v)}\b", said)
    ]
    # "1 and 2 only" contains "2 only": keep only the longest matches.
    return tuple(
        sorted(k for k in inside if not any(o != k and normed[k] in normed[o] for o in inside))
    )


def letters_in(
    text: str,
    valid: frozenset[str],
    options: dict[str, str] | None = None,
    *,
    asks_false: bool = False,
) -> Picked | None:
    """The option letters an answer text chooses, or None when it names none."""
    s = _WRAPPERS.sub(r"\1", text).replace("$", " ").replace("\\", " ")
    toks = _tokens(s)
    if not toks:
        return None
    body = list(toks)
    while body and (
        body[0][0] == "colon"
        or (body[0][0] == "word" and body[0][1].lower() in _CUE_WORDS | _FILLER)
    ):
        body.pop(0)
    while body and body[-1][0] == "punct" and body[-1][1] in ".!":
        body.pop()
    if body:
        runs = _runs(body, valid, lower_ok=True)
        if len(runs) == 1 and runs[0].start == 0 and runs[0].end == len(body):
            return Picked(tuple(sorted(set(runs[0].letters))), "list")
        if len(body) == 1 and body[0][0] == "word":
            # The whole answer is `ab` or `acd`: letters run together in lower case, each once.
            word = body[0][1]
            if (
                word.islower()
                and len(word) <= MAX_RUN_TOGETHER
                and set(word.upper()) <= valid
                and len(set(word)) == len(word)
            ):
                return Picked(tuple(sorted(word.upper())), "run-together letters")
    kept = [
        _kept_part(r) if _negated(toks, r, asks_false) else r
        for r in _runs(toks, valid, lower_ok=False)
    ]
    runs = [r for r in kept if r is not None]
    runs = _without_reasons(toks, runs)
    cued = [r for r in runs if _after_cue(toks, r.start)]
    if cued:
        return Picked(tuple(sorted(set(cued[-1].letters))), "after cue")
    strong = {c for r in runs if r.strong for c in r.letters}
    if strong:
        return Picked(tuple(sorted(strong)), "marked letters")
    bare = {c for r in runs for c in r.letters}
    if bare:
        return Picked(tuple(sorted(bare)), "letters")
    if options:
        matched = _match_options(clean(text), options)
        if matched:
            return Picked(matched, "option text")
    return None


def pick_letters(
    answer: str,
    valid: frozenset[str],
    options: dict[str, str] | None = None,
    *,
    strict: bool = False,
    asks_false: bool = False,
    deadline: float | None = None,
) -> tuple[Picked, Candidate] | None:
    """The letters of the most trusted candidate in a whole response that names any.

    `strict` reads only answer cues (a worked-solution reference, not its last line);
    `asks_false` is for questions asking which statements are false: "A and C are false" names
    A and C rather than ruling them out.
    """
    for cand in candidates(answer):
        if deadline is not None and time.monotonic() > deadline:
            return None
        if strict and cand.source == "last_line":
            continue
        texts = [cand.text]
        picked = letters_in(cand.text, valid, options, asks_false=asks_false)
        if picked and cand.siblings:  # "\boxed{A} and \boxed{D}"
            merged = set(picked.letters)
            for sib in cand.siblings:
                more = letters_in(clean(sib), valid, options, asks_false=asks_false)
                if more:
                    merged |= set(more.letters)
                    texts.append(sib)
            picked = Picked(tuple(sorted(merged)), picked.how)
        if picked:
            return picked, cand
    return None


def valid_letters(gold: tuple[str, ...], options: dict[str, str]) -> frozenset[str]:
    """Letters an answer may name: the question's options, else A–D plus the reference's."""
    if options:
        return frozenset(options) | frozenset(gold)
    return DEFAULT_VALID | frozenset(gold)


def _fmt(letters: tuple[str, ...] | set[str]) -> str:
    return ",".join(sorted(letters)) or "none"


def _marks(points: float, max_points: float) -> str:
    return f"{points:+g}/{max_points:g}"


def _names_reference_option(text: str, given: tuple[tuple[str, str], ...]) -> str | None:
    """The letter of the reference's option (`(D) Alina`) when the answer's final words name its
    text ("the middle seat goes to Alina"), without naming any letter."""
    for letter, option in given:
        words = _norm_text(option)
        if len(words) < 3 or not re.search(r"[^\W\d_]", words):
            continue
        for cand in candidates(text):
            if re.search(rf"\b{re.escape(words)}\b", _norm_text(cand.text)):
                return letter
            break  # only the most trusted candidate
    return None


class ChoiceRule:
    """`choice_single` / `choice_multi`: option letters, JEE marks (+3/−1; +4/+3/+2/+1/−2/0)."""

    def __init__(self, multi: bool) -> None:
        self.multi = multi
        self.kind: Kind = "choice_multi" if multi else "choice_single"

    def parse(self, text: str, rules: Rules, *, reference: bool = False) -> Parsed:
        """Letters from a reference (`A,D`, `Ans) c`, a worked solution) or a whole response."""
        options = {**question_options(rules.question), **dict(rules.options)}
        if reference:
            option = reference_option(text)
            letters = (
                reference_letters(text) or run_together_letters(text) or plus_letters(text, options)
            )
            if not letters and option:
                return Parsed(self.kind, (option[0],), option[0], "reference")
            if letters:
                return Parsed(self.kind, letters, _fmt(letters), "reference")
            found = pick_letters(text, frozenset(LETTERS), options, strict=True)
            if found is None:
                return Parsed(
                    self.kind, problem=f"the reference {text.strip()[:60]!r} names no option letter"
                )
            return Parsed(self.kind, found[0].letters, _fmt(found[0].letters), "reference")
        valid = rules.choices or (
            frozenset(options) | DEFAULT_VALID if options else frozenset(LETTERS)
        )
        found = pick_letters(
            text, valid, options, asks_false=asks_for_false(rules.question), deadline=rules.deadline
        )
        if found is None:
            named = _names_reference_option(text, rules.options)
            if named is not None:
                return Parsed(self.kind, (named,), named, "option text")
            if time.monotonic() > rules.deadline:
                return Parsed(
                    self.kind, problem=f"reading the answer timed out after {rules.timeout:g} s"
                )
            return Parsed(self.kind, problem="no option letter found in the answer")
        picked, cand = found
        return Parsed(self.kind, picked.letters, _fmt(picked.letters), cand.source)

    def verify(self, gold: Parsed, answer: Parsed, rules: Rules) -> Grade:
        """Same letters: full; for multi, a strict subset with no wrong letter: 0.25 a letter."""
        kind, multi = self.kind, self.multi
        if not isinstance(gold.value, tuple) or not gold.value:
            return needs_human(gold.problem or "the reference names no option letter", kind)
        if answer.empty:
            return Grade(
                0.0,
                "zero",
                None,
                "empty answer: none chosen, 0 marks",
                0.0,
                MULTI_MAX if multi else SINGLE_MAX,
                kind,
            )
        if not isinstance(answer.value, tuple):
            return needs_human(f"{answer.problem} (reference {_fmt(gold.value)})", kind)
        chosen = set(answer.value)
        return _marks_for(chosen, gold.value, multi, kind)


def _marks_for(chosen: set[str], gold: tuple[str, ...], multi: bool, kind: Kind) -> Grade:
    extracted = _fmt(chosen)
    want = set(gold)
    if not multi:
        if chosen == want:
            return Grade(
                1.0,
                "full",
                extracted,
                f"chose {extracted}, reference {_fmt(want)}: full "
                f"({_marks(SINGLE_MAX, SINGLE_MAX)})",
                SINGLE_MAX,
                SINGLE_MAX,
                kind,
            )
        what = "more than one option" if len(chosen) > 1 else "a wrong option"
        return Grade(
            0.0,
            "zero",
            extracted,
            f"chose {extracted}, reference {_fmt(want)}: {what}, zero ({_marks(-1.0, SINGLE_MAX)})",
            -1.0,
            SINGLE_MAX,
            kind,
        )
    if chosen == want:
        return Grade(
            1.0,
            "full",
            extracted,
            f"chose {extracted} of {_fmt(want)}: full ({_marks(MULTI_MAX, MULTI_MAX)})",
            MULTI_MAX,
            MULTI_MAX,
            kind,
        )
    wrong = chosen - want
    if wrong:
        return Grade(
            0.0,
            "zero",
            extracted,
            f"chose {extracted} of {_fmt(want)}: {_fmt(wrong)} wrong, "
            f"zero ({_marks(-2.0, MULTI_MAX)})",
            -2.0,
            MULTI_MAX,
            kind,
        )
    score = 0.25 * len(chosen)
    return Grade(
        score,
        "partial",
        extracted,
        f"chose {extracted} of {_fmt(want)}: partial {score:g} "
        f"({_marks(float(len(chosen)), MULTI_MAX)})",
        float(len(chosen)),
        MULTI_MAX,
        kind,
    )
