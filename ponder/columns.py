"""Which columns of a table fit a width: the ones of lowest priority are narrowed, then left
out, until the rest fit. Shared by the command line's tables and the TUI's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    """A column as the fitting sees it: the width it wants, the narrowest it is still of use
    at, and its priority (the lowest is narrowed first, then left out first)."""

    key: str
    width: int
    least: int
    priority: int


def fit_columns(columns: Sequence[Fit], room: int, gap: int = 1, pad: int = 0) -> dict[str, int]:
    """The columns kept, in their order, with their widths, for a table `room` cells wide
    whose columns are `gap` cells apart and take `pad` cells each besides. Every column is narrowed (lowest priority first)
    before any is left out (lowest priority first); the room left over goes back to the ones
    narrowed, highest priority first. The column of highest priority always stays."""
    widths = {c.key: c.width for c in columns}

    def used() -> int:
        return sum(widths.values()) + gap * max(0, len(widths) - 1) + pad * len(widths)

    by_priority = sorted(columns, key=lambda c: c.priority)
    for c in by_priority:
        if used() <= room:
            break
        widths[c.key] = min(c.width, c.least)
    for c in by_priority[:-1]:
        if used() <= room:
            break
        del widths[c.key]
    for c in reversed(by_priority):
        if c.key in widths and widths[c.key] < c.width and used() < room:
            widths[c.key] += min(c.width - widths[c.key], room - used())
    return {c.key: widths[c.key] for c in columns if c.key in widths}
