"""The score charts: what they show (ponder.report.chart_data), drawn in the terminal (plotext) and as SVG."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

import pytest
from textual.app import App, ComposeResult

from graders.scoring.stats import calibration, wilson_interval
from graders.scoring.tables import ScoreRow
from ponder.report.chart_data import calibration_chart, with_without_chart
from ponder.report.svg_chart import render_svg
from tui.widgets.score_chart import ScoreChart, chart_text


def row(model: str, paradigm: str, scores: list[float], rewards: list[float] | None = None):
    return ScoreRow(
        dataset="exam",
        model=model,
        paradigm=paradigm,
        problems=10,
        n=len(scores),
        graded=len(scores),
        score_sum=sum(scores),
        full=sum(s == 1 for s in scores),
        partial=0,
        zero=sum(s == 0 for s in scores),
        needs_human=0,
        ungraded=0,
        points=None,
        max_points=None,
        tokens=0,
        cost_usd=None,
        ci95=wilson_interval(scores),
        calibration=calibration(list(zip(rewards, scores, strict=True))) if rewards else None,
    )


ROWS = [
    row("alpha", "direct", [1, 1, 0, 0]),
    row("alpha", "dcot", [1, 1, 1, 0], rewards=[0.9, 0.85, 0.6, 0.3]),
    row("beta\x1b[31m", "direct", [0, 0, 0, 1]),
]


def test_with_without_chart_has_a_bar_per_paradigm_with_its_interval():
    chart = with_without_chart(ROWS)
    assert chart.series == ("direct", "dcot")
    alpha, beta = chart.groups
    assert alpha.name == "alpha" and [b.value for b in alpha.bars] == [0.5, 0.75]
    direct = alpha.bars[0]
    assert (direct.low, direct.high) == pytest.approx(wilson_interval([1, 1, 0, 0]))
    assert direct.note == "2/4"
    assert beta.bars[1].value is None  # beta never ran dcot: no bar, not a zero


def test_calibration_chart_has_accuracy_per_reward_band():
    chart = calibration_chart(ROWS)
    assert chart.series == ("reward ≥ 0.8", "reward 0.5–0.8", "reward < 0.5")
    [group] = chart.groups
    assert group.name == "alpha · dcot"
    assert [(b.value, b.note) for b in group.bars] == [(1.0, "2/2"), (1.0, "1/1"), (0.0, "0/1")]


def test_terminal_chart_draws_bars_whiskers_and_a_legend():
    text = chart_text(with_without_chart(ROWS), 60, 14)
    lines = text.plain.splitlines()
    assert "█" in text.plain and "┼" in text.plain  # bars, and whiskers crossing them
    assert lines[-1].startswith("█ direct   ▒ dcot") and "95% CI" in lines[-1]
    # A line per group labels every bar, so the chart reads without colour.
    assert lines[-3].startswith("alpha: █ direct 0.50 [0.15, 0.85] 2/4 · ▒ dcot 0.75")
    assert lines[-2] == "beta: █ direct 0.25 [0.05, 0.70] 1/4 · ▒ dcot no runs"
    assert "alpha" in text.plain and "beta" in text.plain
    assert "\x1b" not in text.plain  # a model name's escape sequence is not passed through
    assert max(len(line) for line in lines) <= 60


def test_plotext_is_imported_only_when_a_chart_is_drawn(monkeypatch):
    import tui.widgets.score_chart  # noqa: F401  (the widget module itself)

    code = "import sys, tui.widgets.score_chart; print('plotext' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_score_chart_widget_renders_in_the_app():
    class ChartApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ScoreChart(with_without_chart(ROWS), id="chart")

    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = app.query_one(ScoreChart)
        rendered = widget.render()
        assert "█ direct" in rendered.plain and "alpha" in rendered.plain
        widget.show_chart(calibration_chart(ROWS))
        await pilot.pause()
        assert "reward ≥ 0.8" in widget.render().plain


def test_svg_chart_escapes_names_and_draws_a_bar_and_whisker_each():
    svg = render_svg(with_without_chart([*ROWS, row("<script>x</script>", "direct", [1.0])]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="bar"') == 4 and svg.count('class="whisker"') == 4


def _dead(model: str, paradigm: str, n: int) -> ScoreRow:
    """A cell whose every run failed (a dead endpoint): scored as n zeros, no grade."""
    return replace(row(model, paradigm, [0.0] * n), graded=0, zero=0, failed=n)


def test_a_cell_whose_every_run_failed_is_drawn_as_such_not_as_a_zero():
    chart = with_without_chart([row("alpha", "direct", [1, 0]), _dead("alpha", "dcot", 3)])
    direct, dcot = chart.groups[0].bars
    assert direct.label == "0.50"
    assert (dcot.value, dcot.label, dcot.note) == (None, "all failed", "3 failed")
    svg = render_svg(chart)
    assert svg.count('class="bar"') == 1 and svg.count('class="empty"') == 1
    assert ">all failed</text>" in svg and ">3 failed</text>" in svg
    assert "dcot 0.00" not in chart_text(chart, 80, 16).plain
    assert "▒ dcot all failed 3 failed" in chart_text(chart, 80, 16).plain


def test_svg_bars_are_labelled_so_the_chart_reads_without_colour():
    chart = with_without_chart([row("alpha", "direct", [0, 0]), row("alpha", "dcot", [1, 0])])
    svg = render_svg(chart)
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', svg)
    series = re.findall(r'<text class="series"[^>]*>([^<]*)</text>', svg)
    assert values == ["0.00", "0.50"] and series == ["direct", "dcot"]
    # An all-zero bar is a visible stub at the axis, not only its whisker.
    assert svg.count('class="zero"') == 1
    # A paradigm a model never ran: "no runs", drawn as an empty outline.
    other = render_svg(with_without_chart([row("alpha", "dcot", [1]), row("beta", "direct", [1])]))
    assert other.count(">no runs</text>") == 2
