"""The status line at the top: paradigm, provider, model, budget, reinforce mode, run state."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content, Span
from textual.widgets import Static

from ponder.text import safe_text


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
    endpoint: str | None = None  # host[:port] of a base URL; None: the SDK's own


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

    def on_resize(self) -> None:
        self.show(self.info)

    def show(self, info: StatusInfo) -> None:
        """The full line if it fits; else a short one that still ends with the run's state."""
        self.info = info
        room = self.content_region.width or self.app.size.width - 2
        full = self._line(info, short=False)
        self.update(full if len(full) <= room else self._line(info, short=True, room=room))

    @staticmethod
    def _line(info: StatusInfo, *, short: bool, room: int = 0) -> Content:
        model = safe_text(info.model) if info.model else "—"
        provider = safe_text(info.provider) if info.provider else "none"
        state = f"{_STATE_MARKS.get(info.state, '')} {info.state}"
        if short:
            # Values speak for themselves once the labels go; the state is kept whole.
            parts = [
                ("", info.paradigm),
                ("", f"{provider} · {model}"),
                ("budget ", str(info.budget)),
                ("", info.reinforce),
            ]
            if not info.math:
                parts.append(("", "raw math"))
            text, sep = "", " │ "
        else:
            parts = [
                ("paradigm ", info.paradigm),
                (
                    "provider ",
                    provider + (f" @ {safe_text(info.endpoint)}" if info.endpoint else ""),
                ),
                ("model ", model),
                ("budget ", str(info.budget)),
                ("reinforce ", info.reinforce),
            ]
            if not info.math:
                parts.append(("math ", "raw"))
            text, sep = "Ponder", "  │  "
        spans = [Span(0, len(text), ".status-line--app")] if text else []
        for key, value in parts:
            if text:
                text += sep
            if key:
                spans.append(Span(len(text), len(text) + len(key.rstrip()), ".status-line--key"))
            text += f"{key}{value}"
        tail = f"{sep}{state}"
        if short and len(text) + len(tail) > room:
            text = text[: max(room - len(tail) - 1, 0)] + "…"
            spans = [s for s in spans if s.end <= len(text)]
        start = len(text) + len(sep)
        spans.append(Span(start, start + len(state), ".status-line--state"))
        return Content(text + tail, spans=spans)


_STATE_MARKS = {
    "idle": "○",
    "running": "●",
    "done": "✓",
    "failed": "✗",
    "cancelled": "■",
    "read-only": "◇",
}
