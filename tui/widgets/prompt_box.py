"""The prompt box: Enter sends, Shift+Enter or Ctrl+J adds a line, ↑ recalls earlier prompts."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from ponder.text import safe_text


class PromptBox(TextArea):
    """A multi-line input for problems, with a history of the prompts sent."""

    class Submitted(Message):
        """The user pressed Enter on a non-empty prompt."""

        def __init__(self, prompt_box: PromptBox, text: str) -> None:
            super().__init__()
            self.prompt_box = prompt_box
            self.text = text

        @property
        def control(self) -> PromptBox:
            return self.prompt_box

    def __init__(self, *, prompts: list[str] | None = None, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            # The keys first: a narrow box cuts the end. Shift+Enter also works where the
            # terminal tells it from Enter.
            placeholder="Type a problem · Enter sends · Ctrl+J new line · ↑ history",
        )
        self.prompts: list[str] = [safe_text(p) for p in prompts or []]  # oldest first
        self._recall: int | None = None  # position in history while browsing it
        self._draft = ""  # what was typed before browsing began

    def remember(self, text: str) -> None:
        """Add a sent prompt to the history (no consecutive duplicates)."""
        if text and (not self.prompts or self.prompts[-1] != text):
            self.prompts.append(text)
        self._recall = None

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text.strip()
            if text:
                self.post_message(self.Submitted(self, text))
            return
        if key in ("shift+enter", "ctrl+j", "newline"):
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)
            return
        if key == "up" and self.cursor_at_first_line and self._recall_step(-1):
            event.stop()
            event.prevent_default()
            return
        browsing = self._recall is not None and self.cursor_at_last_line
        if key == "down" and browsing and self._recall_step(+1):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # F7 is the Solve screen's Copy: TextArea's select-all on it gives way (the key then
        # goes on to the screen, whose binding keeps its place in the Footer).
        if action == "select_all":
            return False
        return super().check_action(action, parameters)

    def _recall_step(self, delta: int) -> bool:
        """Move through the history; True if the text changed."""
        if not self.prompts:
            return False
        if self._recall is None:
            if delta > 0:
                return False
            self._draft = self.text
            position = len(self.prompts) - 1
        else:
            position = self._recall + delta
        if position < 0:
            return True  # at the oldest: stay, but swallow the key
        if position >= len(self.prompts):
            self._recall = None
            self._set(self._draft)
            return True
        self._recall = position
        self._set(self.prompts[position])
        return True

    def _set(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    # The box shows what it holds as is: escape sequences (pasted, from the clipboard, from a
    # stored prompt) would reach the terminal. Every way text gets in goes through these two.
    def _replace_via_keyboard(
        self, insert: str, start: Location, end: Location
    ) -> EditResult | None:
        return super()._replace_via_keyboard(safe_text(insert), start, end)

    def load_text(self, text: str) -> None:
        super().load_text(safe_text(text))
