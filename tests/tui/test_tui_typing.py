"""Typing at terminal speed: a burst of characters goes into the prompt box as a few edits, in
order with the keys around it, ends in view; Ctrl+L empties the box (Ctrl+Z brings it back)."""

from __future__ import annotations

from pathlib import Path

from test_tui_screens import make_db, seed_runs
from textual.message import Message
from textual.widgets import Input, Static, TextArea
from tui_helpers import fixed_app, screen_text, type_at_once, wait_for

from tui.screens.solve import SolveScreen
from tui.widgets.prompt_box import PromptBox

WORDS = "let x be a real number such that x squared minus five x plus six is zero find x "


def words(length: int, end: str = " zqxjend") -> str:
    return (WORDS * (length // len(WORDS) + 1))[: length - len(end)] + end


async def test_a_burst_of_typed_characters_is_a_few_edits_not_one_per_key() -> None:
    # One edit per key re-wrapped the whole line each time, and each key waited for a paint:
    # 1,000 characters took over 20 s.
    edits: set[int] = set()  # the hook sees a message at each level it bubbles to

    def hook(message: Message) -> None:
        if isinstance(message, TextArea.Changed):
            edits.add(id(message))

    app = fixed_app()
    text = words(1_000)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        box = app.screen.query_one(PromptBox)
        await type_at_once(pilot, *text)
        await wait_for(pilot, lambda: box.text == text)
        assert 0 < len(edits) <= 20


async def test_keys_after_typed_characters_act_on_the_text_with_them() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one(PromptBox)
        await type_at_once(pilot, *"abc", "left", "X", "end", *"de", "backspace", "f")
        await wait_for(pilot, lambda: box.text == "abXcdf")


async def test_enter_right_after_a_burst_sends_all_of_it() -> None:
    sent: dict[int, str] = {}  # the hook sees a message at each level it bubbles to

    def hook(message: Message) -> None:
        if isinstance(message, PromptBox.Submitted):
            sent[id(message)] = message.text

    app = fixed_app()
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await type_at_once(pilot, *"what is 2+2", "enter")
        await wait_for(pilot, lambda: bool(sent))
        assert list(sent.values()) == ["what is 2+2"]


async def test_a_long_burst_ends_with_its_last_word_in_view() -> None:
    # Typed in bursts, the box grows at the next layout: the cursor is scrolled into view again
    # then, not left where the smaller box put it.
    app = fixed_app()
    text = words(1_000)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one(PromptBox)
        for start in range(0, len(text), 100):
            await type_at_once(pilot, *text[start : start + 100])
        await wait_for(pilot, lambda: box.text == text)
        await pilot.pause()
        await wait_for(pilot, lambda: "zqxjend" in screen_text(app))


async def test_a_search_typed_then_edited_in_a_burst(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    app = fixed_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_at_once(pilot, "ctrl+f", "/", *"zebrq", "backspace", "a", "home", "x")
        field = app.screen.query_one("#history-search", Input)
        await wait_for(pilot, lambda: field.value == "xzebra")


async def test_ctrl_l_empties_the_prompt_box_and_ctrl_z_brings_it_back() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, SolveScreen)
        box = screen.query_one(PromptBox)
        await type_at_once(pilot, *"first line", "ctrl+j", *"second line")
        await wait_for(pilot, lambda: box.text == "first line\nsecond line")
        await pilot.press("ctrl+l")
        assert box.text == ""
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: box.text == "first line\nsecond line")


async def test_the_intro_names_the_keys_the_footer_has_no_room_for() -> None:
    app = fixed_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#welcome", Static).render())
        for words_shown in ("F6 solves a stored", "F10 imports", "Ctrl+L empties"):
            assert words_shown in text
