"""Recorded results from elsewhere: a sheet's per-model verdict columns ("LLM able to solve
this"), or a results file (JSONL/CSV/JSON: key, model, paradigm or label, answer, verdict,
score), read into results to store as runs without transcript, graded `human` by the source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from store.importers.files import ImportProblem, Table
from store.importers.rows import Warnings, cell_text

# The paradigm of a recorded result whose source does not say which prompting it used.
RECORDED_LABEL = "recorded"
# The provider of every recorded run: its cells never mix with fresh runs of a model.
RECORDED_PROVIDER = "recorded"
PARTIAL_SCORE = 0.5  # a human "partial" (SPEC §5)

# Results-file headers (normalised), by role.
RESULT_ROLES: dict[str, tuple[str, ...]] = {
    "key": ("key", "problem key", "problem_key", "id", "problem id", "question id"),
    "model": ("model", "llm"),
    "paradigm": ("paradigm", "label", "arm", "technique"),
    "answer": ("answer", "response", "output", "extracted"),
    "verdict": ("verdict", "result", "grade", "outcome"),
    "score": ("score", "points", "marks"),
    "note": ("note", "comment", "notes"),
    "dataset": ("dataset",),
}

_WITH = re.compile(r"\bwith(?:out)?\s+(?:the\s+)?(?:technique|reflection|dcot)\b", re.I)
_ZERO = re.compile(
    r"\bnot\s*able\b|\bnot\s*solved\b|\bunable\b|\bcannot\b|\bcan'?t\b|\bcould\s*n[o']?t\b"
    r"|\bfail(?:ed)?\b|\bwrong\b|\bincorrect\b|[✗✘❌]|^(?:no|n|false|x)$"
)
_PARTIAL = re.compile(
    r"\bpartial(?:ly)?\b|\bonly\s+(?:one|some|two)\b|\bone\s+correct\s+option\b"
    r"|\bexcept\s+one\b|\bfind\s+[a-d]\s+and\s+[a-d]\b|\bone\s+correct\b"
)
_FULL = re.compile(
    r"\bable\s+to\s+(?:solve|answer|find)\b|\bsolved\b|\bcorrect\b|\bright\b|[✓✔✅]"
    r"|^(?:yes|y|true|ok|full)$"
)
_SCORE = re.compile(r"([+-]?\d+(?:\.\d*)?|\.\d+)(?:\s*/\s*(\d+(?:\.\d*)?))?\s*(%?)")


@dataclass(frozen=True)
class Verdict:
    """A recorded verdict as a grade: full / partial / zero with its score (points if marked)."""

    verdict: str  # full | partial | zero
    score: float
    points: float | None = None
    max_points: float | None = None


@dataclass(frozen=True)
class RecordedResult:
    """One model's recorded result on one problem, before it is stored."""

    key: str  # the problem's key in the dataset
    model: str
    paradigm: str  # dcot, direct, g1, or a label ("recorded" when the source does not say)
    answer: str | None  # the model's answer as recorded, if the source kept it
    grade: Verdict | None  # None: an answer only, left to `ponder grade --auto`
    note: str | None  # the verdict as the source wrote it
    origin: str  # where it was read: "column 'Gpt4o with technique'", "line 3"
    dataset: str | None = None  # a results file may name it per line


def read_verdict(text: str) -> Verdict | None:
    """A verdict as people write it in a sheet, or None when it cannot be read.

    "not able" (even "though it gave one correct option") is zero, as its writer judged it;
    "partial", "only one correct option", "all correct option except one" are partial;
    "able to solve / answer / find" and "solved" are full. A score in [0, 1], a percentage or
    points ("7/10") are read as numbers.
    """
    t = " ".join(text.lower().replace("llmnot", "llm not").split())
    if not t:
        return None
    if m := _SCORE.fullmatch(t):
        return _numeric(float(m[1]), m[2], m[3])
    if t in ("full", "partial", "zero"):
        return Verdict(t, {"full": 1.0, "partial": PARTIAL_SCORE, "zero": 0.0}[t])
    if _ZERO.search(t) and not _PARTIAL.search(t.split("though")[0]):
        return Verdict("zero", 0.0)
    if _PARTIAL.search(t):
        return Verdict("partial", PARTIAL_SCORE)
    if _FULL.search(t):
        return Verdict("full", 1.0)
    return None


def _numeric(value: float, maximum: str | None, percent: str) -> Verdict | None:
    if maximum:
        top = float(maximum)
        if top <= 0 or not 0 <= value <= top:
            return None
        score = value / top
        return Verdict(_band(score), score, value, top)
    score = value / 100 if percent else value
    return Verdict(_band(score), score) if 0 <= score <= 1 else None


def _band(score: float) -> str:
    return "full" if score >= 1 else "zero" if score <= 0 else "partial"


def model_and_paradigm(header: str) -> tuple[str, str]:
    """A verdict column's header as (model, paradigm): "LLM (Claude with technique)" is Claude
    with dcot, "Claude without technique" Claude with direct, "LLM (Llama3.1)" Llama3.1 as
    recorded (the sheet does not say how it was prompted)."""
    name = " ".join(header.split())
    paradigm = RECORDED_LABEL
    if m := _WITH.search(name):
        paradigm = "direct" if m[0].lower().startswith("without") else "dcot"
        name = (name[: m.start()] + name[m.end() :]).strip()
    name = re.sub(r"^\s*llms?\b\s*", "", name, flags=re.I).strip()
    name = name.strip("() ").strip() or " ".join(header.split())
    return name, paradigm


