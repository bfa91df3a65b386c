"""A very large prompt (over ~20k estimated tokens) is sent only once confirmed, with its
estimated tokens and cost shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLM, Reply
from textual.pilot import Pilot
from tui_helpers import fixed_app, wait_for

from reasoning.providers.endpoint import LARGE_PROMPT_TOKENS
from store.db import open_db
from tui.app import PonderApp
from tui.screens.confirm_modal import ConfirmModal
from tui.screens.solve import SolveScreen
from tui.widgets.prompt_box import PromptBox

HUGE = "Consider the sequence. " * 4000  # 92,000 characters: about 23,000 tokens


async def submit(pilot: Pilot[Any], text: str) -> None:
    box = pilot.app.screen.query_one(PromptBox)
    box.load_text(text)
    box.focus()
    await pilot.press("enter")


async def test_a_huge_prompt_asks_first_and_no_keeps_it_unsent(fake_llm: FakeLLM) -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        await submit(pilot, HUGE)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        text = app.screen.question  # type: ignore[attr-defined]
        assert "about 23,000 tokens" in text
        assert "price unknown for fake-model" in text
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.state == "idle" and screen.view is None
        assert screen.query_one(PromptBox).text.strip() == HUGE.strip()  # kept to edit


@pytest.mark.usefixtures("openai_env")
async def test_yes_sends_it_and_clears_the_prompt_box(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.queue(Reply("Final answer: 1"))
    app = PonderApp(db=open_db(tmp_path / "p.db"))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        app.update_settings(paradigm="direct")
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        await submit(pilot, HUGE)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        # gpt-4o-mini's input price is in the table: the cost is estimated.
        question = app.screen.question  # type: ignore[attr-defined]
        assert "about 23,000 tokens" in question
        assert "$0.003" in question and "of input a call with gpt-4o-mini" in question
        assert fake_llm.chat_requests == []
        await pilot.press("y")
        await wait_for(pilot, lambda: screen.state == "done")
        assert len(fake_llm.chat_requests) == 1
        assert screen.query_one(PromptBox).text == ""


async def test_an_ordinary_prompt_does_not_ask() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        assert not screen._ask_first("x" * (LARGE_PROMPT_TOKENS * 4 - 8), None, None)
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmModal)
