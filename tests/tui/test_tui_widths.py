"""Tables fit the terminal: at 80 columns History narrows and leaves out its columns of lowest
priority, and keeps the paradigm, so a bench's dcot and direct rows are told apart."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_screens import make_db, seed_runs
from tui_helpers import fixed_app, screen_text, wait_for

from tui.screens.history import HistoryScreen


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_history_keeps_the_paradigm_at_any_width(tmp_path: Path, width: int) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: screen.table.row_count == len(ids))
        await pilot.pause()
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.lstrip().startswith("#"))
        assert "paradigm" in header and "grade" in header and "model" in header
        rows = {line.split()[0]: line for line in lines if line.split()[:1] in (["3"], ["2"])}
        assert "direct" in rows["3"] and "dcot" in rows["2"]  # seed_runs: #3 is the direct run
        # nothing cut at the right edge: the last header ends inside the screen
        assert len(header.rstrip()) < width


async def test_history_at_80_columns_leaves_out_the_time_and_reward(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        keys = [c.key for c in app.screen.row_columns]  # type: ignore[attr-defined]
        assert keys == ["id", "status", "paradigm", "model", "problem", "grade"]
