"""The Bench form has the command line's knobs (ponder bench --max-tokens, --budget,
--attempts, --max-cost, --reinforce, --min-steps): what is typed reaches the bench, an empty
field is the Solve screen's setting (named in its placeholder), a bad value is one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLM, dcot_responder
from test_tui_screens import make_db, open_mode, start_bench
from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_helpers import fixed_app, notes_of, still_cursors, wait_for

from store.db import open_db
from tui.app import PonderApp
from tui.screens.bench import BenchScreen

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.fixture
def openai_env(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bench-form")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    return fake_llm


async def type_into(pilot: Pilot[Any], field: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{field}", Input)
    widget.focus()
    await pilot.press(*text)
    await wait_for(pilot, lambda: widget.value == text)


async def test_the_knobs_typed_reach_the_plan(tmp_path: Path) -> None:
    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start_bench(pilot, "putnam_mini", ("dcot", "g1"))
        await type_into(pilot, "bench-max-tokens", "512")
        await type_into(pilot, "bench-budget", "8")
        await type_into(pilot, "bench-attempts", "3")
        await type_into(pilot, "bench-max-cost", "0.25")
        await type_into(pilot, "bench-min-steps", "4")
        screen.query_one("#bench-reinforce", Select).value = "guided"
        await pilot.pause()
        plan = screen._plan(resume=False)
        assert plan is not None
        assert (plan.attempts, plan.max_cost) == (3, 0.25)
        s = plan.settings
        assert (s.max_tokens, s.budget, s.min_steps) == (512, 8, 4)
        assert plan.paradigms == ("dcot+guided", "g1")  # dcot's arm with guided reinforcement


async def test_both_reinforcements_are_two_arms_of_dcot(tmp_path: Path) -> None:
    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start_bench(pilot, "putnam_mini", ("dcot", "direct"))
        screen.query_one("#bench-reinforce", Select).value = "both"
        await pilot.pause()
        plan = screen._plan(resume=False)
        assert plan is not None
        assert plan.paradigms == ("dcot", "dcot+guided", "direct")


async def test_empty_knobs_are_the_solve_screen_s_settings(tmp_path: Path) -> None:
    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        app.update_settings(budget=7, reinforce="guided", max_tokens=1000)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        assert screen.query_one("#bench-budget", Input).placeholder == "7"
        assert screen.query_one("#bench-max-tokens", Input).placeholder == "1000"
        assert screen.query_one("#bench-attempts", Input).placeholder == "1"
        assert screen.query_one("#bench-max-cost", Input).placeholder == "no cap"
        assert screen.query_one("#bench-reinforce", Select).value == "guided"
        plan = screen._plan(resume=False)
        assert plan is not None
        assert (plan.settings.budget, plan.settings.max_tokens) == (7, 1000)
        assert (plan.paradigms, plan.attempts, plan.max_cost) == (("dcot+guided",), 1, None)


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("bench-max-cost", "0", "Max cost $ must be a positive amount."),
        ("bench-max-tokens", "0", "Max tokens must be a whole number ≥ 1."),
        ("bench-attempts", "5000", "Attempts must be at most 1000."),
    ],
)
async def test_a_bad_knob_is_one_line_and_no_bench(
    tmp_path: Path, field: str, typed: str, said: str
) -> None:
    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        notes = notes_of(app)
        await type_into(pilot, field, typed)
        assert screen._plan(resume=False) is None
        assert notes == [said]


async def test_a_bench_runs_with_the_form_s_max_tokens_and_budget(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        screen.query_one("#bench-limit", Input).value = "1"
        await type_into(pilot, "bench-max-tokens", "700")
        await type_into(pilot, "bench-budget", "9")
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
    assert openai_env.requests[-1].body["max_tokens"] <= 700
    settings = json.loads(db.execute("select params from runs").fetchone()[0])
    assert (settings["max_tokens"], settings["budget"]) == (700, 9)


def _form_snapshot(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> bool:
    async def before(pilot: Pilot[Any]) -> None:
        screen = await open_mode(pilot, "ctrl+b")
        assert isinstance(screen, BenchScreen)
        still_cursors(pilot.app)  # type: ignore[arg-type]
        await pilot.pause()

    return bool(
        snap_compare(fixed_app(open_db(tmp_path / "f.db")), terminal_size=size, run_before=before)
    )


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_bench_form(snap_compare: Any, tmp_path: Path, size: str) -> None:
    assert _form_snapshot(snap_compare, tmp_path, SIZES[size])
