"""One step of a run on screen: a header (kind, title, reward badge) over a streaming body."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content, Span
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ponder.text import safe_text
from reasoning.events import Step, StepKind
from tui.widgets.bands import format_reward, reward_band
from tui.widgets.block_split import complete_blocks_end
from tui.widgets.latex import MathStream, render_math
from tui.widgets.markdown_view import MarkdownView

KIND_LABELS: dict[str, str] = {
    "thinking": "Thinking",
    "step": "Step",
    "reflection": "Reflection",
    "answer": "Answer",
    "final_reflection": "Final reflection",
}


# A title's own numbering ("Step 5: check"): g1 models count reflections too, so beside our
# "Step 4" it would contradict the label.
_OWN_NUMBER = re.compile(r"^\s*step\s*\d+\s*[:.)\-–—]?\s*", re.IGNORECASE)


def step_label(kind: str, number: int | None, title: str | None) -> str:
    """ "Step 3 · Set up the equation", "Reflection", "Answer"."""
    label = KIND_LABELS.get(kind, kind.title())
    if kind == "step" and number is not None:
        label = f"{label} {number}"
    if title:
        title = _OWN_NUMBER.sub("", title, count=1).strip() or None
    # A title that only repeats the label ("Final answer", "Step 2") adds nothing.
    if title and title.strip().lower() not in (label.lower(), f"final {label.lower()}"):
        label = f"{label} · {title}"
    return label


@dataclass(frozen=True)
class HeaderInfo:
    """What a step header shows."""

    label: str
    collapsed: bool = False
    tag: str = ""  # "↩ backtrack", "abandoned", "cancelled"…
    budget_left: int | None = None
    reward: float | None = None


class StepHeader(Widget, can_focus=True):
    """The header line: fold mark and label on the left, tag, budget and reward badge right."""

    BINDINGS = [Binding("enter,space", "fold", "Fold", show=False)]
    COMPONENT_CLASSES = {
        "step-header--label",
        "step-header--tag",
        "step-header--budget",
        "step-header--continue",
        "step-header--adjust",
        "step-header--backtrack",
    }
    DEFAULT_CSS = """
    StepHeader { height: 1; width: 1fr; }
    StepHeader > .step-header--label { text-style: bold; }
    StepHeader > .step-header--tag { color: $text-warning; }
    StepHeader > .step-header--budget { color: $text-muted; }
    StepHeader > .step-header--continue { background: $success 30%; color: $text-success; text-style: bold; }
    StepHeader > .step-header--adjust { background: $warning 30%; color: $text-warning; text-style: bold; }
    StepHeader > .step-header--backtrack { background: $error 30%; color: $text-error; text-style: bold; }
    """

    info: reactive[HeaderInfo] = reactive(HeaderInfo(""), layout=False)

    class Toggle(Message):
        """Fold or unfold the block."""

    @property
    def band(self) -> str | None:
        """The reward band shown by the badge, if there is a reward."""
        reward = self.info.reward
        return reward_band(reward) if reward is not None else None

    def render(self) -> Content:
        info = self.info
        left = f"{'▶' if info.collapsed else '▼'} {info.label}"
        spans = [Span(0, len(left), ".step-header--label")]
        right: list[tuple[str, str]] = []
        if info.tag:
            right.append((info.tag, ".step-header--tag"))
        if info.budget_left is not None:
            right.append((f"budget {info.budget_left}", ".step-header--budget"))
        if info.reward is not None:
            right.append((f" ◆ {format_reward(info.reward)} ", f".step-header--{self.band}"))
        right_text = "  ".join(t for t, _ in right)
        room = max(self.size.width - len(right_text) - 1, 0)
        if len(left) > room:
            left = left[: max(room - 1, 0)] + "…"
            spans = [Span(0, len(left), ".step-header--label")]
        text = left.ljust(room + 1 if right_text else len(left))
        for part, style in right:
            if text and not text.endswith(" "):
                text += "  "
            spans.append(Span(len(text), len(text) + len(part), style))
            text += part
        return Content(text, spans=spans)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Toggle())

    def action_fold(self) -> None:
        self.post_message(self.Toggle())


class StepBlock(Vertical):
    """A step, reflection, answer… streaming in through `append`; `finish` sets its final form.

    Three widgets whatever its length: the header, and one MarkdownView for the body.
    Complete Markdown blocks (up to a blank line) are appended to the view once; the block
    still arriving is its tail, re-parsed alone each frame. A frame costs the tail.
    """

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
        self.settled = False  # finished and its final text shown
        self._source: list[str] = []  # the safe text so far, raw (LaTeX unconverted)
        self._pending: list[str] = []  # deltas not yet on screen
        self._math_stream = MathStream(raw=not math)
        self._tail = ""  # converted text of the block still arriving
        self._tag = ""
        self._ready = False  # mounted
        self._appended = False  # some complete blocks are in the view
        self._split_differs = False  # blocks parsed apart would render differently
        self._restream = False  # at the end, what streamed is the content

    def compose(self) -> ComposeResult:
        yield StepHeader()
        yield MarkdownView(classes="step-body")

    def on_mount(self) -> None:
        self._ready = True
        if self.finished:
            self._finalize()
        self._render_header()

    @property
    def body(self) -> MarkdownView:
        return self.query_one(MarkdownView)

    @property
    def header(self) -> StepHeader:
        return self.query_one(StepHeader)

    @property
    def text(self) -> str:
        """The (safe) text so far, or the step's final content once finished."""
        return "".join(self._source) + safe_text("".join(self._pending))

    def content(self) -> str:
        """The step's text as the model wrote it (LaTeX unconverted): what is copied."""
        if self.step is not None:
            return safe_text(self.step.content)
        return self.text

    def heading(self) -> str:
        """ "Step 3 · Set up the equation — budget 17 · reward 0.85 ↩ backtrack"."""
        label = step_label(self.kind, self.number, self.title_text)
        step = self.step
        extras = []
        if step is not None and step.kind == "step" and step.budget_left is not None:
            extras.append(f"budget {step.budget_left}")
        if step is not None and step.reward is not None:
            extras.append(f"reward {format_reward(step.reward)}")
        tag = "↩ backtrack" if step is not None and step.backtrack else self._tag
        if tag:
            extras.append(tag)
        return label + (f" — {' · '.join(extras)}" if extras else "")

    # -- streaming -----------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Queue streamed text; `flush` puts it on screen (the screen batches flushes)."""
        if not self.finished:
            self._pending.append(text)

    @property
    def has_pending(self) -> bool:
        return bool(self._pending)

    def flush(self) -> None:
        """Show the queued text: complete blocks appended to the view, the rest as its tail."""
        if not self._pending or not self._ready or self.finished:
            return
        chunk = safe_text("".join(self._pending))
        self._pending.clear()
        self._source.append(chunk)
        self._show(self._tail + self._math_stream.feed(chunk))

    def _show(self, text: str, *, final: bool = False) -> None:
        cut = len(text) if final else complete_blocks_end(text)
        body = self.body
        if cut:
            # Blocks parsed apart from what precedes them differ only when they continue
            # it (an indented line continuing a list item): then the end renders it whole.
            if self._appended and text[:1] in (" ", "\t"):
                self._split_differs = True
            self._appended = True
            body.append(text[:cut])
        self._tail = text[cut:]
        body.set_tail(self._tail)

    def finish(self, step: Step) -> None:
        """The step ended: badge, marks, and the rest of its content on screen."""
        self.step = step
        if step.title and not self.title_text:
            self.title_text = safe_text(step.title)
        final = safe_text(step.content)
        rest = safe_text("".join(self._pending))
        self._pending.clear()
        streamed = "".join(self._source) + rest
        # What streamed is the content: show the rest. Otherwise render the content anew.
        self._restream = self.streaming and self._ready and streamed.strip() == final.strip()
        if self._restream:
            self._tail += self._math_stream.feed(rest)
        self._source = [final]
        self.finished = True
        if self._ready:
            self._finalize()

    def stop(self, tag: str) -> None:
        """The run ended with this step unfinished (cancelled, failed): keep its text, tag it."""
        if self.finished:
            return
        rest = safe_text("".join(self._pending))
        self._pending.clear()
        self._source.append(rest)
        self._restream = self._ready
        if self._restream:
            self._tail += self._math_stream.feed(rest)
        self.finished = True
        self._tag = tag
        self.add_class("-stopped")
        if self._ready:
            self._finalize()

    def _finalize(self) -> None:
        if self._restream and not self._split_differs:
            self._show(self._tail + self._math_stream.flush(), final=True)
        else:
            self._render_body()  # the one full render of the step
        if self.step is not None and self.step.backtrack:
            self.add_class("-backtrack")
        self._render_header()
        self.settled = True

    # -- presentation --------------------------------------------------------------------

    def set_math(self, math: bool) -> None:
        """Readable math on or off (raw LaTeX shown verbatim as code)."""
        if math == self.math:
            return
        self.math = math
        self._math_stream.raw = not math
        if self.finished and self._ready:
            self._render_body()

    def mark_abandoned(self) -> None:
        """A later reflection backtracked from this step."""
        self.add_class("-abandoned")
        self._tag = self._tag or "abandoned"
        self._render_header()

    def _render_body(self) -> None:
        self.body.update(render_math("".join(self._source), raw=not self.math))

    def _render_header(self) -> None:
        if not self._ready:
            return
        step = self.step
        tag = "↩ backtrack" if step is not None and step.backtrack else self._tag
        budget = None
        if step is not None and step.kind == "step":
            budget = step.budget_left
        self.header.info = HeaderInfo(
            label=step_label(self.kind, self.number, self.title_text),
            collapsed=self.collapsed,
            tag=tag,
            budget_left=budget,
            reward=step.reward if step is not None else None,
        )

    def watch_collapsed(self, collapsed: bool) -> None:
        self.set_class(collapsed, "-collapsed")
        self._render_header()

    def on_step_header_toggle(self, event: StepHeader.Toggle) -> None:
        event.stop()
        self.collapsed = not self.collapsed
