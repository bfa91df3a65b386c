"""Markdown for model text: rendered as text (never markup), links shown but never opened."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from textual import on
from textual.widgets import Markdown

from tui.commands.common import safe_text


def _hard_breaks(state: StateCore) -> None:
    """Models mean a newline as a line break; CommonMark would join the lines."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"


def _parser() -> MarkdownIt:
    # html off: a "<tag>" in model text is text to show, not markup to drop.
    md = MarkdownIt("gfm-like", {"html": False})
    md.core.ruler.push("ponder_hard_breaks", _hard_breaks)
    return md


class SafeMarkdown(Markdown):
    """A Markdown widget whose links are inert: a click names the target, nothing opens."""

    def __init__(
        self, markdown: str | None = None, *, id: str | None = None, classes: str | None = None
    ):
        super().__init__(markdown, id=id, classes=classes, open_links=False, parser_factory=_parser)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        # Model text chose this target: say what it is, do not follow it.
        event.stop()
        target = safe_text(event.href)[:200]
        self.notify(f"Link not opened: {target}", severity="warning", markup=False)