def paradigm_label(value: str | None) -> str:
    """A results file's paradigm or label cell: our paradigm names kept, technique words mapped."""
    if value is None:
        return RECORDED_LABEL
    t = " ".join(value.split())
    low = t.lower()
    if low in ("dcot", "g1", "direct", "dcot+guided"):
        return low
    if low in ("without technique", "without", "baseline", "no technique"):
        return "direct"
    if low in ("with technique", "with", "technique"):
        return "dcot"
    return t or RECORDED_LABEL


# ---- a sheet's verdict columns --------------------------------------------------------------

READABLE_SHARE = 0.6  # a column is a verdict column when this share of its cells reads as one


def verdict_columns(
    table: Table, keys: dict[int, str], role_cols: set[int], warnings: Warnings
) -> list[RecordedResult]:
    """The results in a problem sheet's verdict columns; `keys` maps row positions to problem
    keys (rows that became problems). A column counts when most of its cells read as verdicts,
    or when it is empty and its header says "with(out) technique"."""
    results: list[RecordedResult] = []
    for col, header in enumerate(table.headers):
        if col in role_cols or not header.strip():
            continue
        cells = [
            (number, cell_text(raw[col]) if col < len(raw) else None)
            for number, raw in table.rows
            if number in keys
        ]
        written = [(n, t) for n, t in cells if t is not None]
        if not written:
            if _WITH.search(header):
                warnings.add(f"verdict column {header.strip()!r} is empty: no results recorded")
            continue
        readable = [(n, t, read_verdict(t)) for n, t in written]
        if sum(v is not None for _, _, v in readable) < READABLE_SHARE * len(written):
            continue
        model, paradigm = model_and_paradigm(header)
        origin = f"column {header.strip()!r}"
        for number, text, verdict in readable:
            if verdict is None:
                warnings.add(
                    f"unreadable verdict {text!r} in {origin}: not recorded",
                    where=table.where(number),
                    group=f"unreadable verdicts in {origin}: not recorded",
                    detail=repr(text),
                )
                continue
            results.append(
                RecordedResult(keys[number], model, paradigm, None, verdict, text, origin)
            )
    return results


# ---- a results file -------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip(" .:")


def result_roles(headers: list[str]) -> dict[str, list[int]]:
    """Each results-file role to the columns whose header names it, in order of preference."""
    normed = [_norm(h) for h in headers]
    roles: dict[str, list[int]] = {}
    taken: set[int] = set()
    for role, names in RESULT_ROLES.items():
        for name in names:
            for col, h in enumerate(normed):
                if h == _norm(name) and col not in taken:
                    roles.setdefault(role, []).append(col)
                    taken.add(col)
    return roles


def is_results_header(headers: list[str]) -> bool:
    """A results file names a model and a problem key, and a verdict, a score or an answer."""
    roles = result_roles(headers)
    return {"key", "model"} <= roles.keys() and bool({"verdict", "score", "answer"} & roles.keys())


def from_results(table: Table, warnings: Warnings) -> list[RecordedResult]:
    """Recorded results from a results file's rows (each row: one model on one problem)."""
    roles = result_roles(table.headers)

    def cell(row: list[Any], role: str) -> str | None:
        """The first non-blank cell of the role's columns (`paradigm` or `label`...)."""
        for col in roles.get(role, ()):
            text = cell_text(row[col]) if col < len(row) else None
            if text is not None:
                return text
        return None

    out: list[RecordedResult] = []
    for number, raw in table.rows:
        where = table.where(number)
        if all(cell_text(v) is None for v in raw):
            continue
        key, model = cell(raw, "key"), cell(raw, "model")
        if key is None or model is None:
            warnings.add(
                "no problem key or no model; skipped", where=where, group="no key or no model"
            )
            continue
        written = cell(raw, "verdict")
        score = cell(raw, "score")
        answer = cell(raw, "answer")
        grade = None
        if score is not None:
            grade = read_verdict(score)
            if grade is None:
                warnings.add(
                    f"score {score!r} is not in [0, 1], a percentage or POINTS/MAX; skipped",
                    where=where,
                    group="unreadable scores; skipped",
                    detail=repr(score),
                )
                continue
        elif written is not None:
            grade = read_verdict(written)
            if grade is None:
                warnings.add(
                    f"unreadable verdict {written!r}; skipped",
                    where=where,
                    group="unreadable verdicts; skipped",
                    detail=repr(written),
                )
                continue
        elif answer is None:
            warnings.add(
                "no verdict, score or answer; skipped", where=where, group="nothing recorded"
            )
            continue
        note = cell(raw, "note")
        if written is not None and score is not None:
            note = f"{written}; {note}" if note else written
        elif written is not None:
            note = f"{written}; {note}" if note and note != written else written
        out.append(
            RecordedResult(
                key=key,
                model=model,
                paradigm=paradigm_label(cell(raw, "paradigm")),
                answer=answer,
                grade=grade,
                note=note,
                origin=where,
                dataset=cell(raw, "dataset"),
            )
        )
    if not out:
        raise ImportProblem("no recorded results found: every row was skipped or empty")
    return out
