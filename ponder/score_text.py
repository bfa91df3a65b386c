"""The score table, paired comparisons and calibration as rows of text: one wording for the
command line, the report and the TUI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ponder.words import usd
from reasoning.events import TECHNIQUES

if TYPE_CHECKING:
    from graders.scoring.counted import Rule
    from graders.scoring.stats import Paired
    from graders.scoring.tables import ComparisonRow, ScoreRow
    from store.judge import JudgeSpend


MEAN_NOTE = (
    "total and mean have one denominator, the scored runs: graded plus failed (a failed run"
    " scores 0); pending runs (not graded yet, or needs_human) are left out of both and counted"
    " apart; planned: the problems the model was run on in any arm"
)
# Below this share of runs that followed the paradigm's protocol, a column measures the prompt
# on a model that did not follow it, not the technique.
PROTOCOL_MIN_SHARE = 0.5
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
    return usd(x)


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
    headers = ["dataset", "model", "paradigm", "planned", "n", "done", "graded"]
    headers += ["total/scored", "mean", "95% CI"]
    if provider:
        headers.insert(2, "provider")
    headers += ["coverage", "full/part/zero", "failed", "pending", "protocol", "out tok/run"]
    headers += ["marks"] * marks + ["reward AUROC"] * auroc + ["from"] * (common is None)
    headers += ["tokens", "cost"]
    table = []
    for r in rows:
        cells = [r.dataset, r.model, r.paradigm, str(r.planned), str(r.n), str(r.done)]
        cells += [str(r.graded), r.total, mean_text(r.mean), ci_text(r.ci95)]
        if provider:
            cells.insert(2, r.provider)
        cells += [r.coverage, f"{r.full}/{r.partial}/{r.zero}", str(r.failed), str(r.pending)]
        cells += [protocol_text(r), tokens_text(r.mean_output_tokens)]
        if marks:
            cells.append(f"{_num(r.points)}/{_num(r.max_points)}" if r.max_points else "-")
        if auroc:
            cells.append(mean_text(r.reward_auroc))
        if common is None:
            cells.append(r.source)
        cells += [f"{r.tokens:,}", _cost(r.cost_usd)]
        table.append(cells)
    return headers, table, common


def protocol_text(r: ScoreRow) -> str:
    """ "7 of 10": the done runs whose model followed the paradigm's protocol."""
    return f"{r.protocol_followed} of {r.done}" if r.done else "-"


def tokens_text(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


# ---- paired comparisons ---------------------------------------------------------------------


def comparison_notes(c: ComparisonRow, technique: str, against: str = "direct") -> list[str]:
    """What a reader must know beside a verdict: the problems it pairs on, whether grades are
    still pending (then it is provisional), and whether the technique's runs followed its
    protocol at all (under one half, the column measures the prompt, not the technique)."""
    p = c.paired_guided_vs_dcot if against == "dcot" else c.paired(technique)
    notes = [f"paired on {0 if p is None else p.n} of {c.pairable(technique, against)}"]
    pending = c.pending(technique, against)
    if pending:
        grades = "grade" if pending == 1 else "grades"
        notes.append(f"provisional: {pending} pending {grades} would settle it")
    row = c.row(technique)
    if row is not None and row.done and row.protocol_followed / row.done < PROTOCOL_MIN_SHARE:
        notes.append(
            f"protocol followed in {row.protocol_followed} of {row.done} {technique} runs: this"
            " column measures the prompt on a model that did not follow it, not the technique"
        )
    return notes


def verdict_text(c: ComparisonRow, technique: str, against: str = "direct") -> str:
    """The verdict of one paired comparison with its notes, as one line."""
    p = c.paired_guided_vs_dcot if against == "dcot" else c.paired(technique)
    if p is None:
        return "-"
    return "; ".join([p.verdict(technique), *comparison_notes(c, technique, against)])


COMPARISON_HEADERS = (
    "dataset",
    "model",
    "technique",
    "without",
    "with",
    "paired on",
    "mean diff",
    "95% CI",
    "p",
    "verdict",
)


def comparison_cells(pairs: Sequence[ComparisonRow], with_provider: bool) -> list[list[str]]:
    """A row per model and technique that was run beside direct."""
    rows = []
    for c in pairs:
        model = f"{c.model} ({c.provider})" if with_provider else c.model
        for technique, against in [(t, "direct") for t in TECHNIQUES] + [("dcot+guided", "dcot")]:
            p: Paired | None = c.paired_guided_vs_dcot if against == "dcot" else c.paired(technique)
            with_row, base = c.row(technique), c.row(against)
            if p is None or with_row is None or base is None:
                continue
            name = technique if against == "direct" else f"{technique} vs {against}"
            rows.append(
                [
                    c.dataset,
                    model,
                    name,
                    base.total,
                    with_row.total,
                    f"{p.n} of {c.pairable(technique, against)}",
                    diff_text(p.mean_diff),
                    ci_text(p.ci95),
                    p_text(p.p_value),
                    verdict_text(c, technique, against),
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
        money = usd(spend.cost_usd)
        if spend.cost_unknown:
            money += f" (+{spend.cost_unknown} calls of unknown price)"
    return f"{spend.tokens:,} tokens, {money}"
