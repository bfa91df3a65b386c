"""A modal to choose the model: the ones the endpoint offers, or any name typed in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ponder.text import safe_text
from tui.screens.esc_modal import PickerModal


class ModelPickerModal(PickerModal[str]):
    """Returns the model name (picked from the list or typed), or None on Esc.

    `fetch` lists the endpoint's models; None when there is no provider to ask."""

    def __init__(
        self,
        current: str,
        endpoint: str,
        fetch: Callable[[], Awaitable[list[str]]] | None,
        *,
        title: str = "Model",
    ) -> None:
        super().__init__(classes="pick-model-modal")
        self.title_text = title
        self.current = current
        self.endpoint = endpoint
        self.fetch = fetch
        self.models: list[str] = []
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(self.title_text, classes="modal-title", markup=False)
            yield Label(Content(f"Endpoint: {safe_text(self.endpoint)}"), id="model-endpoint")
            yield Input(
                safe_text(self.current),
                placeholder="a model name, e.g. claude-sonnet-4-5, gpt-4o, llama3.1",
                id="model-name",
            )
            yield Label(
                "Asking the endpoint for its models…" if self.fetch else "No provider to ask.",
                id="model-status",
                markup=False,
            )
            yield OptionList(id="model-list", markup=False)

    def on_mount(self) -> None:
        self.query_one("#model-name", Input).focus()
        if self.fetch is not None:
            self.run_worker(self._load(self.fetch), exclusive=True, exit_on_error=False)

    async def _load(self, fetch: Callable[[], Awaitable[list[str]]]) -> None:
        status = self.query_one("#model-status", Label)
        try:
            models = await fetch()
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            status.update(safe_text(f"{message} — type a name and press Enter."))
            return
        self.models = sorted(dict.fromkeys(safe_text(m) for m in models if m))
        self._filter("")

    def _filter(self, query: str) -> None:
        needle = query.strip().casefold()
        # The current name typed in full filters nothing: the list is for choosing another.
        if needle == self.current.casefold():
            needle = ""
        self.shown = [m for m in self.models if needle in m.casefold()]
        options = self.query_one("#model-list", OptionList)
        options.clear_options()
        options.add_options(Option(Content(m), id=f"m{i}") for i, m in enumerate(self.shown))
        n = len(self.models)
        if not self.models:
            text = "The endpoint lists no models — type a name and press Enter."
        elif needle:
            text = f"{len(self.shown)} of {n} models match · ↓ to choose, Enter keeps what is typed"
        else:
            text = f"{n} model{'s' if n != 1 else ''} · ↓ to choose, Enter keeps what is typed"
        self.query_one("#model-status", Label).update(text)

    @on(Input.Changed, "#model-name")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.models:
            self._filter(event.value)

    @on(Input.Submitted, "#model-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if name:
            self.dismiss(name)

    def on_key(self, event: Any) -> None:
        """↓ from the name goes to the list."""
        if event.key == "down" and self.shown and isinstance(self.focused, Input):
            event.stop()
            options = self.query_one("#model-list", OptionList)
            options.focus()
            options.highlighted = 0
