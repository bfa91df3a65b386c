"""Problem text hard-wrapped by a PDF reads as paragraphs in the Grade screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_tui_screens import record_run
from test_tui_solve import fixed_app
from textual.widgets import Static

from store.db import open_db
from store.problems import import_file
from tui.widgets.reflow import reflow


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("the line y = ax + b\nintersects the curve", "the line y = ax + b intersects the curve"),
        ("choose one of the remaining inte-\ngers.", "choose one of the remaining integers."),
        ("one paragraph.\n\nanother one.", "one paragraph.\n\nanother one."),
        ("Which is right?\n(A) 2\n(B) 4\nC) 5", "Which is right?\n(A) 2\n(B) 4\nC) 5"),
        ("Steps:\n- first\n- second\n1. third", "Steps:\n- first\n- second\n1. third"),
        ("  padded   \nlines  \n\n\n\nend\n\n", "padded lines\n\nend"),
        ("x-\nY stays hyphenated", "x- Y stays hyphenated"),  # a capital: not a split word
        ("", ""),
    ],
)
def test_reflow_joins_wrapped_lines_and_keeps_paragraphs_and_options(text: str, shown: str) -> None:
    assert reflow(text) == shown


async def test_the_grade_detail_shows_the_problem_reflowed(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    sheet = tmp_path / "putnam_pdf.jsonl"
    question = (
        "Determine all pairs (a, b) such\nthat the line meets the curve in ex-\nactly one point."
    )
    sheet.write_text(json.dumps({"key": "5", "question": question, "kind": "proof"}))
    import_file(db, sheet, "putnam_pdf")
    record_run(db, question, "Only (0, 0).", problem=("putnam_pdf", "5"))
    app = fixed_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.pause()
        shown = str(app.screen.query_one("#detail-problem", Static).render())
        assert "such that the line meets the curve in exactly one point." in shown
