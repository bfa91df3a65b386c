"""Number formats that every front door prints the same way (command line, report, TUI)."""

from __future__ import annotations


def usd(cost: float | None, unknown: str = "?") -> str:
    """A cost in dollars: four decimals under $1 (a run often costs a fraction of a cent), two
    above; an unknown price is `unknown`, never $0."""
    if cost is None:
        return unknown
    return f"${cost:.4f}" if cost < 1 else f"${cost:.2f}"
