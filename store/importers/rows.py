"""What every importer produces: problems to store, and warnings grouped by kind."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

# The grader's kinds (graders/result.py; store does not import graders, SPEC §2).
KINDS = ("choice_single", "choice_multi", "integer", "numeric", "expression", "proof", "text")
HUMAN_KINDS = ("proof", "text")
SOLUTION = "solution"  # the meta field holding a worked solution, for graders and the judge
# The meta field holding a problem's own numeric tolerance |gold - answer| <= t (a `tolerance`
# column of any sheet; OlympiadBench's `error`), used by automatic grading instead of 0.01.
TOLERANCE = "tolerance"

CONTENT_KEY_LENGTH = 12
_HEX = re.compile(r"[0-9a-f]+")
_INTEGER = re.compile(r"[+-]?\d+")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class NewProblem:
    """One problem read from a file, before it is stored."""

    key: str
    text: str
    reference: str | None
    kind: str | None
    subject: str | None = None
    source: str | None = None
    max_points: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def meta_json(self) -> str | None:
        """The meta as stored: JSON, or None when empty."""
        return json.dumps(self.meta, ensure_ascii=False, default=str) if self.meta else None


def stored_meta(text: str | None) -> dict[str, Any]:
    """A problem's meta as stored, read back: its fields (none if empty or not a JSON object)."""
    if not text:
        return {}
    try:
        fields = json.loads(text)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def worked_solution(meta: dict[str, Any]) -> str | None:
    """The set's worked solution kept in a problem's meta, when it has one (MATH, GSM8K...)."""
    value = meta.get(SOLUTION)
    return value if isinstance(value, str) and value.strip() else None


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without float noise, blanks as None."""
    if type(value) is str:  # most cells: the quick way
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        parts = [t for t in (cell_text(v) for v in value) if t]
        return ",".join(parts) or None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    text = str(value).strip()
    return text or None


def meta_value(value: Any) -> Any:
    """A cell as it is kept in meta: JSON-friendly, strings trimmed."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def number_kind(reference: str | None) -> str | None:
    """`integer` or `numeric` when the reference is a plain number, else None."""
    if reference is None:
        return None
    ref = reference.strip()
    if _THOUSANDS.fullmatch(ref):  # 1,000 and 12,345.5
        ref = ref.replace(",", "")
    if _INTEGER.fullmatch(ref):
        return "integer"
    if _DECIMAL.fullmatch(ref):
        return "numeric"
    return None


def content_key(text: str) -> str:
    """A stable key from a problem's text, for sets without ids: the same text, the same key."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:CONTENT_KEY_LENGTH]


def is_content_key(key: str) -> bool:
    return len(key) == CONTENT_KEY_LENGTH and _HEX.fullmatch(key) is not None


@dataclass
class _Group:
    items: list[tuple[str | None, str, str | None]] = field(default_factory=list)


class Warnings:
    """Warnings collected while reading a file, shown one line per kind of warning.

    `add(text, where=..., group=...)`: `text` is the whole message for one item, `group` the
    message shared by every item of its kind (default: `text`), `detail` what tells items apart.
    """

    EXAMPLES = 3

    def __init__(self) -> None:
        self._groups: dict[str, _Group] = {}

    def add(
        self,
        text: str,
        *,
        where: str | None = None,
        group: str | None = None,
        detail: str | None = None,
    ) -> None:
        self._groups.setdefault(group or text, _Group()).items.append((where, text, detail))

    def extend(self, lines: list[str]) -> None:
        for line in lines:
            self.add(line)

    def __len__(self) -> int:
        return len(self._groups)

    def lines(self) -> tuple[str, ...]:
        """One line per kind of warning: its count and the first items."""
        out = []
        for group, g in self._groups.items():
            if len(g.items) == 1:
                where, text, _ = g.items[0]
                out.append(f"{where}: {text}" if where else text)
                continue
            wheres = [w for w, _, _ in g.items if w]
            units = {w.split()[0] for w in wheres}
            unit = f"{units.pop()}s" if len(units) == 1 and len(wheres) == len(g.items) else "times"
            shown = [f"{w} ({d})" if d else w for w, _, d in g.items[: self.EXAMPLES] if w]
            more = ", …" if len(g.items) > self.EXAMPLES else ""
            examples = f" ({', '.join(shown)}{more})" if shown else ""
            out.append(f"{group}: {len(g.items)} {unit}{examples}")
        return tuple(out)


# OlympiadBench's own checker compares an answer whose tolerance is left blank to within 1e-8.
EXACT_TOLERANCE = 1e-8


def tolerance_value(value: Any) -> float | None:
    """A tolerance as kept in meta: a finite number ≥ 0 (from `0.1`, `"1e-2"`), else None.

    OlympiadBench writes one per answer of a multi-answer item (`"0.1,0.05"`, a blank for an
    exact one): one tolerance serves the whole answer, so the strictest is kept.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and not value.replace(",", "").strip():
        return None  # blank: no tolerance of its own
    pieces = [value] if isinstance(value, int | float) else str(value).split(",")
    numbers: list[float] = []
    for piece in pieces:
        if isinstance(piece, str):
            piece = piece.strip()
            if not piece:
                numbers.append(EXACT_TOLERANCE)
                continue
        try:
            number = float(piece)
        except ValueError:
            return None
        if not math.isfinite(number) or number < 0:
            return None
        numbers.append(number)
    return min(numbers) if numbers else None
