"""The sidebar's list of steps: kind, title, reward; selecting one jumps to it."""

from __future__ import annotations

from textual.content import Content, Span
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ponder.text import safe_text
from reasoning.events import Step
from tui.widgets.bands import format_reward, reward_band
from tui.widgets.step_block import step_label

LABEL_WIDTH = 28  # at the sidebar's full width
BADGE_WIDTH = 7  # " 0.85 ↩"


class StepList(OptionList):
    """One line per step; Enter or a click posts `Jump(index)`."""

    COMPONENT_CLASSES = OptionList.COMPONENT_CLASSES | {
        "step-list--continue",
        "step-list--adjust",
        "step-list--backtrack",
        "step-list--dim",
    }

    DEFAULT_CSS = """
    StepList > .step-list--continue { color: $success; text-style: bold; }
    StepList > .step-list--adjust { color: $warning; text-style: bold; }
    StepList > .step-list--backtrack { color: $error; text-style: bold; }
    StepList > .step-list--dim { color: $text-muted; }
    """

    class Jump(Message):
        """Show the step with this index in the chat pane."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._numbers: dict[int, int] = {}  # step index -> "step N" among the steps
        self._listed: set[int] = set()
        # What each line shows, to lay the lines out again when the width changes.
        self._shown: dict[int, tuple[str, str | None, float | None, bool]] = {}
        self._label_width = LABEL_WIDTH

    def reset(self, *, follow: bool = False) -> None:
        """Empty the list; `follow`: keep the latest step in view until the user moves."""
        self._numbers.clear()
        self._listed.clear()
        self._shown.clear()
        self.clear_options()
        self.anchor(follow)

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        label_width = min(LABEL_WIDTH, max(width - BADGE_WIDTH, 8)) if width else LABEL_WIDTH
        if label_width != self._label_width:
            self._label_width = label_width
            for index, shown in self._shown.items():
                self.replace_option_prompt(f"s{index}", self._prompt(index, *shown))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # The user is looking at a step: stop pulling the list to the latest one, unless it
        # is the latest one (End): then follow again.
        event.stop()
        if self.has_focus:
            self.anchor(event.option_index == self.option_count - 1)

    def step_started(self, index: int, kind: str, title: str | None = None) -> None:
        if kind == "step" and index not in self._numbers:
            self._numbers[index] = len(self._numbers) + 1
        self._shown[index] = (kind, title, None, False)
        prompt = self._prompt(index, kind, title, None, False)
        if index in self._listed:
            self.replace_option_prompt(f"s{index}", prompt)
        else:
            self._listed.add(index)
            self.add_option(Option(prompt, id=f"s{index}"))

    def step_finished(self, step: Step) -> None:
        if step.index not in self._listed:
            self.step_started(step.index, step.kind, step.title)
        self._shown[step.index] = (step.kind, step.title, step.reward, step.backtrack)
        self.replace_option_prompt(
            f"s{step.index}",
            self._prompt(step.index, step.kind, step.title, step.reward, step.backtrack),
        )

    def _prompt(
        self, index: int, kind: str, title: str | None, reward: float | None, backtrack: bool
    ) -> Content:
        label = step_label(kind, self._numbers.get(index), safe_text(title) if title else None)
        width = self._label_width
        if len(label) > width:
            label = label[: width - 1] + "…"
        text = f"{label:<{width}}"
        spans: list[Span] = []
        if kind == "thinking":
            spans.append(Span(0, len(text), ".step-list--dim"))
        if reward is not None:
            badge = f" {format_reward(reward)}{' ↩' if backtrack else ''}"
            spans.append(
                Span(len(text), len(text) + len(badge), f".step-list--{reward_band(reward)}")
            )
            text += badge
        return Content(text, spans=spans)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Jump(int(event.option.id[1:])))
