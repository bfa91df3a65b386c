"""Attempt groups: the stored runs of K attempts at one problem, and which one counts."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class AttemptOutcome:
    """One stored attempt of a group, as selection needs it."""

    run_id: int
    status: str
    answer: str | None
    final_reward: float | None


def attempt_outcomes(db: sqlite_utils.Database, group: str) -> list[AttemptOutcome]:
    """The group's runs, earliest first."""
    rows = db.conn.execute(
        "select id, status, answer, final_reward from runs where attempt_group = ? order by id",
        [group],
    ).fetchall()
    return [AttemptOutcome(*row) for row in rows]


def mark_selected(db: sqlite_utils.Database, group: str, run_id: int | None) -> None:
    """Mark the attempt that counts (selected = 1, the others 0; all 0 for None).

    Scores count only the selected attempt."""
    with db.conn:
        db.conn.execute(
            "update runs set selected = (id = ?) where attempt_group = ?", [run_id, group]
        )
