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


# What a bar without a value stands for, drawn as such (never as a zero result).
NO_RUNS, ALL_FAILED, PENDING = "no runs", "all failed", "pending"


@dataclass(frozen=True)
class Bar:
    series: str  # the legend entry: a paradigm, or a reward band
    value: float | None  # None: nothing to show (see `empty`)
    low: float | None = None
    high: float | None = None
    note: str = ""  # e.g. "2/3"
    empty: str = ""  # why there is no value: NO_RUNS, ALL_FAILED (a dead endpoint), PENDING

    @property
    def label(self) -> str:
        """The bar's value in words, for a reader without colour: "0.75", "all failed"."""
        if self.value is None:
            return self.empty or NO_RUNS
        return f"{self.value:.2f}"


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
    """Per model: the mean score of each paradigm (direct, dcot, g1, then any other), each with
    its 95 % interval."""
    datasets = {r.dataset for r in rows}
    providers: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        providers.setdefault((r.dataset, r.model), set()).add(r.provider)
    two = any(len(p) > 1 for p in providers.values())
    present = {r.paradigm for r in rows}
    # direct, dcot, g1 first; then any other paradigm or label (dcot+guided, recorded results)
    series = tuple(p for p in PARADIGM_ORDER if p in present) + tuple(
        sorted(present - set(PARADIGM_ORDER))
    )
    by_group: dict[str, dict[str, ScoreRow]] = {}
    for r in rows:
        by_group.setdefault(_model_name(r, len(datasets) > 1, two), {})[r.paradigm] = r
    groups = []
    for name, cells in by_group.items():
        bars = []
        for paradigm in series:
            cell = cells.get(paradigm)
            if cell is None or cell.n == 0:
                bars.append(Bar(paradigm, None, empty=NO_RUNS))
                continue
            if cell.failed == cell.n:  # the endpoint never answered: not a result of zero
                bars.append(Bar(paradigm, None, note=f"{cell.n} failed", empty=ALL_FAILED))
                continue
            if cell.mean is None:
                bars.append(Bar(paradigm, None, note=f"{cell.pending} pending", empty=PENDING))
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
                bars.append(Bar(label, None, empty=NO_RUNS))
                continue
            ci = wilson_interval([1.0] * band.correct + [0.0] * (band.runs - band.correct))
            assert ci is not None
            bars.append(Bar(label, band.accuracy, ci[0], ci[1], f"{band.correct}/{band.runs}"))
        name = f"{r.model} · {r.paradigm}"
        groups.append(BarGroup(f"{r.dataset} · {name}" if two_datasets else name, tuple(bars)))
    return Chart("Accuracy by final reward band (95% CI)", "share correct", labels, tuple(groups))
