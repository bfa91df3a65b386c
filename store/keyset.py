"""Keyset pagination: the rows after (or before) a row's position in a list's sort order.

A list read a page at a time by `OFFSET` makes SQLite walk every row it skips, so reaching the
end of 100,000 runs a page at a time costs the square of the pages. A page read by key starts
where the last one ended: `where (sort columns) after (the last row's values)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# A list's sort order: (SQL expression, descending) per column, the last one unique (an id).
Order = Sequence[tuple[str, bool]]
# A row's values of those expressions, in the same order.
Position = tuple[Any, ...]


def order_by(order: Order, *, reverse: bool = False) -> str:
    """The ORDER BY list of `order` (reversed: the same list read from its end)."""
    return ", ".join(f"{expr} {'asc' if desc == reverse else 'desc'}" for expr, desc in order)


def beyond(order: Order, position: Position, *, before: bool = False) -> tuple[str, list[Any]]:
    """A condition for the rows after `position` in `order` (before it, with `before`), and
    its parameters. The expressions must never be NULL (wrap them in coalesce)."""
    if len(position) != len(order):
        raise ValueError(f"a position of {len(order)} values expected, got {len(position)}")
    clauses: list[str] = []
    params: list[Any] = []
    for i, (expr, desc) in enumerate(order):
        op = "<" if desc != before else ">"
        ties = [f"{e} = ?" for e, _ in order[:i]]
        clauses.append("(" + " and ".join([*ties, f"{expr} {op} ?"]) + ")")
        params += [*position[:i], position[i]]
    return "(" + " or ".join(clauses) + ")", params
