"""The report's tables as rows of text, one wording for its HTML and its Markdown."""

from __future__ import annotations

from ponder.report.build import Arm, Cell, Report
from ponder.score_text import ci_text, diff_text, mean_text, p_text, verdict_text
from ponder.words import usd
from reasoning.events import TECHNIQUES

PROBLEM_SHOWN = 160  # characters of a problem's text in the table (all of it in the transcript)

VERDICT_MARK = {
    "full": "✓ full",
    "partial": "◐ partial",
    "zero": "✗ zero",
    "needs_human": "? needs human",
    "ungraded": "… not graded",
    "failed": "⚠ failed",
}

Table = tuple[list[str], list[list[str]], set[int]]  # headers, rows, numeric columns


def short(text: str | None, width: int) -> str:
    """One line of at most `width` characters."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def with_provider(arms: tuple[Arm, ...]) -> bool:
    return any(arm.label.endswith(")") for arm in arms)


def cell_text(cell: Cell | None, width: int) -> str:
    """An arm's run on a problem in a few words: its answer, grade and grader."""
    if cell is None:
        return "—"
    by = f" ({cell.grader})" if cell.grader else ""
    answer = short(cell.answer, width) or "(no answer)"
    return f"{answer} · {VERDICT_MARK.get(cell.verdict, cell.verdict)}{by}"


def summary_cells(report: Report) -> Table:
    """The summary table: a row per arm, narrow enough for a 1280 px window."""
    provider = with_provider(report.arms)
    headers = ["model", "paradigm"] + ["provider"] * provider
    headers += ["total", "mean", "95% CI", "planned", "graded", "pending", "failed"]
    headers += ["protocol followed", "mean output tokens", "cost"]
    rows = []
    for arm in report.arms:
        r = arm.row
        tokens = r.mean_output_tokens
        cells = [r.model, r.paradigm] + [r.provider] * provider
        cells += [r.total, mean_text(r.mean), ci_text(r.ci95), str(r.planned)]
        cells += [str(r.graded), str(r.pending), str(r.failed)]
        cells += [
            "recorded" if arm.recorded_from else f"{r.protocol_followed} of {r.done}",
            "-" if tokens is None or arm.recorded_from else f"{tokens:,.0f}",
            "-" if arm.recorded_from else usd(r.cost_usd),
        ]
        rows.append(cells)
    first_number = 2 + provider
    return headers, rows, set(range(first_number, len(headers)))


def comparison_cells(report: Report) -> Table:
    headers = ["model", "technique", "direct", "with", "paired on", "mean diff", "95% CI", "p"]
    headers.append("verdict")
    rows = []
    for c in report.pairs:
        for technique in TECHNIQUES:
            p = c.paired(technique)
            with_row = c.row(technique)
            if p is None or with_row is None or c.direct is None:
                continue
            rows.append(
                [
                    c.model,
                    technique,
                    c.direct.total,
                    with_row.total,
                    f"{p.n} of {c.pairable(technique)}",
                    diff_text(p.mean_diff),
                    ci_text(p.ci95),
                    p_text(p.p_value),
                    verdict_text(c, technique),
                ]
            )
    return headers, rows, {2, 3, 4, 5, 6, 7}


def settings_cells(report: Report) -> Table:
    rows = []
    for arm in report.arms:
        text = " · ".join(f"{name} {value}" for name, value in arm.settings)
        source = "recorded results" if arm.recorded_from else arm.row.source
        rows.append([arm.label, text, source, str(arm.row.n)])
    return ["arm", "settings", "runs from", "runs"], rows, {3}


def grader_cells(report: Report) -> Table:
    rows = []
    for arm in report.arms:
        graded = " · ".join(f"{who} {n}" for who, n in arm.graders) or "nobody yet"
        rows.append([arm.label, graded, str(arm.row.pending)])
    return ["arm", "graded by (runs)", "pending"], rows, {2}


def agreement_cells(report: Report) -> Table:
    headers = ["judge", "runs graded by both", "mean |diff|", "judge − human", "exact"]
    headers.append("weighted κ")
    rows = [
        [
            a.judge,
            str(a.count),
            "-" if a.mean_abs_diff is None else f"{a.mean_abs_diff:.2f} pts",
            "-" if a.mean_diff is None else f"{a.mean_diff:+.2f} pts",
            "-" if a.exact_match_rate is None else f"{a.exact_match_rate:.0%}",
            mean_text(a.kappa),
        ]
        for a in report.agreement
    ]
    return headers, rows, {1, 2, 3, 4, 5}
