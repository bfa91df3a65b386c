"""Score charts of a dataset: with vs without per model (bars with 95 % CI whiskers), the paired
verdicts, and accuracy per final-reward band. Read from the store in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ponder.report.chart_data import Chart, calibration_chart, with_without_chart
from ponder.text import safe_text
from store.thread_db import thread_db
from tui.widgets.score_chart import ScoreChart


@dataclass(frozen=True)
class ChartsData:
    """What the screen shows, read once in a worker."""

    heading: str
    verdicts: tuple[str, ...]
    with_without: Chart
    calibration: Chart


def load_charts(db: sqlite_utils.Database, dataset: str | None) -> ChartsData:
    """The score table of a dataset (under the default rule) as charts and verdict lines."""
    from graders.scoring.counted import Rule
    from ponder.score_text import ci_text, diff_text, p_text
    from workbench.scores import comparison, score_table

    rule = Rule()
    rows = score_table(db, dataset, rule)
    verdicts = []
    for c in comparison(db, dataset, rows):
        for technique in ("dcot", "g1"):
            p = c.paired(technique)
            if p is None or p.n == 0:
                continue
            verdicts.append(
                f"{safe_text(c.dataset)} · {safe_text(c.model)} · {technique} − direct:"
                f" {diff_text(p.mean_diff)}"
                f" {ci_text(p.ci95)}, p {p_text(p.p_value)}: {p.verdict(technique)}"
            )
    name = safe_text(dataset) if dataset else "every dataset"
    return ChartsData(
        heading=f"Scores of {name} · counted: {rule.describe()}",
        verdicts=tuple(verdicts),
        with_without=with_without_chart(rows),
        calibration=calibration_chart(rows),
    )


class ScoreChartsScreen(ModalScreen[None]):
    """Esc closes."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    ScoreChartsScreen { align: center middle; }
    ScoreChartsScreen > VerticalScroll {
        width: 95%; height: 95%; border: round $accent; background: $surface; padding: 0 1;
    }
    ScoreChartsScreen #charts-heading { text-style: bold; }
    ScoreChartsScreen #charts-verdicts { color: $text-muted; margin-bottom: 1; }
    ScoreChartsScreen ScoreChart { height: 18; }
    ScoreChartsScreen #chart-with-without { height: 20; }
    """

    def __init__(self, db: sqlite_utils.Database, dataset: str | None) -> None:
        super().__init__()
        self.db = db
        self.dataset = dataset
        self.data: ChartsData | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Reading the scores…", id="charts-heading", markup=False)
            yield Static("", id="charts-verdicts", markup=False)
            yield ScoreChart(id="chart-with-without")
            yield ScoreChart(id="chart-calibration")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="score-charts", exit_on_error=False)
    def _load(self) -> None:
        with thread_db(self.db) as db:
            data = load_charts(db, self.dataset)
        self.app.call_from_thread(self._show, data)

    def _show(self, data: ChartsData) -> None:
        self.data = data
        self.query_one("#charts-heading", Label).update(Text(data.heading))
        lines = data.verdicts or ("no model was run both with and without the technique yet",)
        self.query_one("#charts-verdicts", Static).update(Text("\n".join(lines)))
        self.query_one("#chart-with-without", ScoreChart).show_chart(data.with_without)
        self.query_one("#chart-calibration", ScoreChart).show_chart(data.calibration)
