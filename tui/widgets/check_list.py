"""A SelectionList whose boxes say their state in the glyph, not only in colour."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist

CHECKED = "✓"
UNCHECKED = " "


class CheckList(SelectionList[Any]):
    """Textual draws the same "X" in every box and tells them apart by colour alone: here a
    chosen one shows ✓ and the others are empty, readable without colour."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # not a line with a box (Textual changed its drawing): leave it
        glyph = CHECKED if selection.value in self._selected else UNCHECKED
        segments[1] = Segment(glyph, segments[1].style, segments[1].control)
        return Strip(segments, strip.cell_length)
