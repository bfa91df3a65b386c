"""The field's benchmark sets as they are published, recognised by their fields.

JEEBench, Hendrycks MATH / MATH-500, GSM8K, AIME-style, OlympiadBench and Omni-MATH: each
says where its question, reference, kind and key are. Keys come from the set's own ids; a set
without ids (GSM8K, Omni-MATH) is keyed by a hash of the question text, so a re-import of an
updated file updates its problems in place.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from store.importers.files import ImportProblem, Table
from store.importers.rows import (
    SOLUTION,
    TOLERANCE,
    NewProblem,
    Warnings,
    cell_text,
    content_key,
    meta_value,
    number_kind,
    tolerance_value,
)


class Record:
    """One item of a published set: its fields by lower-case name."""

    def __init__(self, headers: list[str], row: list[Any]) -> None:
        self.values: dict[str, Any] = {}
        self.names: dict[str, str] = {}
        for name, value in zip(headers, row, strict=False):
            low = name.strip().lower()
            if low not in self.values or self.values[low] is None:
                self.values[low] = value
                self.names[low] = name.strip()

    def get(self, *names: str) -> Any:
        """The first of these fields that has a value."""
        for name in names:
            value = self.values.get(name)
            if cell_text(value) is not None:
                return value
        return None

    def text(self, *names: str) -> str | None:
        return cell_text(self.get(*names))

    def rest(self, used: Iterable[str]) -> dict[str, Any]:
        """The other fields with a value, under their own names (a solution as `solution`)."""
        skip = set(used)
        meta: dict[str, Any] = {}
        for low, value in self.values.items():
            if low in skip or low.startswith("image_") or cell_text(value) is None:
                continue
            meta[SOLUTION if low == SOLUTION else self.names[low]] = meta_value(value)
        return meta


@dataclass(frozen=True)
class Format:
    """A published format: how to recognise it and how to read one of its items."""

    name: str  # as stored in datasets.format
    label: str  # as shown
    fields: str  # the fields it is recognised by, for the message saying so
    matches: Callable[[set[str], list[Record]], bool]
    read: Callable[[Record, str, Warnings], NewProblem | None]


# ---- helpers -------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _key(rec: Record, text: str, *id_fields: str) -> str:
    """The set's own id, else a hash of the question (the same question, the same key)."""
    own = rec.text(*id_fields)
    return own.replace(":", "-") if own else content_key(text)


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{…}` (or `\\fbox{…}`) of text, nested braces handled."""
    starts = [(text.rfind(cmd), cmd) for cmd in ("\\boxed", "\\fbox")]
    start, cmd = max(starts)
    if start < 0:
        return None
    rest = text[start + len(cmd) :]
    if not rest.startswith("{"):
        bare = re.match(r"\s+([^\s$]+)", rest)  # "\boxed 5"
        return bare.group(1) if bare else None
    depth = 0
    for i, ch in enumerate(rest):
        if ch in "{}" and i > 0 and rest[i - 1] == "\\":
            continue  # \{ and \} are set braces, not groups
        depth += 1 if ch == "{" else -1 if ch == "}" else 0
        if depth == 0:
            return rest[1:i].strip() or None
    return None  # unclosed


def _strip_math(text: str | None) -> str | None:
    """An answer without its math delimiters: `$x^2$` → `x^2`."""
    if text is None:
        return None
    t = text.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if len(t) > len(left) + len(right) and t.startswith(left) and t.endswith(right):
            inner = t[len(left) : -len(right)]
            if left not in inner:
                t = inner.strip()
                break
    return t or None


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and braces: `(1,2), (3,4)` → two parts."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


_MATH_SIGNAL = re.compile(r"[\d\\^_=+*/()\[\]{}<>|]")


def _answer_kind(reference: str | None) -> str | None:
    """integer / numeric for a plain number, expression for math; prose is left to the grader."""
    if reference is None:
        return None
    kind = number_kind(reference)
    if kind:
        return kind
    if re.fullmatch(r"\\text\{[^{}]*\}", reference.strip()):
        return None  # \text{Monday}: words, for the grader to read
    if _MATH_SIGNAL.search(reference) or re.fullmatch(r"[a-zA-Z]", reference.strip()):
        return "expression"
    return None


def _as_list(value: Any) -> list[Any]:
    """A list field, also when a CSV or sheet holds it as text (`['$3$']`)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and value.strip().startswith("["):
        for parse in (json.loads, ast.literal_eval):
            try:
                got = parse(value)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(got, list):
                return got
    return [value]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _no_reference(warnings: Warnings, where: str, why: str) -> None:
    warnings.add(f"{why}: imported without a reference", where=where)


# ---- JEEBench ------------------------------------------------------------------------------

# JEEBench's types, with the marks of JEE Advanced as Ponder grades them (graders/choice.py).
_JEE_TYPES = {
    "mcq": ("choice_single", 3.0),
    "mcq(multiple)": ("choice_multi", 4.0),
    "integer": ("integer", 3.0),
    "numeric": ("numeric", 3.0),
}
_SUBJECTS = {"phy": "physics", "chem": "chemistry", "math": "mathematics", "maths": "mathematics"}


def _is_jeebench(fields: set[str], records: list[Record]) -> bool:
    return {"question", "gold", "type"} <= fields and bool(fields & {"description", "index"})


def _jeebench(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    text = rec.text("question")
    if text is None:
        return None
    jee_type = rec.text("type") or ""
    kind, points = _JEE_TYPES.get(re.sub(r"\s+", "", jee_type.lower()), (None, None))
    if kind is None:
        warnings.add(
            f"unknown JEEBench type {jee_type!r}; the grader will infer the kind", where=where
        )
    gold = rec.text("gold")
    if gold and kind == "choice_multi" and re.fullmatch(r"[A-Da-d]+", gold):
        gold = ",".join(gold.upper())  # "ABD" → "A,B,D"
    if gold is None:
        _no_reference(warnings, where, "no gold answer")
    description, index = rec.text("description"), rec.text("index")
    if description and index:
        key = f"{_slug(description)}-q{index}"
    else:
        key = _key(rec, text, "index", "id")
    subject = rec.text("subject")
    return NewProblem(
        key=key,
        text=text,
        reference=gold,
        kind=kind,
        subject=_SUBJECTS.get(subject.lower(), subject) if subject else None,
        source=description,
        max_points=points,
        meta=rec.rest(("question", "gold", "type", "subject", "description")),
    )


# ---- Hendrycks MATH / MATH-500 -------------------------------------------------------------


def _is_math(fields: set[str], records: list[Record]) -> bool:
    if not (
        {"problem", "solution"} <= fields and fields & {"level", "type", "unique_id", "subject"}
    ):
        return False
    if "answer" in fields:
        return True  # MATH-500 states the answer beside the solution
    # A sheet with problem / solution / type columns is MATH only if its solutions box answers.
    solutions = [s for s in (r.text("solution") for r in records) if s]
    boxed = sum(1 for s in solutions if "\\boxed" in s or "\\fbox" in s)
    return bool(solutions) and boxed * 2 >= len(solutions)


def _math(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    text = rec.text("problem")
    if text is None:
        return None
    solution = rec.text("solution")
    reference = rec.text("answer") or (last_boxed(solution) if solution else None)
    if reference is None:
        _no_reference(warnings, where, "no \\boxed{} answer in the solution")
    return NewProblem(
        key=_key(rec, text, "unique_id", "id"),
        text=text,
        reference=reference,
        kind=_answer_kind(reference),
        subject=rec.text("subject", "type"),
        meta=rec.rest(("problem", "answer", "unique_id", "subject", "type")),
    )


# ---- GSM8K ---------------------------------------------------------------------------------

_GSM_FINAL = re.compile(r"\n?\s*####\s*")


def _is_gsm8k(fields: set[str], records: list[Record]) -> bool:
    if not {"question", "answer"} <= fields:
        return False
    answers = [a for a in (r.text("answer") for r in records) if a]
    return bool(answers) and sum("####" in a for a in answers) * 2 >= len(answers)


def _gsm8k(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    text = rec.text("question")
    if text is None:
        return None
    answer = rec.text("answer") or ""
    parts = _GSM_FINAL.split(answer)
    meta = rec.rest(("question", "answer"))
    reference = None
    if len(parts) >= 2 and parts[-1].strip():
        reference = parts[-1].strip()
        worked = answer[: answer.rfind("####")].strip()
        if worked:
            meta[SOLUTION] = worked
    else:
        _no_reference(warnings, where, "no '#### answer' line")
        if answer:
            meta[SOLUTION] = answer
    return NewProblem(
        key=_key(rec, text, "id", "idx"),
        text=text,
        reference=reference,
        kind=number_kind(reference),
        meta=meta,
    )


# ---- AIME-style ----------------------------------------------------------------------------


def _aime_answer(value: Any) -> int | None:
    text = cell_text(value)
    if text is None or not re.fullmatch(r"\d{1,3}", text.strip()):
        return None
    return int(text)


def _is_aime(fields: set[str], records: list[Record]) -> bool:
    # AIME sets name the text "problem" (or "question" beside the year); a sheet of
    # questions with small whole-number answers is not AIME-style for that alone.
    if not ({"id", "answer"} <= fields and ("problem" in fields or {"question", "year"} <= fields)):
        return False
    if fields & {"kind", "reference"}:
        return False  # a sheet that says its own kinds is read by its columns
    answers = [r.get("answer") for r in records if r.get("answer") is not None]
    return bool(answers) and all(_aime_answer(a) is not None for a in answers)


def _aime(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    text = rec.text("problem", "question")
    if text is None:
        return None
    answer = _aime_answer(rec.get("answer"))
    if answer is None:
        _no_reference(warnings, where, "no answer")
    return NewProblem(
        key=_key(rec, text, "id"),
        text=text,
        reference=None if answer is None else str(answer),  # "033" is 33
        kind="integer",
        meta=rec.rest(("id", "problem", "question", "answer")),
    )


# ---- OlympiadBench -------------------------------------------------------------------------

_OLYMPIAD_KINDS = {
    "numerical": "numeric",
    "expression": "expression",
    "equation": "expression",
    "interval": "expression",
    "tuple": "expression",
    "need_human_evaluate": "text",
}


def _is_olympiadbench(fields: set[str], records: list[Record]) -> bool:
    return {"question", "final_answer"} <= fields and bool(
        fields & {"answer_type", "is_multiple_answer"}
    )


def _olympiad_kind(answer_type: str | None, reference: str | None) -> str | None:
    types = {t.strip().lower() for t in (answer_type or "").split(",") if t.strip()}
    kinds = {_OLYMPIAD_KINDS.get(t.split("-")[0]) for t in types}
    if len(kinds) != 1 or None in kinds:
        return _answer_kind(reference)
    kind = kinds.pop()
    if kind == "numeric":
        return number_kind(reference) or "numeric"
    return kind


def _olympiadbench(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    question = rec.text("question")
    if question is None:
        return None
    context = rec.text("context")
    text = f"{context}\n{question}" if context else question
    answers = [
        a for a in (_strip_math(cell_text(v)) for v in _as_list(rec.get("final_answer"))) if a
    ]
    answers = [a.replace("$", "").strip() for a in answers]
    multiple = _truthy(rec.get("is_multiple_answer"))
    proof = "proof" in (rec.text("question_type") or "").lower()
    kind: str | None
    if proof and not answers:
        reference, kind = None, "proof"
    elif not answers:
        reference, kind = None, None
        _no_reference(warnings, where, "no final_answer")
    elif multiple:
        # Several answers, in any order (the set's judge pairs them up): a set.
        parts = [p for a in answers for p in _split_top_level(a)]
        if len(parts) == 1:
            reference, kind = parts[0], _olympiad_kind(rec.text("answer_type"), parts[0])
        else:
            reference, kind = "\\{" + ", ".join(parts) + "\\}", "expression"
    else:
        reference = " or ".join(answers)  # alternatives, any of which is right
        kind = _olympiad_kind(rec.text("answer_type"), answers[0])
    if any(cell_text(v) is not None for k, v in rec.values.items() if k.startswith("image_")) or (
        re.search(r"<image_\d+>", text)
    ):
        warnings.add("has images, which are not imported: the text alone is asked", where=where)
    meta = rec.rest(("question", "context", "final_answer", "subject", "subfield"))
    solution = _as_list(rec.get(SOLUTION))
    if solution:
        meta[SOLUTION] = "\n\n".join(t for t in (cell_text(s) for s in solution) if t)
    if len(answers) > 1:
        meta["final_answer"] = answers
    tolerance = tolerance_value(rec.get("error"))
    if tolerance is not None:  # the set's own |gold - answer| bound, used by automatic grading
        meta[TOLERANCE] = tolerance
    return NewProblem(
        key=_key(rec, text, "id"),
        text=text,
        reference=reference,
        kind=kind,
        subject=rec.text("subfield", "subject"),
        meta=meta,
    )


# ---- Omni-MATH -----------------------------------------------------------------------------


def _is_omni_math(fields: set[str], records: list[Record]) -> bool:
    return {"problem", "answer", "domain"} <= fields


def _omni_math(rec: Record, where: str, warnings: Warnings) -> NewProblem | None:
    text = rec.text("problem")
    if text is None:
        return None
    reference = _strip_math(rec.text("answer"))
    if reference is None:
        _no_reference(warnings, where, "no answer")
    domains = [d for d in (cell_text(v) for v in _as_list(rec.get("domain"))) if d]
    subject = re.sub(r"^Mathematics\s*->\s*", "", domains[0]) if domains else None
    return NewProblem(
        key=_key(rec, text, "id", "unique_id"),
        text=text,
        reference=reference,
        kind=_answer_kind(reference),
        subject=subject,
        source=rec.text("source"),
        meta=rec.rest(("problem", "answer", "source")),
    )


# Most specific first: Omni-MATH has MATH's fields and more, GSM8K's are the plainest.
FORMATS = (
    Format(
        "jeebench", "JEEBench", "question, gold, type, description, index", _is_jeebench, _jeebench
    ),
    Format(
        "olympiadbench",
        "OlympiadBench",
        "question, final_answer, answer_type, is_multiple_answer",
        _is_olympiadbench,
        _olympiadbench,
    ),
    Format("omni-math", "Omni-MATH", "problem, answer, domain", _is_omni_math, _omni_math),
    Format(
        "math", "MATH", "problem, solution with \\boxed{}, level, type/unique_id", _is_math, _math
    ),
    Format("aime", "AIME-style", "id, problem, whole-number answer 0-999", _is_aime, _aime),
    Format("gsm8k", "GSM8K", "question, answer ending in '#### N'", _is_gsm8k, _gsm8k),
)
LABELS = {f.name: f.label for f in FORMATS}


def recognise(table: Table) -> tuple[Format, list[tuple[int, Record]]] | None:
    """The published format the table's fields name, with its records; None for any other table."""
    fields = {h.strip().lower() for h in table.headers}
    records = [(n, Record(table.headers, row)) for n, row in table.rows]
    present = [r for _, r in records if any(cell_text(v) is not None for v in r.values.values())]
    for fmt in FORMATS:
        if fmt.matches(fields, present):
            return fmt, records
    return None


def from_published(
    fmt: Format, table: Table, records: list[tuple[int, Record]], warnings: Warnings
) -> tuple[list[NewProblem], int]:
    """The problems of a recognised set, and the number of items skipped."""
    problems: list[NewProblem] = []
    seen: dict[str, int] = {}
    skipped = 0
    for number, rec in records:
        where = table.where(number)
        if all(cell_text(v) is None for v in rec.values.values()):
            skipped += 1
            continue
        problem = fmt.read(rec, where, warnings)
        if problem is None:
            warnings.add("no question text; skipped", where=where)
            skipped += 1
            continue
        if problem.key in seen:
            warnings.add(
                f"key {problem.key!r} already used in {table.where(seen[problem.key])}; skipped",
                where=where,
                group="the same key (or the same question) as an earlier item; skipped",
                detail=f"key {problem.key!r}",
            )
            skipped += 1
            continue
        seen[problem.key] = number
        problems.append(problem)
    if not problems:
        raise ImportProblem(f"no problems found in this {fmt.label} file")
    return problems, skipped
