"""The Solve sidebar: step list, reward curve, budget gauge and the run's numbers."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from reasoning.events import RunResult, RunSettings, Step, Usage
from tui.widgets.budget_gauge import BudgetGauge
from tui.widgets.reward_curve import RewardCurve
from tui.widgets.run_stats import RunStats
from tui.widgets.step_list import StepList


class Sidebar(Vertical):
    """Everything about the run on show, kept in step with its events."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rewards: dict[int, float] = {}  # step index -> reward, in step order
        self.paradigm = "dcot"

    def compose(self) -> ComposeResult:
        yield Label("Steps", classes="sidebar-title")
        yield StepList(id="step-list")
        yield Label("Reward curve", classes="sidebar-title")
        yield RewardCurve(id="reward-curve")
        yield Label("Budget", classes="sidebar-title")
        yield BudgetGauge(id="budget-gauge")
        yield Label("Run", classes="sidebar-title")
        yield RunStats(id="run-stats")

    def on_mount(self) -> None:
        self.reset(None)

    @property
    def step_list(self) -> StepList:
        return self.query_one(StepList)

    @property
    def stats(self) -> RunStats:
        return self.query_one(RunStats)

    def reset(self, settings: RunSettings | None, *, live: bool = False) -> None:
        """Empty, for a new run with these settings (None: nothing on show); a `live` run's
        step list follows its latest step."""
        self.rewards.clear()
        self.step_list.reset(follow=live)
        self.query_one(RewardCurve).set_rewards(())
        gauge = self.query_one(BudgetGauge)
        if settings is None:
            gauge.reset(None)
        elif settings.paradigm == "dcot":
            gauge.reset(settings.budget, "budget")
        elif settings.paradigm == "g1":
            gauge.reset(settings.max_steps, "max steps")
        else:
            gauge.reset(None, "step budget")
        self.paradigm = settings.paradigm if settings else "dcot"
        if settings is None:
            self.stats.clear()
        else:
            self.stats.reset()

    def step_started(self, index: int, kind: str, title: str | None) -> None:
        self.step_list.step_started(index, kind, title)

    def step_finished(self, step: Step) -> None:
        self.step_list.step_finished(step)
        if step.reward is not None:
            self.rewards[step.index] = step.reward
            self.query_one(RewardCurve).set_rewards([self.rewards[i] for i in sorted(self.rewards)])
        gauge = self.query_one(BudgetGauge)
        if self.paradigm == "dcot" and step.kind == "step" and step.budget_left is not None:
            gauge.set_left(step.budget_left)
        elif self.paradigm == "g1" and step.kind in ("step", "reflection"):
            gauge.set_used(gauge.used + 1)  # g1's max_steps counts its reflections too

    def usage(
        self, usage: Usage, calls: int, cost_usd: float | None, *, estimated: bool = False
    ) -> None:
        """Totals so far; `estimated` while a call streams (marked ≈ until the real figures)."""
        stats = self.stats
        stats.usage, stats.calls, stats.cost_usd = usage, calls, cost_usd
        stats.estimated = estimated
        stats.show()

    def elapsed(self, seconds: float) -> None:
        self.stats.elapsed_s = seconds
        self.stats.show()

    def ended(self, result: RunResult | None, status: str) -> None:
        stats = self.stats
        stats.status = status
        if result is not None:
            stats.usage, stats.calls, stats.cost_usd = result.usage, result.calls, result.cost_usd
            stats.estimated = False
            stats.elapsed_s = result.elapsed_s
            stats.stop_reason = result.stop_reason
        elif status == "cancelled":
            stats.stop_reason = "cancelled"
        stats.show()
