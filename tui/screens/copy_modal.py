"""A modal asking what to copy: each choice has its letter; Enter takes the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from tui.screens.esc_modal import EscModal


@dataclass(frozen=True)
class CopyChoice:
    """One thing to copy: its letter, what it is, and whether there is one."""

    key: str
    label: str
    available: bool = True


class CopyModal(EscModal[str]):
    """Returns the letter of the choice, or None on Esc."""

    AUTO_FOCUS = "#copy-list"

    def __init__(self, choices: Sequence[CopyChoice]) -> None:
        super().__init__(classes="copy-modal")
        self.choices = tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label("Copy to the clipboard", classes="modal-title")
            options = [
                # Labels carry model text (a step's title): Content, never markup.
                Option(Content(f"{c.key}  {c.label}"), id=c.key, disabled=not c.available)
                for c in self.choices
            ]
            yield OptionList(*options, id="copy-list", markup=False)
            yield Label(
                "The letter, or Enter on the highlighted line · Esc cancels",
                classes="modal-label",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        first = next((i for i, c in enumerate(self.choices) if c.available), None)
        options.highlighted = first

    def on_key(self, event: events.Key) -> None:
        for choice in self.choices:
            if event.character == choice.key and choice.available:
                event.stop()
                self.dismiss(choice.key)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(event.option.id)
