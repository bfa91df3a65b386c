"""A stored run's full response in a read-only, scrollable text area: every step, as plain text."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from ponder.text import safe_text
from store.queries import RunDetail
from tui.widgets.bands import format_reward


def response_text(detail: RunDetail) -> str:
    """The run as text: the prompt, each step under a rule with its kind, title and reward."""
    parts = [f"PROMPT\n{detail.prompt.strip()}"]
    partial = set(detail.partial_steps)
    for step in detail.steps:
        head = f"{step.index} · {step.kind}"
        if step.title:
            head += f" · {step.title}"
        if step.reward is not None:
            head += f" · reward {format_reward(step.reward)}"
        if step.backtrack:
            head += " · backtrack"
        if step.index in partial:
            head += " · cut"
        parts.append(f"── {head} ──\n{step.content.strip()}")
    if detail.summary.answer:
        parts.append(f"── final answer ──\n{detail.summary.answer.strip()}")
    if detail.error:
        parts.append(f"── error ──\n{detail.error.strip()}")
    return safe_text("\n\n".join(parts))


class ResponseModal(ModalScreen[None]):
    """Esc, q or v closes it."""

    BINDINGS = [Binding("escape,q,v", "close", "Close")]

    def __init__(self, detail: RunDetail) -> None:
        super().__init__(classes="response-modal")
        self.detail = detail

    def compose(self) -> ComposeResult:
        s = self.detail.summary
        title = f"Run #{s.run_id} · {s.paradigm or '?'} · {s.model or '?'} · {s.status}"
        with Vertical(classes="modal-box"):
            yield Label(Content(safe_text(title)), classes="modal-title", markup=False)
            yield TextArea(
                response_text(self.detail),
                read_only=True,
                soft_wrap=True,
                highlight_cursor_line=False,
                id="response-text",
            )

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
