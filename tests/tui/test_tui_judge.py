"""The judge on the Grade screen: J marks the run in a worker, feedback and agreement shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakellm import FakeLLM, Reply, demo_responder
from test_tui_screens import make_db, open_mode, opened, seed_runs, start_bench
from textual.widgets import Input
from tui_helpers import FAKE_MODELS, SIZE, fixed_app, screen_text, wait_for

from store.grades import effective_grade, grade_history, human_grade
from tui.screens.pick_model import ModelPickerModal


@pytest.mark.usefixtures("openai_env")
async def test_j_judges_the_run_and_shows_the_feedback_and_the_agreement(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    human_grade(db, ids["p2"], "6/10", grader_name="Ada")
    fake_llm.queue(
        Reply(
            "<feedback>The product-plus-one idea is right; why it has a new prime factor"
            " is not shown.</feedback><points>4</points>",
            delay=0.01,
        )
    )
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p2"])
        await pilot.pause()
        assert "Not judged yet" in screen_text(app)
        await pilot.press("J")
        picker = await wait_for_picker(pilot)
        assert picker.query_one("#model-name", Input).value == "fake-model"  # the current model
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(g.grader == "llm" for g in grade_history(db, ids["p2"])))
        await app.workers.wait_for_complete()
        await pilot.pause()
        [judged] = [g for g in grade_history(db, ids["p2"]) if g.grader == "llm"]
        assert (judged.grader_name, judged.points, judged.max_points) == ("fake-model", 4, 10)
        assert effective_grade(db, ids["p2"]).grader == "human"  # Ada's grade still counts
        text = screen_text(app)
        assert "new prime factor" in text and "by fake-model" in text
        assert "fake-model: 1 run ·" in text and "|diff| 2 pts" in text
        assert str(screen.table.get_cell(str(ids["p2"]), "grade")).find("human") != -1


async def wait_for_picker(pilot) -> ModelPickerModal:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelPickerModal))
    picker = pilot.app.screen
    assert isinstance(picker, ModelPickerModal)
    return picker


@pytest.mark.usefixtures("openai_env")
async def test_j_offers_the_model_list_to_choose_the_judge_and_remembers_it(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    fake_llm.responder = lambda body: Reply("<feedback>Sound.</feedback><points>9</points>")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p2"])
        await pilot.pause()
        await pilot.press("J")
        picker = await wait_for_picker(pilot)
        await wait_for(pilot, lambda: len(picker.shown) == len(FAKE_MODELS))
        text = screen_text(app)
        assert "Judge model" in text and "fake-model-large" in text and "other-model" in text
        await pilot.press("ctrl+u", *"large")
        await wait_for(pilot, lambda: picker.shown == ["fake-model-large"])
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: any(g.grader == "llm" for g in grade_history(db, ids["p2"])))
        await app.workers.wait_for_complete()
        [judged] = [g for g in grade_history(db, ids["p2"]) if g.grader == "llm"]
        assert (judged.grader_name, judged.points) == ("fake-model-large", 9)
        assert [r.body["model"] for r in fake_llm.chat_requests] == ["fake-model-large"]
        assert app.provider_state.model == "fake-model"  # the solving model is not changed
        # J again: the judge chosen last is offered first; Esc judges nothing.
        await pilot.press("J")
        picker = await wait_for_picker(pilot)
        assert picker.query_one("#model-name", Input).value == "fake-model-large"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModelPickerModal))
        await pilot.pause()
        assert len(fake_llm.chat_requests) == 1


async def test_without_a_provider_j_says_so(tmp_path: Path) -> None:
    from tui.app import PonderApp, ProviderState

    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = PonderApp(
        db=db,
        provider_state=ProviderState(spec=None, problem="no provider configured", resolving=False),
        clock=lambda: 0.0,
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+g")
        screen.table.select_key(ids["p2"])
        await pilot.press("J")
        await pilot.pause()
        assert not [g for g in grade_history(db, ids["p2"]) if g.grader == "llm"]
        assert any("No judge: no provider configured" in str(n.message) for n in app._notifications)


@pytest.mark.usefixtures("openai_env")
async def test_a_bench_with_a_judge_model_judges_its_proof_runs(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    fake_llm.responder = demo_responder  # dcot transcripts for the runs, marks for the judge
    db = make_db(tmp_path)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        screen.query_one("#bench-judge", Input).value = "judge-model"
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
    judged = db.execute(
        "select p.kind, g.grader_name, g.max_points from grades g join runs r on r.id = g.run_id"
        " join problems p on p.id = r.problem_id where g.grader = 'llm'"
    ).fetchall()
    assert judged == [("proof", "judge-model", 10.0)]  # only the proof: the others auto-graded
