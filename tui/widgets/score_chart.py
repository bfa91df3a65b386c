"""Score charts in the terminal: grouped bars with interval whiskers, drawn by plotext (imported
when a chart is first drawn, so the app starts without it)."""

from __future__ import annotations

import threading
from functools import lru_cache

from rich.text import Text
from textual.widgets import Static

from ponder.report.chart_data import Chart
from ponder.text import safe_text

# plotext draws on one global figure: one chart at a time.
_LOCK = threading.Lock()
# 256-colour indices, one per series in order (blue, yellow, green, magenta, cyan, red), and a
# fill character each, so that the series read apart without colour too.
SERIES_COLOURS = (12, 11, 10, 13, 14, 9)
SERIES_MARKS = ("█", "▒", "░", "▓", "▞", "▪")
WHISKER_COLOUR = 7
LABEL_LINES = 6  # at most this many lines of bar labels under the chart


def _label(name: str, width: int) -> str:
    flat = " ".join(safe_text(name).split())
    return flat if len(flat) <= width else flat[: max(1, width - 1)] + "…"


@lru_cache(maxsize=32)
def chart_text(chart: Chart, width: int, height: int) -> Text:
    """The chart drawn in width x height cells: the bars, a line per group labelling each bar
    (its value, interval and count, or "no runs" / "all failed"), and a legend line."""
    if not chart.groups or not chart.series:
        return Text("nothing to chart yet", style="dim")
    import plotext as plt

    labels = bar_labels(chart, width)
    height -= len(labels)

    slot = max(4, (width - 8) // len(chart.groups) - 2)
    names = [_label(g.name, slot) for g in chart.groups]
    if len(set(names)) < len(names):  # labels cut to the same text: number them
        names = [f"{i + 1}.{n}" for i, n in enumerate(names)]
    n = len(chart.series)
    heights = [
        [next((b.value or 0.0 for b in g.bars if b.series == s), 0.0) for g in chart.groups]
        for s in chart.series
    ]
    offsets = [(-1 / 2 + 1 / (2 * n)) + i / n for i in range(n)]
    xs, mids, spans = [], [], []
    for g, group in enumerate(chart.groups):
        for bar in group.bars:
            if bar.value is None or bar.low is None or bar.high is None:
                continue
            i = chart.series.index(bar.series)
            xs.append(g + 1 + offsets[i])
            mids.append((bar.low + bar.high) / 2)
            spans.append(bar.high - bar.low)
    with _LOCK:
        figure = plt.figure
        figure.clear()
        figure.theme("simple")
        figure.plot_size(max(20, width), max(6, height - 1))
        markers = [
            plt.marker(
                SERIES_MARKS[i % len(SERIES_MARKS)],
                plt.pixel(foreground=SERIES_COLOURS[i % len(SERIES_COLOURS)]),
            )
            for i in range(n)
        ]
        figure.draw(figure.bar(names, heights if n > 1 else heights[0], marker=markers))
        if xs:
            whiskers = plt.pixel(foreground=WHISKER_COLOUR)
            figure.draw(figure.error(xs, mids, spans, pixel=whiskers))
        figure.ruler("y").lim(0, 1)
        figure.title(_label(chart.title, max(10, width - 2)))
        drawn = figure.build().string()
    text = Text.from_ansi(drawn.rstrip("\n"))
    for line in labels:
        text.append("\n" + line)
    text.append("\n")
    for i, series in enumerate(chart.series):
        mark = SERIES_MARKS[i % len(SERIES_MARKS)]
        text.append(f"{mark} ", style=f"color({SERIES_COLOURS[i % len(SERIES_COLOURS)]})")
        text.append(_label(series, 24) + "   ")
    text.append("│ 95% CI", style=f"color({WHISKER_COLOUR})")
    return text


def bar_labels(chart: Chart, width: int) -> list[str]:
    """A line per group naming each bar's value: "alpha: ▒ dcot 0.75 [0.30, 0.95] 3/4 · ..."."""
    lines = []
    for group in chart.groups[:LABEL_LINES]:
        bits = []
        for bar in group.bars:
            i = chart.series.index(bar.series) if bar.series in chart.series else 0
            bit = f"{SERIES_MARKS[i % len(SERIES_MARKS)]} {bar.series} {bar.label}"
            if bar.value is not None and bar.low is not None and bar.high is not None:
                bit += f" [{bar.low:.2f}, {bar.high:.2f}]"
            if bar.note:
                bit += f" {bar.note}"
            bits.append(bit)
        lines.append(_label(f"{group.name}: " + " · ".join(bits), width))
    if len(chart.groups) > LABEL_LINES:
        lines.append(f"(and {len(chart.groups) - LABEL_LINES} more)")
    return lines


class ScoreChart(Static):
    """A chart of the score table (chart_data.Chart), redrawn to the widget's size."""

    DEFAULT_CSS = """
    ScoreChart { height: 16; width: 1fr; }
    """

    def __init__(self, chart: Chart | None = None, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._chart = chart

    def show_chart(self, chart: Chart) -> None:
        if chart != self._chart:
            self._chart = chart
            self.refresh()

    def render(self) -> Text:
        if self._chart is None or self.size.width < 20:
            return Text("")
        return chart_text(self._chart, self.size.width, self.size.height - 1)
