"""The prompt box: Enter sends, Shift+Enter or Ctrl+J adds a line, ↑ recalls earlier prompts."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult, Location

from ponder.text import safe_text


class PromptBox(TextArea):
    """A multi-line input for problems, with a history of the prompts sent."""

    BINDINGS = [Binding("ctrl+l", "clear_prompt", "Clear prompt", show=False)]

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
        self._typed: list[str] = []  # characters read but not yet in the text (see _on_key)

    def remember(self, text: str) -> None:
        """Add a sent prompt to the history (no consecutive duplicates)."""
        if text and (not self.prompts or self.prompts[-1] != text):
            self.prompts.append(text)
        self._recall = None

    async def on_event(self, event: events.Event) -> None:
        # Characters typed come first: whatever follows them (a key, a click, a paste) sees
        # the text with them in it.
        if self._typed and not (isinstance(event, events.Key) and event.is_printable):
            self.flush_typed()
        await super().on_event(event)

    def flush_typed(self) -> None:
        """Put the characters typed so far into the text, as one edit."""
        if self._typed:
            text = "".join(self._typed)
            self._typed.clear()
            start, end = self.selection
            self._replace_via_keyboard(text, start, end)
            # The box grows with its text at the next layout; the cursor is scrolled into view
            # again then (for a whole burst at once, the edit's own scroll used the old size).
            self.call_after_refresh(self.scroll_cursor_visible)

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if event.is_printable and not self.read_only:
            # A burst of characters (fast typing, a paste the terminal sends as keys) is queued
            # here as keys; they go into the text together, once the burst read so far is
            # handled. One edit per character re-wrapped the line each time: typing slowed as
            # the box grew (1,000 characters took 22 s).
            event.stop()
            event.prevent_default()
            self._restart_blink()
            if not self._typed:
                self.call_later(self.flush_typed)
            self._typed.append(event.character or "")
            return
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

    def action_clear_prompt(self) -> None:
        """Ctrl+L: empty the box, as one edit (Ctrl+Z brings the text back)."""
        self.flush_typed()
        self._recall = None
        if self.text:
            self.clear()

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
