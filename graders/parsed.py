"""The two records every rule shares: a parsed answer, and the settings a check runs under."""

from __future__ import annotations

import math
from dataclasses import dataclass

from graders.mathparse import Node
from graders.result import Kind


@dataclass(frozen=True)
class Parsed:
    """An answer (or a reference) read once for its kind: extracted, normalised, ready to compare.

    `value` is what the kind's rule compares: option letters (a tuple of str), a Number, or a
    math tree (Node). It is None when nothing usable was found, and `problem` then says why.
    """

    kind: Kind
    value: object = None
    text: str | None = None  # the answer as found and cleaned: Grade.extracted
    source: str = ""  # where it was found: "reference", "boxed", "answer_tag", …
    problem: str = ""  # why there is no value (a needs_human reason)
    empty: bool = False  # nothing was answered at all
    decimal_comma: bool = False  # written in a language whose numbers have a decimal comma
    parts: tuple[tuple[str, Node], ...] = ()  # labelled parts' answers (a), (b), …: (text, tree)


@dataclass(frozen=True)
class Rules:
    """What a check runs under: the deadline, a tolerance override, the question's options."""

    deadline: float = math.inf  # time.monotonic() by which the grade must be decided
    timeout: float = 5.0  # the budget the deadline came from, for reasons ("timed out after 5 s")
    tolerance: float | None = None  # overrides |gold − answer| ≤ 0.01 for numbers
    question: str | None = None
    choices: frozenset[str] | None = None  # the letters an answer may name; None: A–H
    options: tuple[tuple[str, str], ...] = ()  # option texts a reference gives (`(D) Alina`)
