"""`--max-cost`: what the bench has spent, what its runs and judge calls in flight will likely add,
and whether the next run (or judge call) fits under the cap.

A run's likely cost is the mean of its configuration's finished runs (else of its model's); until
one has finished, one probe run goes at a time. The judge's calls count too: a proof or free-text
run holds a judge call's share of the cap from its start until its judge call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Literal, Protocol

# What the scheduler does with the next run: start it, wait for a run in flight to end, leave it
# out (its model is left out), or halt the bench (the cap would be passed).
Decision = Literal["start", "wait", "skip", "halt"]
JudgeDecision = Literal["start", "wait", "skip"]


class Spending(Protocol):
    """A run in flight, as the cap sees it."""

    @property
    def model(self) -> str: ...
    @property
    def paradigm(self) -> str: ...
    @property
    def problem_id(self) -> int: ...
    @property
    def cost(self) -> float | None: ...  # what its finished calls cost (None: unknown)
    @property
    def estimate_cost(self) -> float | None: ...  # with the call streaming now estimated
    @property
    def counted(self) -> bool: ...  # ended, and counted in the runs' cost


class CostCap:
    """The cap (None: no cap) and what counts against it."""

    def __init__(
        self, cap: float | None, worst_case: Callable[[str, str], float | None] | None = None
    ) -> None:
        self.cap = cap
        # Batch mode: what a run counts for until its results arrive, its call at its worst
        # (max_tokens), whatever the runs before it cost.
        self.worst_case = worst_case
        self.samples: dict[tuple[str, str], list[float]] = {}  # (model, paradigm) -> run costs
        self.runs_cost = 0.0  # known cost of the runs that have ended
        self.judge_cost = 0.0
        self.judge_costs: list[float] = []  # each judge call's cost, for the estimate of the next
        self.judging = 0  # judge calls in flight
        self.judged_problems: frozenset[int] = frozenset()  # problems whose runs are judged
        self.reserved: set[int] = set()  # finished runs holding a share for their judge call

    def seen(self, model: str, paradigm: str, cost: float | None) -> None:
        """A run ended by itself at this cost: a sample for the estimates."""
        if cost is not None:
            self.samples.setdefault((model, paradigm), []).append(cost)

    def judged(self, cost: float | None) -> None:
        """A judge call ended at this cost."""
        if cost is not None:
            self.judge_cost += cost
            self.judge_costs.append(cost)

    def estimate(self, model: str, paradigm: str) -> float | None:
        """What a run of this configuration will likely cost: the mean of its runs so far."""
        if self.worst_case is not None:
            return self.worst_case(model, paradigm)
        same = self.samples.get((model, paradigm))
        if same:
            return sum(same) / len(same)
        costs = [c for (m, _), costs in self.samples.items() if m == model for c in costs]
        return sum(costs) / len(costs) if costs else None

    def spent(self, live: Iterable[Spending]) -> float:
        """What the bench has spent so far: finished and running runs, and the judge's calls."""
        return self.runs_cost + self.judge_cost + sum(r.cost or 0.0 for r in live)

    def in_flight(self, live: Iterable[Spending]) -> float:
        """The estimated cost of the calls streaming now, beyond what their runs have spent."""
        return sum(
            max(0.0, r.estimate_cost - (r.cost or 0.0))
            for r in live
            if r.estimate_cost is not None and not r.counted
        )

    def passed(self, live: Sequence[Spending]) -> bool:
        """Whether the spend, with the calls in flight counted as they stream, passed the cap:
        an expensive call counts before it ends, not after a whole run has."""
        return self.cap is not None and self.spent(live) + self.in_flight(live) > self.cap

    def judge_estimate(self) -> float | None:
        """What a judge call will likely cost: the mean of the calls so far."""
        return sum(self.judge_costs) / len(self.judge_costs) if self.judge_costs else None

    def judge_share(self) -> float:
        """The share of the cap a judge call to come is given: the judge's mean so far, else a
        run's (the judge reads about what a solver writes)."""
        estimate = self.judge_estimate()
        if estimate is not None:
            return estimate
        costs = [c for costs in self.samples.values() for c in costs]
        return sum(costs) / len(costs) if costs else 0.0

    def reserve(self, problem_id: int) -> float:
        """The judge's share a run of this problem holds: proof and free-text runs are judged."""
        return self.judge_share() if problem_id in self.judged_problems else 0.0

    def committed(self, live: Iterable[Spending]) -> float:
        """The spend so far plus what the runs and judge calls in flight will likely add, and
        the judge calls that finished proof runs are waiting for."""
        share = self.judge_share()
        return (
            self.runs_cost
            + self.judge_cost
            + (self.judging + len(self.reserved)) * share
            + sum(
                max(
                    r.cost or 0.0, r.estimate_cost or 0.0, self.estimate(r.model, r.paradigm) or 0.0
                )
                + self.reserve(r.problem_id)
                for r in live
            )
        )

    def decide(
        self, model: str, paradigm: str, problem_id: int, live: Sequence[Spending]
    ) -> Decision:
        """'start' the next run, 'wait' for one in flight to end, or 'halt' (it would pass)."""
        if self.cap is None:
            return "start"
        estimate = self.estimate(model, paradigm)
        if estimate is None:
            # Nothing known yet: one probe run at a time until a cost has been seen.
            return "wait" if live else "start"
        if self.committed(live) + estimate + self.reserve(problem_id) <= self.cap:
            return "start"
        return "wait" if live else "halt"

    def judge_decision(self, run_id: int, live: Sequence[Spending]) -> JudgeDecision:
        """'start' a judge call, 'wait' for one in flight to end, or 'skip' (it would pass)."""
        if self.cap is None:
            return "start"
        if self.judge_estimate() is None and self.judging:
            return "wait"  # one probe call at a time until a judge cost has been seen
        # A proof run's share is in committed() already; another run's is asked for now.
        own = 0.0 if run_id in self.reserved else self.judge_share()
        if self.committed(live) + own <= self.cap + 1e-12:
            return "start"
        return "wait" if self.judging else "skip"
