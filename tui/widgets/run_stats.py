"""The sidebar's numbers: elapsed time, tokens in/out/cached, cost, calls, stop reason."""

from __future__ import annotations

from textual.content import Content, Span
from textual.widgets import Static

from reasoning.events import Usage
from tui.widgets.bands import format_cost, format_elapsed, format_tokens


class RunStats(Static):
    """A small table of the run's totals; an unknown cost shows as "?"."""

    COMPONENT_CLASSES = {"run-stats--key"}

    DEFAULT_CSS = """
    RunStats { height: auto; }
    RunStats > .run-stats--key { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.elapsed_s = 0.0
        self.usage = Usage()
        self.calls = 0
        self.cost_usd: float | None = 0.0
        self.stop_reason: str | None = None
        self.status: str | None = None
        self.active = False  # a run is on show

    def reset(self) -> None:
        self.elapsed_s, self.usage, self.calls, self.cost_usd = 0.0, Usage(), 0, 0.0
        self.stop_reason = self.status = None
        self.active = True
        self.show()

    def clear(self) -> None:
        """No run on show."""
        self.active = False
        self.show()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        if not self.active:
            self.update(Content("no run yet"))
            return
        rows = [
            ("Elapsed", format_elapsed(self.elapsed_s)),
            (
                "Tokens",
                f"in {format_tokens(self.usage.input_tokens)} · "
                f"out {format_tokens(self.usage.output_tokens)}",
            ),
            (
                "Cached",
                f"read {format_tokens(self.usage.cache_read_tokens)} · "
                f"write {format_tokens(self.usage.cache_write_tokens)}",
            ),
            ("Cost", format_cost(self.cost_usd)),
            ("Calls", str(self.calls)),
        ]
        if self.status is not None:
            rows.append(("Status", self.status))
        if self.stop_reason is not None:
            rows.append(("Stop", self.stop_reason))
        text, spans, pos = [], [], 0
        for key, value in rows:
            line = f"{key:<8} {value}\n"
            spans.append(Span(pos, pos + len(key), ".run-stats--key"))
            text.append(line)
            pos += len(line)
        self.update(Content("".join(text).rstrip("\n"), spans=spans))
