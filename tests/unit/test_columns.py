"""Which columns of a table fit a width (ponder.columns): narrowed first, lowest priority
first, then left out, lowest priority first; what is left over goes back."""

from __future__ import annotations

import pytest

from ponder.columns import Fit, fit_columns

COLUMNS = (
    Fit("id", 6, 4, priority=10),
    Fit("when", 16, 16, priority=1),
    Fit("paradigm", 8, 8, priority=9),
    Fit("model", 20, 10, priority=7),
    Fit("answer", 30, 12, priority=4),
)


@pytest.mark.parametrize(
    ("room", "kept"),
    [
        (200, {"id": 6, "when": 16, "paradigm": 8, "model": 20, "answer": 30}),
        # 84 wanted with the gaps: the lowest priorities narrow first (answer, then model)
        (80, {"id": 6, "when": 16, "paradigm": 8, "model": 20, "answer": 26}),
        (70, {"id": 6, "when": 16, "paradigm": 8, "model": 20, "answer": 16}),
        # everything at its narrowest is 54: the time goes, and the room comes back
        (50, {"id": 6, "paradigm": 8, "model": 20, "answer": 13}),
        (30, {"id": 6, "paradigm": 8, "model": 14}),
        (10, {"id": 6}),
        (0, {"id": 4}),
    ],
)
def test_columns_narrow_then_go_by_priority(room: int, kept: dict[str, int]) -> None:
    got = fit_columns(COLUMNS, room)
    assert got == kept
    assert list(got) == [c.key for c in COLUMNS if c.key in kept]  # the order is kept


def test_padding_counts_for_each_column() -> None:
    two = (Fit("a", 10, 10, 1), Fit("b", 10, 10, 2))
    assert fit_columns(two, 24, gap=0, pad=2) == {"a": 10, "b": 10}
    assert fit_columns(two, 23, gap=0, pad=2) == {"b": 10}
