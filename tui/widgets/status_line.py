"""The status line at the top: paradigm, provider, model, budget, reinforce mode, run state."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content, Span
from textual.widgets import Static

from tui.commands.common import safe_text


@dataclass(frozen=True)
class StatusInfo:
    """What the status line shows."""

    paradigm: str
    provider: str | None
    model: str | None
    budget: int
    reinforce: str
    state: str = "idle"  # idle | running | done | failed | cancelled | read-only
    math: bool = True


class StatusLine(Static):
    """One line, always visible: the settings the next run will use, and the run's state."""

    COMPONENT_CLASSES = {"status-line--key", "status-line--app", "status-line--state"}

    DEFAULT_CSS = """
    StatusLine { dock: top; height: 1; background: $panel; padding: 0 1; }
    StatusLine > .status-line--key { color: $text-muted; }
    StatusLine > .status-line--app { color: $accent; text-style: bold; }
    StatusLine > .status-line--state { text-style: bold; }
    """

    def __init__(self, info: StatusInfo, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.info = info

    def on_mount(self) -> None:
        self.show(self.info)

    def show(self, info: StatusInfo) -> None:
        self.info = info
        parts: list[tuple[str, str]] = [
            ("paradigm", info.paradigm),
            ("provider", safe_text(info.provider) if info.provider else "none"),
            ("model", safe_text(info.model) if info.model else "—"),
            ("budget", str(info.budget)),
            ("reinforce", info.reinforce),
        ]
        if not info.math:
            parts.append(("math", "raw"))
        text = "Ponder"
        spans = [Span(0, len(text), ".status-line--app")]
        for key, value in parts:
            text += "  │  "
            spans.append(Span(len(text), len(text) + len(key), ".status-line--key"))
            text += f"{key} {value}"
        state = f"  │  {_STATE_MARKS.get(info.state, '')} {info.state}"
        spans.append(Span(len(text) + 5, len(text) + len(state), ".status-line--state"))
        text += state
        self.update(Content(text, spans=spans))


_STATE_MARKS = {
    "idle": "○",
    "running": "●",
    "done": "✓",
    "failed": "✗",
    "cancelled": "■",
    "read-only": "◇",
}
