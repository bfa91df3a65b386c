"""Any table of problems: the question, answer, key... columns found by their header names."""

from __future__ import annotations

import re
from typing import Any

from store.importers.files import ImportProblem, Table
from store.importers.rows import HUMAN_KINDS, KINDS, NewProblem, Warnings, cell_text, meta_value

# Words people put in a kind column, mapped to the grader's kinds.
_KIND_ALIASES = {
    "single": "choice_single",
    "single choice": "choice_single",
    "mcq": "choice_single",
    "multi": "choice_multi",
    "multiple": "choice_multi",
    "multi correct": "choice_multi",
    "multiple correct": "choice_multi",
    "mcq(multiple)": "choice_multi",
    "int": "integer",
    "number": "numeric",
    "float": "numeric",
    "decimal": "numeric",
    "expr": "expression",
    "latex": "expression",
    "math": "expression",
    "set": "expression",
    "interval": "expression",
}

# Header names (normalised: lower case, single spaces, no surrounding punctuation), by role.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "text": ("question", "questions", "problem", "problems", "prompt", "prompts", "text"),
    "reference": (
        "answer",
        "answers",
        "gold",
        "gold answer",
        "reference",
        "reference answer",
        "solution",
        "correct answer",
        "correct option",
        "correct options",
        "final answer",
        "ans",
    ),
    "key": (
        "id",
        "key",
        "no",
        "#",
        "qno",
        "q no",
        "sno",
        "s no",
        "number",
        "question no",
        "question number",
        "question id",
        "problem id",
    ),
    "kind": ("kind", "answer kind", "answer type", "type"),
    "subject": ("subject", "topic"),
    "source": ("source",),
    "max_points": ("max_points", "max points", "marks", "max marks", "full marks", "points"),
}
_ROLE_LABELS = {"text": "question", "reference": "answer"}


def _norm_header(name: str) -> str:
    name = re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip(" .:")
    return "max_points" if name == "max points" else name


def find_roles(headers: list[str]) -> dict[str, int]:
    """Map each role to the first column whose header names it, preferring earlier synonyms."""
    normed = [_norm_header(h) for h in headers]
    squeezed = [re.sub(r"[^a-z0-9#]", "", h) for h in normed]
    roles: dict[str, int] = {}
    taken: set[int] = set()
    for role, names in ROLE_NAMES.items():
        for name in names:
            squeezed_name = re.sub(r"[^a-z0-9#]", "", name)
            for col, (h, sq) in enumerate(zip(normed, squeezed, strict=True)):
                if col in taken:
                    continue
                # "Q.No" and "S. No." match by their letters; plain words match exactly.
                if h == name or (role == "key" and sq == squeezed_name):
                    roles[role] = col
                    taken.add(col)
                    break
            if role in roles:
                break
    return roles


def header_has_question(cells: list[str]) -> bool:
    """True when a row of cells looks like a header with a question column."""
    return "text" in find_roles(cells)


def _warn_unused_synonyms(headers: list[str], roles: dict[str, int], warnings: Warnings) -> None:
    """Say so when a second question or answer column is kept aside, so nothing is lost silently."""
    for role, label in _ROLE_LABELS.items():
        if role not in roles:
            continue
        for col, h in enumerate(headers):
            if col != roles[role] and _norm_header(h) in ROLE_NAMES[role]:
                warnings.add(
                    f"column {h.strip()!r} kept in meta: {headers[roles[role]].strip()!r}"
                    f" is the {label} column"
                )


def _columns_used(headers: list[str], roles: dict[str, int]) -> str:
    """Which column plays which part, in words: question 'Problem', answer 'Gold', key 'Q.No'."""
    parts = [
        f"{_ROLE_LABELS.get(role, role.replace('_', ' '))} {headers[col].strip()!r}"
        for role, col in roles.items()
    ]
    if "key" not in roles:
        parts.append("keys from row positions")
    return ", ".join(parts)


