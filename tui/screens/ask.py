"""A small modal asking for one or more values (model, provider, budget)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Input, Label

from ponder.text import safe_text
from tui.screens.esc_modal import EscModal


@dataclass(frozen=True)
class Field:
    """One input of the modal."""

    label: str
    value: str = ""
    placeholder: str = ""


class AskModal(EscModal[tuple[str, ...]]):
    """Enter on the last field (or OK) returns the values; Esc returns None."""

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        validate: Callable[[tuple[str, ...]], str | None] | None = None,
        focus: int = 0,
    ) -> None:
        """`focus`: the field the cursor starts in (the one the user most likely types)."""
        super().__init__(classes="ask-modal")
        self.title_text = title
        self.fields = tuple(fields)
        self.validate_values = validate
        self.first_focus = min(max(focus, 0), len(self.fields) - 1)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(Content(self.title_text), classes="modal-title", markup=False)
            for i, f in enumerate(self.fields):
                yield Label(Content(f.label), classes="modal-label", markup=False)
                # Values come from the store or the config (a note, a model name): as text.
                yield Input(safe_text(f.value), placeholder=f.placeholder, id=f"field-{i}")
            yield Label("", id="modal-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(f"#field-{self.first_focus}", Input).focus()

    def values(self) -> tuple[str, ...]:
        return tuple(
            self.query_one(f"#field-{i}", Input).value.strip() for i in range(len(self.fields))
        )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = int((event.input.id or "field-0").split("-")[1])
        if index + 1 < len(self.fields):
            self.query_one(f"#field-{index + 1}", Input).focus()
        else:
            self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        values = self.values()
        problem = self.validate_values(values) if self.validate_values else None
        if problem:
            self.query_one("#modal-error", Label).update(Content(problem))
            return
        self.dismiss(values)
