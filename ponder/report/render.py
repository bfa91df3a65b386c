"""`ponder report`: the score table, paired comparisons, calibration and charts of a dataset,
as Markdown (tables) or one self-contained HTML page (tables and SVG charts)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from ponder.score_text import (
    CALIBRATION_HEADERS,
    COMPARISON_HEADERS,
    MEAN_NOTE,
    METHOD_NOTE,
    calibration_cells,
    comparison_cells,
    score_table_cells,
)

if TYPE_CHECKING:
    import sqlite_utils

    from graders.scoring.counted import Rule
    from graders.scoring.tables import ComparisonRow, ScoreRow

CALIBRATION_NOTE = (
    "a run is correct when it got full credit; AUROC is the chance that a correct run's final"
    " reward is above an incorrect one's (0.5: the reward tells nothing)"
)


@dataclass(frozen=True)
class Report:
    dataset: str
    problems: int
    rule: str
    generated: str
    rows: list[ScoreRow]
    pairs: list[ComparisonRow]


def build_report(db: sqlite_utils.Database, dataset: str, rule: Rule) -> Report:
    from workbench.scores import comparison, score_table

    rows = score_table(db, dataset, rule)
    from store.queries import problem_count

    return Report(
        dataset=dataset,
        problems=problem_count(db, dataset),
        rule=rule.describe(),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        rows=rows,
        pairs=comparison(db, dataset, rows),
    )


def _tables(report: Report) -> list[tuple[str, list[str], list[list[str]], str]]:
    """(title, headers, rows, note) of each section, in order."""
    from graders.scoring.tables import needs_provider_column

    provider = needs_provider_column(report.rows)
    headers, cells, common = score_table_cells(report.rows)
    source = f" Every cell's runs are from {common}." if common else ""
    return [
        (
            "Scores",
            headers,
            cells,
            f"Which run counts: {report.rule}.{source} {MEAN_NOTE[0].upper()}{MEAN_NOTE[1:]}.",
        ),
        (
            "With technique vs without (paired)",
            list(COMPARISON_HEADERS),
            comparison_cells(report.pairs, provider),
            f"Paired on the problems scored under both. {METHOD_NOTE}.",
        ),
        (
            "Reward calibration",
            list(CALIBRATION_HEADERS),
            calibration_cells(report.rows, provider),
            f"Accuracy per final-reward band: {CALIBRATION_NOTE}.",
        ),
    ]


# ---- Markdown -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _md(text: str) -> str:
    """A table cell: no control characters, no pipes or raw HTML read as Markdown."""
    text = _CONTROL.sub(" ", text)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(report: Report) -> str:
    lines = [
        f"# Ponder report: {_md(report.dataset)}",
        "",
        f"{report.problems} problems in the dataset · generated {report.generated}.",
        "",
    ]
    if not report.rows:
        lines += ["No finished runs on this dataset yet: `ponder bench DATASET`.", ""]
        return "\n".join(lines)
    for title, headers, rows, note in _tables(report):
        lines += [f"## {title}", ""]
        if not rows:
            lines += ["Nothing to show yet.", ""]
            continue
        right = ["---:" if _numeric(rows, i) else "---" for i in range(len(headers))]
        lines.append("| " + " | ".join(_md(h) for h in headers) + " |")
        lines.append("| " + " | ".join(right) + " |")
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        lines += ["", _md(note), ""]
    return "\n".join(lines)


def _numeric(rows: list[list[str]], column: int) -> bool:
    return all(re.fullmatch(r"[-+$<\d.,/ %()\[\]?]*", row[column]) for row in rows)


# ---- HTML -----------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; white-space: nowrap; }
div.table { overflow-x: auto; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #555; font-size: .85rem; max-width: 60rem; }
figure { margin: 1rem 0; }
"""


def _h(text: str) -> str:
    return escape(_CONTROL.sub(" ", text), quote=True)


def render_html(report: Report) -> str:
    from ponder.report.chart_data import calibration_chart, with_without_chart
    from ponder.report.svg_chart import render_svg

    title = f"Ponder report: {report.dataset}"
    body = [
        f"<h1>{_h(title)}</h1>",
        f'<p class="meta">{report.problems} problems in the dataset · generated'
        f" {_h(report.generated)}.</p>",
    ]
    if not report.rows:
        body.append(
            "<p>No finished runs on this dataset yet: <code>ponder bench DATASET</code>.</p>"
        )
    else:
        for title_, headers, rows, note in _tables(report):
            body.append(f"<h2>{_h(title_)}</h2>")
            if not rows:
                body.append("<p>Nothing to show yet.</p>")
            else:
                body.append(_html_table(headers, rows))
                body.append(f'<p class="note">{_h(note)}</p>')
            if title_.startswith("With technique"):
                body.append(f"<figure>{render_svg(with_without_chart(report.rows))}</figure>")
            if title_.startswith("Reward") and rows:
                body.append(f"<figure>{render_svg(calibration_chart(report.rows))}</figure>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_h(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _html_table(headers: list[str], rows: list[list[str]]) -> str:
    numeric = [_numeric(rows, i) for i in range(len(headers))]
    head = "".join(f"<th>{_h(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_h(c)}</td>' if numeric[i] else f"<td>{_h(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>\n"
        for row in rows
    )
    return (
        f'<div class="table"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n'
        "</table></div>"
    )
