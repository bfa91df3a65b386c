"""Snapshots of the layouts #17 changed or added, at 80×24 and 160×48: History narrow and wide,
Solve's copy dialog over a finished run, and a finished run at 80×24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_tui_screens import snap_app
from test_tui_solve import GOOD_RUN, PROBLEM, feed, run_events, settle
from textual.pilot import Pilot
from tui_helpers import fixed_app, still_cursors, wait_for

from tui.screens.copy_modal import CopyModal
from tui.screens.history import HistoryScreen
from tui.widgets.prompt_box import PromptBox

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_history(snap_compare: Any, tmp_path: Path, size: str) -> None:
    app = snap_app(tmp_path)
    assert app.db is not None
    runs = app.db.execute("select count(*) from runs").fetchone()[0]

    async def before(pilot: Pilot[Any]) -> None:
        # The same picture however loaded the machine: every row in, no cursor mid-blink.
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        screen = pilot.app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: screen.table.row_count == runs)
        still_cursors(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


def _finished_run_app(copy: bool) -> tuple[Any, Any]:
    app = fixed_app()

    async def before(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(PromptBox).cursor_blink = False
        await feed(app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
        await settle(pilot)
        if copy:
            await pilot.press("f7")
            await wait_for(pilot, lambda: isinstance(app.screen, CopyModal))
            await pilot.pause()

    return app, before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_copy_dialog(snap_compare: Any, size: str) -> None:
    app, before = _finished_run_app(copy=True)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


def test_snapshot_finished_run_80x24(snap_compare: Any) -> None:
    app, before = _finished_run_app(copy=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
