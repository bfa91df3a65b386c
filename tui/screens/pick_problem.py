"""A modal to pick a stored problem: a dataset, then one of its problems, with a search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList, Select
from textual.widgets.option_list import Option

from ponder.text import safe_text
from store.problems import Problem
from tui.screens.esc_modal import PickerModal

SHOWN = 200  # problems listed at once; the search narrows a larger set


def problem_line(p: Problem, width: int) -> str:
    """One line a problem: its key, its kind, the start of its text."""
    text = " ".join(safe_text(p.text).split())
    line = f"{safe_text(p.key):>6}  {(p.kind or '?'):<13} {text}"
    return line if len(line) <= width else line[: width - 1] + "…"


def matches(p: Problem, words: Sequence[str]) -> bool:
    """Every word of the search is in the problem's key or text (any case)."""
    hay = f"{p.key} {p.text}".casefold()
    return all(w in hay for w in words)


class ProblemPickerModal(PickerModal[Problem]):
    """Returns the chosen problem, or None on Esc. `load(dataset)` lists a dataset's problems."""

    def __init__(
        self, datasets: Sequence[dict[str, Any]], load: Any, dataset: str | None = None
    ) -> None:
        super().__init__(classes="pick-problem-modal")
        self.datasets = tuple(datasets)
        self.load = load
        names = [d["name"] for d in self.datasets]
        self.dataset = dataset if dataset in names else (names[0] if names else None)
        self.problems: list[Problem] = []
        self.shown: list[Problem] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box wide"):
            yield Label("Solve a stored problem", classes="modal-title")
            if not self.datasets:
                yield Label(
                    "No datasets yet: F10 imports a sheet (.xlsx .csv .jsonl .json).",
                    classes="modal-label",
                )
                return
            yield Select(
                [(f"{safe_text(d['name'])} ({d['problems']})", d["name"]) for d in self.datasets],
                value=self.dataset,
                allow_blank=False,
                id="problem-dataset",
            )
            yield Input(placeholder="search: words of the text or the key", id="problem-search")
            yield Label("", id="problem-count", markup=False)
            yield OptionList(id="problem-list", markup=False)

    def on_mount(self) -> None:
        if self.dataset is not None:
            self._load(self.dataset)
            self.query_one("#problem-search", Input).focus()

    def _load(self, dataset: str) -> None:
        self.dataset = dataset
        self.problems = list(self.load(dataset))
        self._filter(self.query_one("#problem-search", Input).value)

    def _filter(self, query: str) -> None:
        words = query.casefold().split()
        found = [p for p in self.problems if matches(p, words)]
        self.shown = found[:SHOWN]
        width = max(40, min(124, self.app.size.width - 14))
        options = self.query_one("#problem-list", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(problem_line(p, width)), id=f"p{i}") for i, p in enumerate(self.shown)
        )
        if self.shown:
            options.highlighted = 0
        total = len(self.problems)
        if not words:
            count = f"{total} problem{'s' if total != 1 else ''}"
        else:
            count = f"{len(found)} of {total} match"
        if len(found) > len(self.shown):
            count += f" (first {len(self.shown)} shown: search to narrow)"
        self.query_one("#problem-count", Label).update(
            count + " · Enter solves the highlighted one"
        )

    @on(Select.Changed, "#problem-dataset")
    def _dataset_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.dataset:
            self._load(event.value)

    @on(Input.Changed, "#problem-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter(event.value)

    @on(Input.Submitted, "#problem-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#problem-list", OptionList)
        if options.highlighted is not None and self.shown:
            self.dismiss(self.shown[options.highlighted])

    def on_key(self, event: Any) -> None:
        """↑/↓ in the search box move through the list, so a search and Enter is enough."""
        search = self.query("#problem-search")
        if not search or self.focused is not search.first():
            return
        if event.key in ("down", "up") and self.shown:
            event.stop()
            options = self.query_one("#problem-list", OptionList)
            current = options.highlighted or 0
            step = 1 if event.key == "down" else -1
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))
