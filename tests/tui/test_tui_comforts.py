"""Small comforts a new user missed: state readable without colour, how to quit in view."""

from __future__ import annotations

import pytest
from textual.widgets import SelectionList
from tui_helpers import fixed_app, screen_text, wait_for

from tui.widgets.check_list import CHECKED


def paradigm_lines(text: str) -> dict[str, str]:
    """The box drawn before each paradigm of the Bench screen, by paradigm."""
    boxes = {}
    for line in text.splitlines():
        for name in ("dcot:", "g1:", "direct:"):
            if name in line:
                box = line[line.index("▐") + 1 : line.index("▌")]
                boxes[name.rstrip(":")] = box
    return boxes


async def test_bench_paradigm_boxes_say_their_state_without_colour() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: "Paradigms" in screen_text(app))
        assert paradigm_lines(screen_text(app)) == {"dcot": CHECKED, "g1": " ", "direct": CHECKED}
        choices = app.screen.query_one("#bench-paradigms", SelectionList)
        choices.toggle("g1")
        choices.toggle("dcot")
        await pilot.pause()
        assert paradigm_lines(screen_text(app)) == {"dcot": " ", "g1": CHECKED, "direct": CHECKED}


@pytest.mark.parametrize("width", [80, 120, 160])
@pytest.mark.parametrize("mode", ["ctrl+s", "ctrl+g", "ctrl+b", "ctrl+f"])
async def test_the_footer_always_says_how_to_quit(mode: str, width: int) -> None:
    app = fixed_app()
    async with app.run_test(size=(width, 24)) as pilot:
        if mode != "ctrl+s":
            await pilot.press(mode)
        await pilot.pause()
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "^q Quit" in footer, footer
        # It ends the row of keys, before the palette's.
        assert footer.index("^q Quit") < footer.index("^p palette")


@pytest.mark.parametrize("width", [100, 160])
async def test_history_keeps_grade_and_answer_in_view(tmp_path, width: int) -> None:
    # At 80 columns the answer gives way to the paradigm (test_tui_widths): it is in the
    # preview below the table.
    from test_tui_screens import snapshot_db

    app = fixed_app(snapshot_db(tmp_path))
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: "Suppose finitely" in screen_text(app))
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if "answer / prompt" in line)
        assert "grade" in header
        graded = next(line for line in lines if "◐ 0.3" in line)
        assert graded.rstrip().endswith("41")  # the answer, whole, on the grade's line
        assert '"zebra' in screen_text(app)  # a free prompt tells itself apart
        assert ("started (UTC)" in header) == (width >= 120)
