"""Reward bands (SPEC §1) and the few number formats shared by the widgets."""

from __future__ import annotations

from ponder.words import usd
from reasoning.events import Band, reward_band

__all__ = ["Band", "format_cost", "format_elapsed", "format_reward", "format_tokens", "reward_band"]


def format_reward(reward: float) -> str:
    return f"{reward:.2f}"


def format_cost(cost_usd: float | None) -> str:
    """A cost in dollars; an unknown price is "?", never $0."""
    return usd(cost_usd)


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
