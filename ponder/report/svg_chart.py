"""A grouped bar chart with interval whiskers as standalone SVG (for the HTML report)."""

from __future__ import annotations

from html import escape

from ponder.report.chart_data import Chart
from ponder.text import safe_text

# Colour-blind-safe (Okabe–Ito), one per series in order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
WIDTH = 720
PLOT_TOP, PLOT_HEIGHT = 48, 220
LEFT, RIGHT = 56, 16
BOTTOM = 56


def _t(text: str) -> str:
    """Text for SVG: escaped, and without the control characters XML does not allow."""
    return escape(" ".join(safe_text(text).split()), quote=True)


def render_svg(chart: Chart) -> str:
    """The chart as an <svg> element: bars from 0 to 1, whiskers at the interval's ends, and
    every bar labelled (its value, its series, its count), so that it reads without colour; a
    bar without a value says why ("no runs", "all failed", "pending") instead of a zero."""
    groups = chart.groups or ()
    n_series = max(1, len(chart.series))
    width = max(WIDTH, LEFT + RIGHT + len(groups) * (n_series * 40 + 24))
    height = PLOT_TOP + PLOT_HEIGHT + BOTTOM
    plot_width = width - LEFT - RIGHT
    bottom = PLOT_TOP + PLOT_HEIGHT

    def y(v: float) -> float:
        return bottom - max(0.0, min(1.0, v)) * PLOT_HEIGHT

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="{_t(chart.title)}"'
        ' font-family="system-ui, sans-serif" font-size="12">',
        f"<title>{_t(chart.title)}</title>",
        f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{_t(chart.title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"'
            f' stroke="#ddd"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick:g}</text>"
        )
    parts.append(
        f'<text transform="translate(14 {PLOT_TOP + PLOT_HEIGHT / 2}) rotate(-90)"'
        f' text-anchor="middle">{_t(chart.y_label)}</text>'
    )
    # legend, top right (the bars carry their series' names too)
    x = width - RIGHT
    for i in reversed(range(len(chart.series))):
        label = chart.series[i]
        x -= 18 + 7 * len(label)
        parts.append(
            f'<rect x="{x}" y="28" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="37">{_t(label)}</text>'
        )
    if not groups:
        parts.append(
            f'<text x="{LEFT + plot_width / 2}" y="{PLOT_TOP + PLOT_HEIGHT / 2}"'
            ' text-anchor="middle" fill="#666">nothing to show yet</text>'
        )
    slot = plot_width / max(1, len(groups))
    bar_width = min(48.0, slot * 0.8 / n_series)
    small = 10 if bar_width >= 30 else 9
    for g, group in enumerate(groups):
        start = LEFT + g * slot + (slot - bar_width * n_series) / 2
        centre = LEFT + g * slot + slot / 2
        parts.append(
            f'<text class="group" x="{centre:.1f}" y="{bottom + 46}" text-anchor="middle"'
            f' font-weight="600">{_t(group.name)}</text>'
        )
        for b, bar in enumerate(group.bars):
            index = chart.series.index(bar.series) if bar.series in chart.series else b
            colour = PALETTE[index % len(PALETTE)]
            bx = start + index * bar_width
            mid = bx + bar_width / 2
            parts.append(
                f'<text class="series" x="{mid:.1f}" y="{bottom + 13}" text-anchor="middle"'
                f' font-size="{small}">{_t(_short_series(bar.series, bar_width))}</text>'
            )
            if bar.note:
                parts.append(
                    f'<text class="note" x="{mid:.1f}" y="{bottom + 26}" text-anchor="middle"'
                    f' font-size="{small}" fill="#555">{_t(bar.note)}</text>'
                )
            if bar.value is None:
                parts.append(
                    f'<rect class="empty" x="{bx + 2:.1f}" y="{bottom - 90}"'
                    f' width="{bar_width - 4:.1f}" height="90" fill="none" stroke="#888"'
                    ' stroke-dasharray="4 3"/>'
                    f'<text class="value" transform="translate({mid + 4:.1f} {bottom - 6})'
                    f' rotate(-90)" font-size="{small + 1}" fill="#444">{_t(bar.label)}</text>'
                )
                continue
            top = y(bar.value)
            tip = f"{group.name} · {bar.series}: {bar.value:.2f}"
            if bar.low is not None and bar.high is not None:
                tip += f" [{bar.low:.2f}, {bar.high:.2f}]"
            if bar.note:
                tip += f" ({bar.note})"
            parts.append(
                f'<rect class="bar" data-series="{_t(bar.series)}" data-value="{bar.value:.4f}"'
                f' x="{bx + 1:.1f}" y="{top:.1f}" width="{bar_width - 2:.1f}"'
                f' height="{bottom - top:.1f}" fill="{colour}"><title>{_t(tip)}</title></rect>'
            )
            if bar.value <= 0:  # a zero is a result: a visible stub, not nothing
                parts.append(
                    f'<rect class="zero" x="{bx + 1:.1f}" y="{bottom - 2}"'
                    f' width="{bar_width - 2:.1f}" height="2" fill="{colour}" stroke="#222"'
                    ' stroke-width="0.5"/>'
                )
            label_y = top
            if bar.low is not None and bar.high is not None:
                lo, hi = y(bar.low), y(bar.high)
                label_y = min(top, hi)
                cap = min(6.0, bar_width / 4)
                parts.append(
                    f'<path class="whisker" d="M{mid:.1f} {lo:.1f}V{hi:.1f}'
                    f"M{mid - cap:.1f} {lo:.1f}H{mid + cap:.1f}"
                    f'M{mid - cap:.1f} {hi:.1f}H{mid + cap:.1f}" stroke="#222"'
                    ' stroke-width="1.5" fill="none"/>'
                )
            parts.append(
                f'<text class="value" x="{mid:.1f}" y="{max(PLOT_TOP - 2, label_y - 4):.1f}"'
                f' text-anchor="middle" font-size="{small + 1}" font-weight="600">'
                f"{_t(bar.label)}</text>"
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{bottom}" y2="{bottom}" stroke="#333"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _short_series(name: str, width: float) -> str:
    """A series name that fits under its bar (about 6 px a character): "reward ≥ 0.8" → "≥ 0.8"."""
    if len(name) * 6 <= width + 8:
        return name
    return name.removeprefix("reward ")
