"""Grade's response viewer (v) wraps long lines to the modal's width, which uses the room there is."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_screens import make_db, open_mode, record_run
from textual.widgets import TextArea
from tui_helpers import fixed_app, screen_text

from tui.screens.response_modal import ResponseModal

LONG = " ".join(f"word{i}" for i in range(150)) + " THE-END"


@pytest.mark.parametrize(("size", "min_width"), [((80, 24), 60), ((160, 48), 120)])
async def test_long_lines_wrap_to_the_modal_width(
    tmp_path: Path, size: tuple[int, int], min_width: int
) -> None:
    db = make_db(tmp_path)
    run_id = record_run(db, "Prompt " + LONG, LONG, problem=("putnam_mini", "1"))
    app = fixed_app(db)
    async with app.run_test(size=size) as pilot:
        screen = await open_mode(pilot, "ctrl+g")
        screen.table.select_key(run_id)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ResponseModal)
        area = app.screen.query_one(TextArea)
        assert area.size.width >= min_width  # the modal is not a narrow column on a wide screen
        # Wrapped: nothing runs off to the right, so nothing needs a sideways scroll.
        assert area.virtual_size.width <= area.scrollable_content_region.width
        assert area.wrapped_document.height > area.document.line_count
        assert "word40" in screen_text(app)
