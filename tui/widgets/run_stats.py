"""The sidebar's numbers: elapsed time, tokens in/out/cached, cost, calls, stop reason."""

from __future__ import annotations

from textual.content import Content, Span
from textual.widget import Widget

from reasoning.events import Usage
from tui.widgets.bands import format_cost, format_elapsed, format_tokens

ROWS = 7  # elapsed, tokens, cached, cost, calls, status, stop


class RunStats(Widget):
    """A small table of the run's totals; an unknown cost shows as "?".

    Fixed height and a plain repaint on change: the clock ticks several times a second,
    and a Static's update would re-lay out the whole screen each time.
    """

    COMPONENT_CLASSES = {"run-stats--key"}

    DEFAULT_CSS = f"""
    RunStats {{ height: {ROWS}; }}
    RunStats > .run-stats--key {{ color: $text-muted; }}
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.elapsed_s = 0.0
        self.usage = Usage()
        self.calls = 0
        self.cost_usd: float | None = 0.0
        self.stop_reason: str | None = None
        self.status: str | None = None
        self.active = False  # a run is on show
        # Tokens and cost are an estimate (a call still streaming, or cut off by a cancel).
        self.estimated = False

    def reset(self) -> None:
        self.elapsed_s, self.usage, self.calls, self.cost_usd = 0.0, Usage(), 0, 0.0
        self.stop_reason = self.status = None
        self.estimated = False
        self.active = True
        self.show()

    def clear(self) -> None:
        """No run on show."""
        self.active = False
        self.show()

    def show(self) -> None:
        self.refresh()

    def render(self) -> Content:
        if not self.active:
            return Content("no run yet")
        about = "≈ " if self.estimated else ""
        rows = [
            ("Elapsed", format_elapsed(self.elapsed_s)),
            (
                "Tokens",
                f"{about}in {format_tokens(self.usage.input_tokens)} · "
                f"out {format_tokens(self.usage.output_tokens)}",
            ),
            (
                "Cached",
                f"read {format_tokens(self.usage.cache_read_tokens)} · "
                f"write {format_tokens(self.usage.cache_write_tokens)}",
            ),
            ("Cost", about + format_cost(self.cost_usd)),
            ("Calls", str(self.calls)),
        ]
        if self.status is not None:
            rows.append(("Status", self.status))
        if self.stop_reason is not None:
            rows.append(("Stop", self.stop_reason))
        text: list[str] = []
        spans: list[Span] = []
        pos = 0
        for key, value in rows:
            line = f"{key:<8} {value}\n"
            spans.append(Span(pos, pos + len(key), ".run-stats--key"))
            text.append(line)
            pos += len(line)
        return Content("".join(text).rstrip("\n"), spans=spans)
