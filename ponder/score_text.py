"""The score table, paired comparisons and calibration as rows of text: one wording for the
command line, the report and the TUI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reasoning.events import WITH_TECHNIQUE

if TYPE_CHECKING:
    from graders.scoring.counted import Rule
    from graders.scoring.stats import Paired
    from graders.scoring.tables import ComparisonRow, ScoreRow
    from store.judge import JudgeSpend


MEAN_NOTE = (
    "the mean is over the graded and failed runs (a failed run scores 0); pending runs"
    " (not graded yet, or needs_human) are left out of it and counted apart"
)
METHOD_NOTE = (
    "95% CI of a mean: Wilson score interval. Paired difference: percentile bootstrap over"
    " problems (computed exactly for exam grades, else 4,000 resamples with a fixed seed);"
    " p: exact sign-flip permutation test (the exact McNemar test when scores are 0/1)"
)


def rule_line(rule: Rule) -> str:
    return f"counted: {rule.describe()} (--bench ID, --latest)"


def mean_text(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def ci_text(ci: tuple[float, float] | None) -> str:
    return "-" if ci is None else f"[{ci[0]:.2f}, {ci[1]:.2f}]"


def diff_text(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:+.2f}" if round(x, 2) != 0 else "0.00"


def p_text(p: float | None) -> str:
    if p is None:
        return "-"
    return "< 0.001" if p < 0.001 else f"{p:.3g}"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{round(x, 2):g}"


def _cost(x: float | None) -> str:
    return "?" if x is None else f"${x:.4f}" if x < 1 else f"${x:.2f}"


# ---- the score table ------------------------------------------------------------------------


def score_table_cells(rows: Sequence[ScoreRow]) -> tuple[list[str], list[list[str]], str | None]:
    """Headers and cells of the score table, with only the columns these rows need, and the
    one source of every counted run when they share it (else a "from" column says it per row)."""
    from graders.scoring.tables import needs_provider_column

    provider = needs_provider_column(list(rows))
    marks = any(r.max_points for r in rows)  # exam marks, JEE-style, where grades carry them
    auroc = any(r.reward_auroc is not None for r in rows)
    sources = {r.source for r in rows}
    common = next(iter(sources)) if len(sources) == 1 else None
    headers = ["dataset", "model", "paradigm", "n", "graded", "total", "mean", "95% CI"]
    if provider:
        headers.insert(2, "provider")
    headers += ["coverage", "full/part/zero", "failed", "pending"]
    headers += ["marks"] * marks + ["reward AUROC"] * auroc + ["from"] * (common is None)
    headers += ["tokens", "cost"]
    table = []
    for r in rows:
        cells = [r.dataset, r.model, r.paradigm, str(r.n), str(r.graded), r.total]
        cells += [mean_text(r.mean), ci_text(r.ci95)]
        if provider:
            cells.insert(2, r.provider)
        cells += [r.coverage, f"{r.full}/{r.partial}/{r.zero}", str(r.failed), str(r.pending)]
        if marks:
            cells.append(f"{_num(r.points)}/{_num(r.max_points)}" if r.max_points else "-")
        if auroc:
            cells.append(mean_text(r.reward_auroc))
        if common is None:
            cells.append(r.source)
        cells += [f"{r.tokens:,}", _cost(r.cost_usd)]
        table.append(cells)
    return headers, table, common


# ---- paired comparisons ---------------------------------------------------------------------

COMPARISON_HEADERS = (
    "dataset",
    "model",
    "technique",
    "direct",
    "with",
    "paired",
    "mean diff",
    "95% CI",
    "p",
    "verdict",
)


def comparison_cells(pairs: Sequence[ComparisonRow], with_provider: bool) -> list[list[str]]:
    """A row per model and technique that was run beside direct."""
    rows = []
    for c in pairs:
        for technique in WITH_TECHNIQUE:
            p: Paired | None = c.paired(technique)
            with_row = c.row(technique)
            if p is None or with_row is None or c.direct is None:
                continue
            model = f"{c.model} ({c.provider})" if with_provider else c.model
            rows.append(
                [
                    c.dataset,
                    model,
                    technique,
                    c.direct.total,
                    with_row.total,
                    str(p.n),
                    diff_text(p.mean_diff),
                    ci_text(p.ci95),
                    p_text(p.p_value),
                    p.verdict(technique),
                ]
            )
    return rows


# ---- calibration ----------------------------------------------------------------------------

CALIBRATION_HEADERS = (
    "dataset",
    "model",
    "paradigm",
    "runs",
    "AUROC",
    "reward if correct",
    "reward if not",
    "≥ 0.8",
    "0.5–0.8",
    "< 0.5",
)


def band_text(runs: int, correct: int) -> str:
    """Accuracy in one reward band, as "3/4 (75%)"."""
    return "-" if runs == 0 else f"{correct}/{runs} ({correct / runs:.0%})"


def calibration_cells(rows: Sequence[ScoreRow], with_provider: bool) -> list[list[str]]:
    out = []
    for r in rows:
        cal = r.calibration
        if cal is None:
            continue
        model = f"{r.model} ({r.provider})" if with_provider else r.model
        out.append(
            [
                r.dataset,
                model,
                r.paradigm,
                str(cal.runs),
                mean_text(cal.auroc),
                mean_text(cal.mean_reward_correct),
                mean_text(cal.mean_reward_incorrect),
                *(band_text(b.runs, b.correct) for b in cal.bands),
            ]
        )
    return out


def spend_text(spend: JudgeSpend) -> str:
    """Tokens and cost of judge calls, the way the bench shows a run's spend."""
    if spend.cost_unknown and spend.cost_unknown == spend.calls:
        money = "cost unknown (no price for the judge model)"
    else:
        money = f"${spend.cost_usd:.4f}" if spend.cost_usd < 1 else f"${spend.cost_usd:.2f}"
        if spend.cost_unknown:
            money += f" (+{spend.cost_unknown} calls of unknown price)"
    return f"{spend.tokens:,} tokens, {money}"
