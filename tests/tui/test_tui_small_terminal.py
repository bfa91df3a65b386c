"""An 80x24 terminal keeps every screen usable: nothing a user needs is cut off or overlaps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_tui_screens import make_db, record_run
from test_tui_solve import (
    GOOD_RUN,
    PROBLEM,
    feed,
    fixed_app,
    run_events,
    screen_text,
    settle,
    wait_for,
)
from textual.widgets import Button, OptionList, Select

from reasoning.events import RunSettings, Step
from tui.screens.ask import AskModal, Field
from tui.screens.open_run import OpenRunModal
from tui.widgets.bench_progress import ConfigBar
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_line import StatusInfo, StatusLine
from tui.widgets.step_list import StepList

SMALL = (80, 24)


def inside_screen(app: Any, widget: Any) -> bool:
    region = widget.region
    width, height = app.size
    return region.x >= 0 and region.y >= 0 and region.right <= width and region.bottom <= height


async def test_the_status_line_keeps_the_run_state_in_view() -> None:
    app = fixed_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = app.screen
        screen.begin_run(PROBLEM, RunSettings())  # type: ignore[attr-defined]
        await pilot.pause()
        line = screen_text(app).splitlines()[0]
        assert line.rstrip().endswith("● running")
        assert "fake-model" in line and "dcot" in line
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        assert "paradigm dcot  │  provider openai  │  model fake-model" in screen_text(app)


def test_a_long_model_name_is_cut_not_the_state() -> None:
    info = StatusInfo("g1", "openrouter", "meta-llama/" + "x" * 80, 20, "guided", "failed")
    short = StatusLine._line(info, short=True, room=60)
    assert len(short.plain) <= 60
    assert short.plain.endswith("✗ failed")
    assert "…" in short.plain


async def test_the_solve_sidebar_narrows_and_shows_every_run_number() -> None:
    app = fixed_app()
    async with app.run_test(size=SMALL) as pilot:
        await feed(app, run_events(PROBLEM, GOOD_RUN, answer="$x = 8$", final_reward=0.95))
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        assert sidebar.region.width <= 30
        text = screen_text(app)
        for label in ("Elapsed", "Tokens", "Calls", "Status   done", "Stop     answer"):
            assert label in text
        step_list = app.screen.query_one(StepList)
        # One line per step: a badge never wraps onto a line of its own.
        assert step_list.virtual_size.height == step_list.option_count


async def test_step_list_lines_fit_again_after_a_resize() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        steps = [
            Step(1, "step", "a", title="A title long enough to be cut in the sidebar"),
            Step(2, "reflection", "b", reward=0.3, backtrack=True),
        ]
        await feed(app, run_events(PROBLEM, steps, answer=None))
        await settle(pilot)
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        await pilot.pause()
        step_list = app.screen.query_one(StepList)
        assert step_list.virtual_size.height == step_list.option_count == 2
        assert "0.30 ↩" in screen_text(app)


async def test_grade_filters_stay_on_one_line_and_the_grade_column_shows(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    record_run(db, "Prove it", "Done.", problem=("putnam_mini", "2"))
    app = fixed_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.pause()
        for select in app.screen.query(Select):
            assert select.region.height == 3  # no wrapped label spilling over its border
        text = screen_text(app)
        assert "every datas…" in text
        header = next(line for line in text.splitlines() if line.lstrip().startswith("#"))
        assert "grade" in header


async def test_bench_start_button_is_on_screen(tmp_path: Path) -> None:
    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+b")
        await pilot.pause()
        await pilot.pause()
        for button in app.screen.query(Button):
            assert inside_screen(app, button), button.id


async def test_wide_modals_fit_and_their_messages_wrap(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    record_run(db, "What is 2+2?", "4")
    app = fixed_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, OpenRunModal)
        assert inside_screen(app, app.screen.query_one(".modal-box"))
        runs = app.screen.query_one(OptionList)
        assert runs.virtual_size.height == runs.option_count  # a run a line, not wrapped
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OpenRunModal)
        problem = (
            "Points must be between 0 and the maximum, and the maximum must be positive: 11/10."
        )
        app.push_screen(AskModal("Points", [Field("Points", "11")], validate=lambda v: problem))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "positive: 11/10." in text  # the end of the message, on its second line


async def test_bench_bars_show_their_counts_on_a_narrow_screen(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    for key in ("1", "2", "3"):
        for paradigm in ("dcot", "direct"):
            record_run(db, "q", "5", problem=("putnam_mini", key), paradigm=paradigm, bench_id="b1")
    app = fixed_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: len(app.screen.query(ConfigBar)) == 2)
        await pilot.pause()
        text = screen_text(app)
        assert text.count("3/3 done") == 2
