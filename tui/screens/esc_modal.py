"""The modals that Esc closes with None (ask, copy, open a run, pick a model or a problem), and
the pickers among them, whose list's chosen line is returned."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList

T = TypeVar("T")


class EscModal(ModalScreen[T | None]):
    """Returns what the modal asks for, or None on Esc."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickerModal(EscModal[T]):
    """A modal listing `shown` in its OptionList (option ids: a letter and the index in `shown`):
    the line picked is returned."""

    shown: list[T]

    @on(OptionList.OptionSelected)  # its one list (a Select's own list keeps its events)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(self.shown[int(event.option.id[1:])])
