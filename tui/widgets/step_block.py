"""One step of a run on screen: a header (kind, title, reward badge) over a streaming body."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownStream

from reasoning.events import Step, StepKind
from tui.commands.common import safe_text
from tui.widgets.bands import format_reward, reward_band
from tui.widgets.latex import MathStream, render_math
from tui.widgets.safe_markdown import SafeMarkdown

KIND_LABELS: dict[str, str] = {
    "thinking": "Thinking",
    "step": "Step",
    "reflection": "Reflection",
    "answer": "Answer",
    "final_reflection": "Final reflection",
}


def step_label(kind: str, number: int | None, title: str | None) -> str:
    """ "Step 3 · Set up the equation", "Reflection", "Answer"."""
    label = KIND_LABELS.get(kind, kind.title())
    if kind == "step" and number is not None:
        label = f"{label} {number}"
    if title:
        label = f"{label} · {title}"
    return label


class StepHeader(Horizontal, can_focus=True):
    """The clickable header line of a step block; Enter or a click folds the body."""

    BINDINGS = [Binding("enter,space", "fold", "Fold", show=False)]

    class Toggle(Message):
        """Fold or unfold the block."""

    def compose(self) -> ComposeResult:
        yield Label(id="step-title", markup=False)
        yield Label(id="step-tag", markup=False)
        yield Label(id="step-budget", markup=False)
        yield Label(id="step-badge", markup=False)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Toggle())

    def action_fold(self) -> None:
        self.post_message(self.Toggle())


class StepBlock(Vertical):
    """A step, reflection, answer… streaming in through `append`; `finish` sets its final form."""

    class Finalized(Message):
        """The block's final text is on screen."""

        def __init__(self, block: StepBlock) -> None:
            super().__init__()
            self.block = block

    collapsed: reactive[bool] = reactive(False)

    def __init__(
        self,
        index: int,
        kind: StepKind,
        *,
        number: int | None = None,
        title: str | None = None,
        math: bool = True,
        streaming: bool = True,
    ) -> None:
        super().__init__(classes=f"step-block -{kind.replace('_', '-')}")
        self.index = index
        self.kind: StepKind = kind
        self.number = number
        self.title_text = safe_text(title) if title else None
        self.step: Step | None = None
        self.math = math
        self.streaming = streaming
        self.finished = False
        self._source: list[str] = []  # the safe text so far, raw (LaTeX unconverted)
        self._pending: list[str] = []  # deltas not yet on screen
        self._math_stream = MathStream(raw=not math)
        self._stream: MarkdownStream | None = None
        self._tag = ""
        self._ready = False  # mounted, with its body ready for text
        self.settled = False  # finished and its final text rendered

    # -- composition ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StepHeader()
        yield SafeMarkdown(classes="step-body")

    def on_mount(self) -> None:
        self._ready = True
        if self.finished:
            self.call_later(self._finalize)
        elif self.streaming:
            self._stream = Markdown.get_stream(self.body)
            self.add_class("-streaming")
        self._render_header()

    @property
    def body(self) -> SafeMarkdown:
        return self.query_one(SafeMarkdown)

    @property
    def text(self) -> str:
        """The (safe) text so far, or the step's final content once finished."""
        return "".join(self._source) + safe_text("".join(self._pending))

    # -- streaming -----------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Queue streamed text; `flush` puts it on screen (the screen batches flushes)."""
        if not self.finished:
            self._pending.append(text)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    async def flush(self) -> None:
        """Show the queued text: one Markdown append for everything since the last flush."""
        if not self._pending or self._stream is None or self.finished:
            return
        chunk = safe_text("".join(self._pending))
        self._pending.clear()
        self._source.append(chunk)
        shown = self._math_stream.feed(chunk)
        if shown:
            await self._stream.write(shown)

    def finish(self, step: Step) -> None:
        """The step ended: badge, marks, and one final render of its whole content."""
        self.step = step
        self.finished = True
        self._pending.clear()
        if step.title and not self.title_text:
            self.title_text = safe_text(step.title)
        self._source = [safe_text(step.content)]
        if self._ready:
            self.call_later(self._finalize)

    def stop(self, tag: str) -> None:
        """The run ended with this step unfinished (cancelled, failed): keep its text, tag it."""
        if self.finished:
            return
        self._source.append(safe_text("".join(self._pending)))
        self._pending.clear()
        self.finished = True
        self._tag = tag
        self.add_class("-stopped")
        if self._ready:
            self.call_later(self._finalize)

    async def _finalize(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        self.remove_class("-streaming")
        if self.step is not None:
            self.set_class(self.step.backtrack, "-backtrack")
        self._render_header()
        await self._render_body()
        self.settled = True
        self.post_message(self.Finalized(self))

    # -- presentation --------------------------------------------------------------------

    async def set_math(self, math: bool) -> None:
        """Readable math on or off (raw LaTeX shown verbatim as code)."""
        if math == self.math:
            return
        self.math = math
        self._math_stream.raw = not math
        if self.finished and self._ready:
            await self._render_body()

    def mark_abandoned(self) -> None:
        """A later reflection backtracked from this step."""
        self.add_class("-abandoned")
        self._tag = self._tag or "abandoned"
        self._render_header()

    async def _render_body(self) -> None:
        text = "".join(self._source)
        await self.body.update(render_math(text, raw=not self.math))

    def _render_header(self) -> None:
        if not self._ready:
            return
        header = self.query_one(StepHeader)
        symbol = "▶" if self.collapsed else "▼"
        label = step_label(self.kind, self.number, self.title_text)
        header.query_one("#step-title", Label).update(Content(f"{symbol} {label}"))
        step = self.step
        tag = self._tag
        if step is not None and step.backtrack:
            tag = "↩ backtrack"
        header.query_one("#step-tag", Label).update(Content(tag))
        budget = header.query_one("#step-budget", Label)
        if step is not None and step.kind == "step" and step.budget_left is not None:
            budget.update(Content(f"budget {step.budget_left}"))
        else:
            budget.update(Content(""))
        badge = header.query_one("#step-badge", Label)
        badge.remove_class("-high", "-mid", "-low")
        if step is not None and step.reward is not None:
            badge.update(Content(f" ◆ {format_reward(step.reward)} "))
            badge.add_class(f"-{reward_band(step.reward)}")
            badge.display = True
        else:
            badge.display = False

    def watch_collapsed(self, collapsed: bool) -> None:
        self.set_class(collapsed, "-collapsed")
        self._render_header()

    def on_step_header_toggle(self, event: StepHeader.Toggle) -> None:
        event.stop()
        self.collapsed = not self.collapsed
