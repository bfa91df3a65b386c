"""Attempt groups: which of K attempts at one problem counts."""

from __future__ import annotations

from typing import Literal

import sqlite_utils

from reasoning.attempts import choose


def settle_attempt_group(
    db: sqlite_utils.Database, group: str, how: Literal["reward", "vote"] = "reward"
) -> int | None:
    """Mark the selected attempt of a finished group (selected = 1, the others 0); its run id.

    Does nothing while an attempt is still running. Scores count only the selected attempt.
    """
    rows = db.conn.execute(
        "select id, status, answer, final_reward from runs where attempt_group = ? order by id",
        [group],
    ).fetchall()
    if not rows or any(status == "running" for _, status, _, _ in rows):
        return None
    candidates = [
        (answer, reward) if status == "done" else None for _, status, answer, reward in rows
    ]
    index, _ = choose(candidates, how)
    chosen = rows[index][0] if index is not None else None
    with db.conn:
        db.conn.execute(
            "update runs set selected = (id = ?) where attempt_group = ?", [chosen, group]
        )
    return chosen