def parse_kind(value: str | None, where: str, warnings: Warnings) -> str | None:
    """A kind cell as one of the grader's kinds; an unknown word is a warning and None."""
    if value is None:
        return None
    k = re.sub(r"[\s_\-]+", " ", value.strip().lower())
    if k.replace(" ", "_") in KINDS:
        return k.replace(" ", "_")
    if k in _KIND_ALIASES:
        return _KIND_ALIASES[k]
    warnings.add(f"unknown kind {value!r}; the grader will infer it", where=where)
    return None


def _points(value: Any, where: str, warnings: Warnings) -> float | None:
    text = cell_text(value)
    if text is None:
        return None
    try:
        points = float(text)
    except ValueError:
        points = -1.0
    if not points > 0:
        warnings.add(
            f"max_points {text!r} is not a positive number; ignored",
            where=where,
            group="max_points is not a positive number; ignored",
            detail=repr(text),
        )
        return None
    return points


def _meta_names(table: Table, role_cols: set[int]) -> dict[int, str]:
    """The other columns, kept in meta by their header (made unique; blank ones numbered)."""
    meta_names: dict[int, str] = {}
    used: set[str] = set()
    width = max([len(table.headers), *(len(r) for _, r in table.rows)], default=0)
    for col in range(width):
        if col in role_cols:
            continue
        name = table.headers[col].strip() if col < len(table.headers) else ""
        name = name or f"column {col + 1}"
        base, n = name, 2
        while name in used:
            name, n = f"{base} ({n})", n + 1
        used.add(name)
        meta_names[col] = name
    return meta_names


def from_columns(
    table: Table, warnings: Warnings, keys: dict[int, str] | None = None
) -> tuple[list[NewProblem], int, str]:
    """Problems from a table by its column names; also the rows skipped and the columns used.

    `keys`, when given, is filled with the key of each row (by position) that became a problem.
    """
    roles = find_roles(table.headers)
    if "text" not in roles:
        raise ImportProblem(
            "no question column (looked for a header named question, problem, prompt or text)"
        )
    has_reference = "reference" in roles
    _warn_unused_synonyms(table.headers, roles, warnings)
    meta_names = _meta_names(table, set(roles.values()))

    def cell(row: list[Any], role: str) -> Any:
        col = roles.get(role)
        return row[col] if col is not None and col < len(row) else None

    rows: list[NewProblem] = []
    seen: dict[str, int] = {}
    skipped = 0
    no_reference = 0
    defaulted_to_proof = 0
    for number, raw in table.rows:
        where = table.where(number)
        if all(cell_text(v) is None for v in raw):
            skipped += 1
            continue
        text = cell_text(cell(raw, "text"))
        if text is None:
            warnings.add("no question text; skipped", where=where)
            skipped += 1
            continue
        key = cell_text(cell(raw, "key")) or str(number)
        if key in seen:
            warnings.add(
                f"key {key!r} already used in {table.where(seen[key])}; skipped",
                where=where,
                group="key already used by an earlier row; skipped",
                detail=f"key {key!r}",
            )
            skipped += 1
            continue
        seen[key] = number
        if keys is not None:
            keys[number] = key
        reference = cell_text(cell(raw, "reference"))
        kind = parse_kind(cell_text(cell(raw, "kind")), where, warnings)
        if not has_reference and kind is None:
            kind = "proof"  # a sheet of questions only: a proof set, graded by hand
            defaulted_to_proof += 1
        if has_reference and reference is None and kind not in HUMAN_KINDS:
            no_reference += 1
        meta = {
            name: meta_value(raw[col])
            for col, name in meta_names.items()
            if col < len(raw) and cell_text(raw[col]) is not None
        }
        rows.append(
            NewProblem(
                key=key,
                text=text,
                reference=reference,
                kind=kind,
                subject=cell_text(cell(raw, "subject")),
                source=cell_text(cell(raw, "source")),
                max_points=_points(cell(raw, "max_points"), where, warnings),
                meta=meta,
            )
        )
    if not rows:
        raise ImportProblem("no problems found: every row under the header is empty")
    used = _columns_used(table.headers, roles)
    if defaulted_to_proof:
        warnings.add(
            "no answer column found: problems imported without references, to be graded by"
            f" hand (columns used: {used})"
        )
    if no_reference:
        warnings.add(f"{no_reference} problem(s) have no reference answer: they need a human grade")
    return rows, skipped, used
