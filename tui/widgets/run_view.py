"""One run in the chat pane: the prompt, its step blocks as they stream, and how it ended."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from ponder.text import safe_text
from reasoning.events import RunResult, Step, StepKind
from tui.widgets.bands import format_elapsed, format_reward
from tui.widgets.latex import render_math
from tui.widgets.markdown_view import MarkdownView
from tui.widgets.step_block import StepBlock

STATUS_MARKS = {
    "running": "●",
    "done": "✓",
    "failed": "✗",
    "cancelled": "■",
    "interrupted": "■",
}


class RunView(Vertical):
    """The prompt, then one StepBlock per step; `end` writes the outcome line."""

    def __init__(self, prompt: str, *, meta: str = "", math: bool = True) -> None:
        super().__init__(classes="run-view")
        self.prompt = safe_text(prompt)
        self.math = math
        self.blocks: dict[int, StepBlock] = {}
        self.status = "running"
        self._steps_taken = 0  # numbers "Step N" among the steps only
        self._meta = Static(Content(meta), classes="run-meta", markup=False)
        self._prompt = MarkdownView(render_math(self.prompt, raw=not math), classes="prompt-text")
        self._end = Static("", classes="run-end", markup=False)
        self._early: list[Widget] = []  # blocks and notes added before this view was mounted
        self._ready = False
        self.run_id: int | None = None  # once the store has it
        self.meta = meta
        self.notes: list[tuple[int, str]] = []  # (the last step index before it, the note)
        self.outcome = ""  # the end line's text, once ended

    def compose(self) -> ComposeResult:
        with Vertical(classes="run-prompt"):
            yield self._meta
            yield self._prompt
        yield self._end

    def on_mount(self) -> None:
        # compose has mounted the children: blocks can go in before the end line now.
        self._ready = True
        early, self._early = self._early, []
        if early:
            self.mount_all(early, before=self._end)

    def set_meta(self, meta: str) -> None:
        self.meta = meta
        self._meta.update(Content(meta))

    # -- steps ---------------------------------------------------------------------------

    def start_step(
        self, index: int, kind: StepKind, title: str | None = None, *, streaming: bool = True
    ) -> StepBlock:
        """Add a block for a step that has just started (or replace one with that index)."""
        old = self.blocks.get(index)
        if old is not None:
            if old in self._early:
                self._early.remove(old)
            else:
                old.remove()
        number = None
        if kind == "step":
            self._steps_taken += 1
            number = self._steps_taken
        block = StepBlock(
            index, kind, number=number, title=title, math=self.math, streaming=streaming
        )
        self.blocks[index] = block
        if self._ready:
            self.mount(block, before=self._end)
        else:
            self._early.append(block)
        return block

    def add_notice(self, message: str) -> None:
        """A line from the engine where it happened ("final answer refused at step 4"): it
        explains what the run did next, so it stays in the transcript, not in a passing toast."""
        self.notes.append((max(self.blocks, default=0), safe_text(message)))
        note = Static(Content(f"⚠ {safe_text(message)}"), classes="run-notice", markup=False)
        if self._ready:
            self.mount(note, before=self._end)
        else:
            self._early.append(note)

    def block(self, index: int) -> StepBlock | None:
        return self.blocks.get(index)

    def open_blocks(self) -> list[StepBlock]:
        return [b for b in self.blocks.values() if not b.finished]

    def add_finished(self, step: Step) -> StepBlock:
        """A stored step, shown as it was recorded (no streaming)."""
        block = self.start_step(step.index, step.kind, step.title, streaming=False)
        block.finish(step)
        return block

    def mark_backtrack(self, reflection: Step) -> None:
        """Dim the steps a backtracking reflection rejected (since the previous reflection)."""
        for index in sorted(self.blocks, reverse=True):
            if index >= reflection.index:
                continue
            block = self.blocks[index]
            if block.kind in ("reflection", "final_reflection"):
                break
            if block.kind == "step":
                block.mark_abandoned()

    # -- the end -------------------------------------------------------------------------

    def end(self, result: RunResult | None, status: str, *, note: str = "") -> None:
        """Write the outcome line; unfinished blocks keep their text, tagged with the status."""
        self.status = status
        for block in self.open_blocks():
            block.stop(status)
        parts = [f"{STATUS_MARKS.get(status, '•')} {status}"]
        if result is not None:
            if result.stop_reason and result.stop_reason != status:
                parts.append(f"stop: {result.stop_reason}")
            if result.final_reward is not None:
                parts.append(f"final reward {format_reward(result.final_reward)}")
            parts.append(format_elapsed(result.elapsed_s))
            if result.error:
                parts.append(safe_text(result.error))
        if note:
            parts.append(safe_text(note))
        line = self._end
        self.outcome = "  ·  ".join(parts)
        line.update(Content(self.outcome))
        for name in STATUS_MARKS:
            line.set_class(name == status, f"-{name}")

    def add_to_end(self, text: str) -> None:
        """Add to the outcome line (a stored problem's automatic grade and reference)."""
        self.outcome = "  ·  ".join(p for p in (self.outcome, safe_text(text)) if p)
        self._end.update(Content(self.outcome))

    def set_math(self, math: bool) -> None:
        self.math = math
        self._prompt.update(render_math(self.prompt, raw=not math))
        for block in self.blocks.values():
            block.set_math(math)

    # -- copying -------------------------------------------------------------------------

    def transcript(self) -> str:
        """The run as Markdown, as the model wrote it (LaTeX as source): its header line, the
        prompt, each step under its label with budget and reward, notices, and how it ended."""
        parts = [self.meta, f"## Prompt\n\n{self.prompt}"]
        notes = list(self.notes)
        for index in sorted(self.blocks):
            while notes and notes[0][0] < index:
                parts.append(f"> ⚠ {notes.pop(0)[1]}")
            block = self.blocks[index]
            parts.append(f"## {block.heading()}\n\n{block.content().strip()}")
        parts += [f"> ⚠ {note}" for _, note in notes]
        if self.outcome:
            parts.append(self.outcome)
        return "\n\n".join(p for p in parts if p) + "\n"
