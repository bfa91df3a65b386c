"""A modal to pick a stored run: recent runs from the store, or a run id typed in."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ponder.text import safe_text
from store.queries import RunSummary
from tui.screens.esc_modal import EscModal
from tui.widgets.bands import format_reward

_STATUS = {"done": "✓", "failed": "✗", "cancelled": "■", "interrupted": "■", "running": "●"}


def summary_line(s: RunSummary, width: int = 110) -> str:
    """One line per run: id, status, paradigm, model, reward, answer or problem."""
    reward = format_reward(s.final_reward) if s.final_reward is not None else "  –  "
    what = s.problem or ""
    answer = (s.answer or "").replace("\n", " ")
    line = (
        f"#{s.run_id:<5} {_STATUS.get(s.status, '?')} {s.status:<11} {s.paradigm or '':<6} "
        f"{(s.model or '')[:24]:<24} {reward}  {(s.started_at or '')[:16]:<16}  {what}"
        f"{' → ' if answer else ''}{answer}"
    )
    return safe_text(line)[:width]


class OpenRunModal(EscModal[int]):
    """Returns the chosen run id, or None on Esc."""

    def __init__(self, runs: Sequence[RunSummary]) -> None:
        super().__init__(classes="open-run-modal")
        self.runs = tuple(runs)

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box wide"):
            yield Label("Open a stored run (read-only)", classes="modal-title")
            yield Input(
                placeholder="run id, then Enter — or pick below", id="run-id", type="integer"
            )
            if self.runs:
                # One line a run, cut to the box (its border, padding and the list's scrollbar).
                width = max(40, min(110, self.app.size.width - 14))
                yield OptionList(
                    *(
                        Option(Content(summary_line(s, width)), id=f"r{s.run_id}")
                        for s in self.runs
                    ),
                    id="run-list",
                    markup=False,
                )
            else:
                yield Label("No stored runs yet.", classes="modal-label")
            yield Label("", id="modal-error", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip().lstrip("#")
        if not value.isdigit():
            self.query_one("#modal-error", Label).update(Content("A run id is a number."))
            return
        self.dismiss(int(value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(int(event.option.id[1:]))
