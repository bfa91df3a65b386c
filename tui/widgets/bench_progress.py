"""A bench configuration's progress bar (the counts come from store.benchq.bench_progress)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, ProgressBar

from store.benchq import ConfigProgress
from tui.widgets.run_cells import one_line


class ConfigBar(Vertical):
    """A configuration's label, progress bar and counts on one line; on a narrow screen (see
    BenchScreen's CSS) the label on a line of its own above the bar and the counts."""

    DEFAULT_CSS = """
    ConfigBar { height: auto; }
    ConfigBar .config-title { display: none; width: 1fr; }
    ConfigBar .config-row { height: auto; }
    ConfigBar .config-label { width: 32; }
    ConfigBar ProgressBar { width: 40%; min-width: 12; }
    ConfigBar ProgressBar Bar { width: 1fr; }
    ConfigBar .config-counts { width: 1fr; height: auto; margin-left: 1; color: $text-muted; }
    """

    def __init__(self, model: str, paradigm: str) -> None:
        super().__init__(classes="config-bar")
        self.model = model
        self.paradigm = paradigm
        self.name_text = f"{one_line(self.model, 24)} · {self.paradigm}"

    def compose(self) -> ComposeResult:
        yield Label(Content(self.name_text), classes="config-title", markup=False)
        with Horizontal(classes="config-row"):
            yield Label(Content(self.name_text), classes="config-label", markup=False)
            yield ProgressBar(total=None, show_eta=False)
            yield Label("", classes="config-counts", markup=False)

    def show(self, p: ConfigProgress, expected: int) -> None:
        """Finished (done or failed) of `expected` problems, and the counts in words."""
        total = max(expected, p.problems, 1)
        self.query_one(ProgressBar).update(total=total, progress=p.finished)
        parts = [f"{p.done}/{total} done"]
        if p.failed:
            parts.append(f"{p.failed} failed")
        if p.running:
            parts.append(f"{p.running} running")
        if p.stopped:
            parts.append(f"{p.stopped} stopped")
        parts.append(f"{p.graded} graded")
        if p.needs_human:
            parts.append(f"{p.needs_human} need a human")
        self.query_one(".config-counts", Label).update(Content(" · ".join(parts)))
