"""Which models get no more runs started, and why: a price the cost cap cannot count, or a
provider that failed every first run the same way (the breaker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# A model whose first runs all fail with the same provider error gets no more runs started.
BREAKER_RUNS = 5

LeftOutWhy = Literal["price_unknown", "provider_failing"]


@dataclass(frozen=True)
class LeftOut:
    """A model left out of the rest of the bench: the typed reason, and its detail."""

    model: str
    why: LeftOutWhy
    error: str | None = None  # provider_failing: the error every run ended with

    @property
    def line(self) -> str:
        """The reason in one line, for the user."""
        if self.why == "price_unknown":
            return (
                f"the price of {self.model} is unknown, so the cost cap cannot be kept"
                " (set it in the config's [prices] table)"
            )
        return f"every run of {self.model} failed: {self.error}"


class Breaker:
    """The models left out so far; a model is left out once its first BREAKER_RUNS runs have all
    failed with one and the same error (a bad key, an unknown model), not on mixed failures."""

    def __init__(self, runs: int = BREAKER_RUNS) -> None:
        self.runs = runs
        self.left_out: dict[str, LeftOut] = {}
        self.outcomes: dict[str, list[str | None]] = {}  # model -> errors of its finished runs

    def __contains__(self, model: object) -> bool:
        return model in self.left_out

    def leave_out(self, model: str, why: LeftOutWhy, error: str | None = None) -> LeftOut:
        out = self.left_out[model] = LeftOut(model, why, error)
        return out

    def record(self, model: str, status: str, error: str | None) -> LeftOut | None:
        """One finished run of `model`; the LeftOut when this run trips the breaker."""
        seen = self.outcomes.setdefault(model, [])
        seen.append(None if status == "done" else error or "failed")
        if model in self.left_out or len(seen) < self.runs or None in seen:
            return None
        if len(set(seen)) == 1:
            return self.leave_out(model, "provider_failing", seen[0])
        return None

    def reasons(self) -> set[LeftOutWhy]:
        return {out.why for out in self.left_out.values()}

    def lines(self) -> tuple[str, ...]:
        """Why models were left out, one line per distinct reason, sorted."""
        return tuple(sorted({out.line for out in self.left_out.values()}))
