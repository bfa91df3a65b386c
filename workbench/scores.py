"""Score tables from the stored runs: the store reads the rows, graders.scoring counts and
computes. Every front door (command line, report, TUI, CSV export) asks here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from graders.scoring.counted import CandidateRun, CellKey, Rule, counted_runs
from graders.scoring.tables import ComparisonRow, ScoreRow
from graders.scoring.tables import comparison as compare_rows
from graders.scoring.tables import score_table as table_of
from store.export import usd_cell, write_csv
from store.score_rows import candidate_rows, dataset_sizes

SCORE_COLUMNS = (
    "dataset",
    "model",
    "paradigm",
    "problems",
    "n",
    "graded",
    "total",
    "score_sum",
    "mean",
    "full",
    "partial",
    "zero",
    "needs_human",
    "ungraded",
    "points",
    "max_points",
    "tokens",
    "cost_usd",
    "provider",
    "failed",
    "pending",
    "ci95_low",
    "ci95_high",
    "reward_auroc",
    "planned",
    "done",
    "scored",
    "no_protocol",
    "protocol_followed",
    "mean_output_tokens",
)


def score_table(
    db: sqlite_utils.Database, dataset: str | None = None, rule: Rule | None = None
) -> list[ScoreRow]:
    """Scores per dataset x model x paradigm (x provider) under a rule for which run counts."""
    rule = rule or Rule()
    candidates = map(CandidateRun._make, candidate_rows(db, dataset, rule.bench))
    return table_of(candidates, dataset_sizes(db, dataset), rule)


def counted(
    db: sqlite_utils.Database, dataset: str | None = None, rule: Rule | None = None
) -> dict[CellKey, list[CandidateRun]]:
    """Per score cell, the run that counts for each problem: the runs score_table scores."""
    rule = rule or Rule()
    return counted_runs(map(CandidateRun._make, candidate_rows(db, dataset, rule.bench)), rule)


def comparison(
    db: sqlite_utils.Database,
    dataset: str | None = None,
    rows: list[ScoreRow] | None = None,
    rule: Rule | None = None,
) -> list[ComparisonRow]:
    """Per dataset and model: direct beside dcot and g1, paired on the problems scored by both."""
    return compare_rows(score_table(db, dataset, rule) if rows is None else rows)


def score_cells(row: ScoreRow) -> list[Any]:
    """One score row as the cells of SCORE_COLUMNS."""
    low, high = row.ci95 if row.ci95 is not None else (None, None)
    d = row.as_dict() | {"cost_usd": usd_cell(row.cost_usd), "ci95_low": low, "ci95_high": high}
    return [d[c] for c in SCORE_COLUMNS]


def export_scores_csv(
    db: sqlite_utils.Database,
    path: str | Path,
    dataset: str | None = None,
    rule: Rule | None = None,
    *,
    bom: bool = True,
) -> int:
    """Write the score table; return the row count."""
    rows = score_table(db, dataset, rule)
    return write_csv(path, SCORE_COLUMNS, (score_cells(row) for row in rows), bom=bom)
