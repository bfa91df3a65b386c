"""Reward bands (SPEC §1) and the few number formats shared by the widgets."""

from __future__ import annotations

from typing import Literal

Band = Literal["high", "mid", "low"]


def reward_band(reward: float) -> Band:
    """≥ 0.8 continue (high), 0.5–0.79 adjust (mid), < 0.5 backtrack (low)."""
    if reward >= 0.8:
        return "high"
    if reward >= 0.5:
        return "mid"
    return "low"


def format_reward(reward: float) -> str:
    return f"{reward:.2f}"


def format_cost(cost_usd: float | None) -> str:
    """A cost in dollars; an unknown price is "?", never $0."""
    if cost_usd is None:
        return "?"
    if cost_usd < 0.01:
        return f"${cost_usd:.4f}"
    return f"${cost_usd:.2f}"


def format_tokens(n: int) -> str:
    if n >= 100_000:
        return f"{n / 1000:.0f}k"
    if n >= 10_000:
        return f"{n / 1000:.1f}k"
    return f"{n:,}"


def format_elapsed(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}:{secs:02d}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
