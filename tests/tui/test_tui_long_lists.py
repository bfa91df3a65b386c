"""History and Grade over thousands of runs: Ctrl+End reaches the oldest run at once, the
status says which rows are held, and `]` finds the next run to grade beyond them (issue 30)."""

from __future__ import annotations

import sqlite_utils
from test_tui_screens import opened, remember_grader
from tui_helpers import wait_for

from store.grades import add_grade
from tui.widgets.paged_table import PAGE, WINDOW

RUNS = 2_500


def many_runs(db: sqlite_utils.Database, n: int = RUNS) -> list[int]:
    db.conn.executemany(
        "insert into runs (prompt, paradigm, provider, model, status, answer, started_at)"
        " values (?, 'dcot', 'openai', 'm', 'done', '7', '2026-01-01T00:00:00+00:00')",
        [(f"prompt {i}",) for i in range(n)],
    )
    db.conn.commit()
    return [r[0] for r in db.execute("select id from runs order by id")]


async def test_history_jumps_to_its_oldest_run_and_says_which_rows_it_holds(db):
    ids = many_runs(db)
    async with opened(db, "ctrl+f") as (_, pilot, screen):
        await wait_for(pilot, lambda: screen.table.row_count > 0)
        status = str(screen.query_one("#history-status").render())
        assert f"{RUNS:,} runs · rows 1–{PAGE}" in status
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert screen.table.current_key == ids[0]
        status = str(screen.query_one("#history-status").render())
        assert f"rows {RUNS - PAGE + 1:,}–{RUNS:,}" in status
        preview = str(screen.query_one("#preview-prompt").render())
        assert preview == "prompt 0"


async def test_grade_finds_the_next_run_to_grade_beyond_the_rows_it_holds(db):
    ids = many_runs(db)
    for run_id in ids[1:]:  # only the oldest run is left to grade
        add_grade(db, run_id, grader="auto", score=1.0, verdict="full")
    remember_grader("ann")
    async with opened(db, "ctrl+g") as (_, pilot, screen):
        await wait_for(pilot, lambda: screen.table.row_count > 0)
        assert screen.table.loaded <= WINDOW
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.table.current_key == ids[0]
        assert screen.table.loaded <= WINDOW
        await pilot.press("f")  # graded by hand where `]` brought the cursor
        await pilot.pause()
        verdicts = db.execute(
            "select verdict from grades where run_id = ? and grader = 'human'", [ids[0]]
        ).fetchall()
        assert verdicts == [("full",)]
