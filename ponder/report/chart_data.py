"""What the score charts show, as data: groups of bars with interval whiskers. Drawn in the
terminal by tui.widgets.score_chart (plotext) and in the report by ponder.report.svg_chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graders.scoring.stats import wilson_interval
from graders.scoring.tables import PARADIGM_ORDER

if TYPE_CHECKING:
    from graders.scoring.tables import ScoreRow


@dataclass(frozen=True)
class Bar:
    series: str  # the legend entry: a paradigm, or a reward band
    value: float | None  # None: nothing to show (no scored run)
    low: float | None = None
    high: float | None = None
    note: str = ""  # e.g. "2/3"


@dataclass(frozen=True)
class BarGroup:
    name: str  # a model, or a model · paradigm
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    title: str
    y_label: str
    series: tuple[str, ...]
    groups: tuple[BarGroup, ...]


def _model_name(r: ScoreRow, with_dataset: bool, with_provider: bool) -> str:
    name = r.model
    if with_provider:
        name += f" ({r.provider})"
    return f"{r.dataset} · {name}" if with_dataset else name


def with_without_chart(rows: Sequence[ScoreRow]) -> Chart:
    """Per model: the mean score of direct, dcot and g1, each with its 95 % interval."""
    datasets = {r.dataset for r in rows}
    providers: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        providers.setdefault((r.dataset, r.model), set()).add(r.provider)
    two = any(len(p) > 1 for p in providers.values())
    series = tuple(p for p in PARADIGM_ORDER if any(r.paradigm == p for r in rows))
    by_group: dict[str, dict[str, ScoreRow]] = {}
    for r in rows:
        by_group.setdefault(_model_name(r, len(datasets) > 1, two), {})[r.paradigm] = r
    groups = []
    for name, cells in by_group.items():
        bars = []
        for paradigm in series:
            cell = cells.get(paradigm)
            if cell is None:
                bars.append(Bar(paradigm, None))
                continue
            low, high = cell.ci95 if cell.ci95 is not None else (None, None)
            bars.append(Bar(paradigm, cell.mean, low, high, cell.total))
        groups.append(BarGroup(name, tuple(bars)))
    return Chart(
        "Mean score with 95% CI: without (direct) vs with technique",
        "mean score",
        series,
        tuple(groups),
    )


def calibration_chart(rows: Sequence[ScoreRow]) -> Chart:
    """Per cell with rewards: the share of correct runs in each final-reward band (95 % CI)."""
    groups = []
    labels: tuple[str, ...] = ()
    two_datasets = len({r.dataset for r in rows}) > 1
    for r in rows:
        cal = r.calibration
        if cal is None:
            continue
        labels = tuple(f"reward {b.label}" for b in cal.bands)
        bars = []
        for band, label in zip(cal.bands, labels, strict=True):
            if band.runs == 0:
                bars.append(Bar(label, None))
                continue
            ci = wilson_interval([1.0] * band.correct + [0.0] * (band.runs - band.correct))
            assert ci is not None
            bars.append(Bar(label, band.accuracy, ci[0], ci[1], f"{band.correct}/{band.runs}"))
        name = f"{r.model} · {r.paradigm}"
        groups.append(BarGroup(f"{r.dataset} · {name}" if two_datasets else name, tuple(bars)))
    return Chart("Accuracy by final reward band (95% CI)", "share correct", labels, tuple(groups))
