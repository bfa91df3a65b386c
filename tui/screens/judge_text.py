"""What the Grade screen says about the LLM judge: its latest mark of a run, and how far its
marks agree with the human grades (the figures of `ponder scores DATASET --agreement`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.widgets.run_cells import grade_label

if TYPE_CHECKING:
    import sqlite_utils

    from store.grades import StoredGrade


def judge_detail(history: list[StoredGrade]) -> str:
    """The latest judge grade of a run with its feedback, or how to ask for one."""
    judged = [g for g in history if g.grader == "llm"]
    if not judged:
        return "Not judged yet (J asks the judge)."
    g = judged[-1]
    label = grade_label(g.verdict, g.score, g.points, g.max_points)
    head = f"{label}  by {g.grader_name or 'the judge'}"
    if len(judged) > 1:
        head += f"  ({len(judged)} judge grades)"
    return f"{head}\n{(g.note or '').strip()}".rstrip()


def agreement_detail(db: sqlite_utils.Database, dataset: str | None) -> str:
    """One line per judge model: runs graded by both, mean |difference|, exact, weighted kappa."""
    from workbench.judge import agreement_table

    table = agreement_table(db, dataset)
    if not table:
        return "No run has both a judge grade and a human grade yet."
    lines = []
    for a in table:
        kappa = "-" if a.kappa is None else f"{a.kappa:.2f}"
        exact = "-" if a.exact_match_rate is None else f"{a.exact_match_rate:.0%}"
        diff = "-" if a.mean_abs_diff is None else f"{a.mean_abs_diff:.2g}"
        runs = "1 run" if a.count == 1 else f"{a.count} runs"
        lines.append(f"{a.judge}: {runs} · |diff| {diff} pts · exact {exact} · κ {kappa}")
    return "\n".join(lines)
