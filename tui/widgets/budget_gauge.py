"""The step budget as a gauge: steps used out of the budget (dcot) or max steps (g1)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, ProgressBar


class BudgetGauge(Vertical):
    """A label ("17 of 20 left") over a bar that fills as the budget is spent."""

    DEFAULT_CSS = """
    BudgetGauge { height: auto; }
    BudgetGauge ProgressBar Bar { width: 1fr; }
    BudgetGauge ProgressBar { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total: int | None = None
        self.used = 0
        self.noun = "budget"

    def compose(self) -> ComposeResult:
        yield Label("", id="budget-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="budget-bar")

    def reset(self, total: int | None, noun: str = "budget") -> None:
        self.total, self.used, self.noun = total, 0, noun
        self._show()

    def set_used(self, used: int) -> None:
        self.used = used
        self._show()

    def set_left(self, left: int) -> None:
        if self.total is not None:
            self.set_used(max(self.total - left, 0))

    def _show(self) -> None:
        label = self.query_one("#budget-label", Label)
        bar = self.query_one("#budget-bar", ProgressBar)
        if self.total is None:
            label.update(Content(f"no {self.noun}"))
            bar.display = False
            return
        bar.display = True
        left = max(self.total - self.used, 0)
        if self.noun == "budget":
            label.update(Content(f"{left} of {self.total} steps left"))
        else:
            label.update(Content(f"{self.used} of at most {self.total} steps"))
        bar.update(total=self.total, progress=min(self.used, self.total))
