"""The report as Markdown: the same tables as the HTML page (summary, comparisons, settings,
graders, per problem, calibration), without transcripts or charts."""

from __future__ import annotations

import re

from ponder.report.build import Report
from ponder.report.tables import (
    Table,
    agreement_cells,
    cell_text,
    comparison_cells,
    grader_cells,
    settings_cells,
    short,
    summary_cells,
    with_provider,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Backslash escapes (CommonMark): shown as the characters themselves, never read as HTML, a
# link, code or a table column.
_ESCAPED = re.compile(r"([\\|<>&`]|\[(?=[^\]]*\][(\[:])|\](?=[(\[:]))")


def md(text: str) -> str:
    """Text for a Markdown line or table cell: no control characters, no markup."""
    return _ESCAPED.sub(r"\\\1", _CONTROL.sub(" ", text))


def _table(table: Table) -> list[str]:
    headers, rows, numeric = table
    align = ["---:" if i in numeric else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return lines


def problem_table(report: Report) -> Table:
    headers = ["key", "problem", "reference", *(a.label for a in report.arms)]
    rows = [
        [line.key, short(line.text, 100), short(line.reference, 40) or "-"]
        + [cell_text(c, 40) for c in line.cells]
        for line in report.lines
    ]
    return headers, rows, set()


def render_markdown(report: Report) -> str:
    from ponder.report.render import CALIBRATION_NOTE
    from ponder.score_text import CALIBRATION_HEADERS, MEAN_NOTE, METHOD_NOTE, calibration_cells

    lines = [
        f"# Ponder report: {md(report.dataset)}",
        "",
        f"{report.problems} problems in the dataset · generated {report.generated} · which run"
        f" counts: {md(report.rule)}.",
        "",
    ]
    if not report.rows:
        lines += ["No finished runs on this dataset yet: `ponder bench DATASET`.", ""]
        return "\n".join(lines)
    cal_rows = calibration_cells(report.rows, with_provider(report.arms))
    sections: list[tuple[str, Table | None, str]] = [
        ("Summary", summary_cells(report), f"{MEAN_NOTE[0].upper()}{MEAN_NOTE[1:]}."),
        (
            "With technique vs without (paired)",
            comparison_cells(report),
            f"Paired on the problems scored under both. {METHOD_NOTE}.",
        ),
        ("Settings each arm ran with", settings_cells(report), ""),
        ("Who graded", grader_cells(report), ""),
        ("Judge against human grades", agreement_cells(report), "Runs graded by both."),
        ("Per problem", problem_table(report), "Transcripts: the HTML report (--format html)."),
        (
            "Reward calibration",
            (list(CALIBRATION_HEADERS)[1:], [r[1:] for r in cal_rows], set(range(2, 9))),
            f"Accuracy per final-reward band: {CALIBRATION_NOTE}.",
        ),
    ]
    for title, table, note in sections:
        lines += [f"## {md(title)}", ""]
        if table is None or not table[1]:
            lines += ["Nothing to show yet.", ""]
            continue
        lines += _table(table)
        lines += ["", md(note), ""] if note else [""]
    return "\n".join(lines)
