"""Comforts a daily user misses in the TUI: a stored problem's run ends with its automatic
grade and the reference; the grader's name starts from the login name; the Bench log's
'Starting…' gives way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLM, Reply
from test_tui_screens import grades, make_db, seed_runs
from tui_helpers import fixed_app, notes_of, wait_for

from store.db import open_db
from store.problems import import_file, list_problems
from tui.app import PonderApp
from tui.screens.ask import AskModal
from tui.screens.solve import SolveScreen


def answering(answer: str) -> Any:
    def respond(body: dict[str, Any]) -> Reply:
        return Reply(
            f"<step>Add the numbers.</step><answer>{answer}</answer>"
            "<reflection>Checked.</reflection><reward>0.9</reward>"
        )

    return respond


@pytest.fixture
def sums(tmp_path: Path) -> Any:
    db = open_db(tmp_path / "p.db")
    sheet = tmp_path / "sums.csv"
    sheet.write_text("question,answer\nWhat is 2+3?,5\n")
    import_file(db, sheet, "sums")
    return db


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("5", "graded full 1.00, answer read: 5, reference: 5"),
        ("6", "graded zero 0.00, answer read: 6, reference: 5"),
    ],
)
async def test_a_stored_problem_s_run_ends_with_its_grade_and_reference(
    openai_env: FakeLLM, sums: Any, answer: str, said: str
) -> None:
    openai_env.responder = answering(answer)
    (problem,) = list_problems(sums, "sums")
    app = PonderApp(db=sums)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        screen.start_run(problem.text, problem_id=problem.id)
        await wait_for(pilot, lambda: screen.state == "done")
        view = screen.view
        assert view is not None
        await wait_for(pilot, lambda: said in view.outcome)
        assert view.outcome.startswith("✓ done")
    assert [(g[1], g[3]) for g in grades(sums)] == [("auto", said.split()[1])]


async def test_a_typed_prompt_s_run_ends_without_a_grade(openai_env: FakeLLM, sums: Any) -> None:
    openai_env.responder = answering("5")
    app = PonderApp(db=sums)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        screen.start_run("What is 2+3?")
        await wait_for(pilot, lambda: screen.state == "done")
        await pilot.pause()
        assert screen.view is not None and "graded" not in screen.view.outcome
    assert grades(sums) == []


async def test_the_grader_name_starts_from_the_login_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "ada-login")
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, AskModal))
        assert app.screen.values() == ("ada-login",)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(grades(db)) == 1)
        assert grades(db)[0][2] == "ada-login"


async def test_the_bench_log_s_starting_line_gives_way(tmp_path: Path) -> None:
    from tui.screens.bench import BenchScreen

    app = fixed_app(make_db(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BenchScreen))
        screen = app.screen
        assert isinstance(screen, BenchScreen)
        screen._log("Starting…", transient=True)
        screen._log("Finished: 3 done, 0 failed, 0 cancelled")
        assert list(screen._notes)[-2:] != ["Starting…", "Finished: 3 done, 0 failed, 0 cancelled"]
        assert "Starting…" not in screen._notes


async def test_a_provider_picked_with_f3_is_remembered_for_the_next_start(
    openai_env: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reasoning.providers.config import LastUsed, load_config

    config = tmp_path / "config.toml"
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    app = PonderApp(db=open_db(tmp_path / "p.db"), remember_picks=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        notes = notes_of(app)
        assert not config.exists()  # nothing written until the user picks
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, AskModal))
        await pilot.press(*"openai", "enter", "enter")
        await wait_for(pilot, lambda: config.exists())
        await wait_for(pilot, lambda: any("The next start uses openai" in n for n in notes))
    last = load_config(config).last
    assert last is not None and last.provider == "openai"
    assert "sk-" not in config.read_text()  # the key stays in the environment
    assert last == LastUsed("openai", app.provider_state.model, None)
