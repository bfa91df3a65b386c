"""The sidebar's list of steps: kind, title, reward; selecting one jumps to it."""

from __future__ import annotations

from textual.content import Content, Span
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reasoning.events import Step
from tui.commands.common import safe_text
from tui.widgets.bands import format_reward, reward_band
from tui.widgets.step_block import step_label

LABEL_WIDTH = 28


class StepList(OptionList):
    """One line per step; Enter or a click posts `Jump(index)`."""

    COMPONENT_CLASSES = OptionList.COMPONENT_CLASSES | {
        "step-list--high",
        "step-list--mid",
        "step-list--low",
        "step-list--dim",
    }

    DEFAULT_CSS = """
    StepList > .step-list--high { color: $success; text-style: bold; }
    StepList > .step-list--mid { color: $warning; text-style: bold; }
    StepList > .step-list--low { color: $error; text-style: bold; }
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

    def reset(self) -> None:
        self._numbers.clear()
        self._listed.clear()
        self.clear_options()

    def step_started(self, index: int, kind: str, title: str | None = None) -> None:
        if kind == "step" and index not in self._numbers:
            self._numbers[index] = len(self._numbers) + 1
        prompt = self._prompt(index, kind, title, None, False)
        if index in self._listed:
            self.replace_option_prompt(f"s{index}", prompt)
        else:
            self._listed.add(index)
            self.add_option(Option(prompt, id=f"s{index}"))

    def step_finished(self, step: Step) -> None:
        if step.index not in self._listed:
            self.step_started(step.index, step.kind, step.title)
        self.replace_option_prompt(
            f"s{step.index}",
            self._prompt(step.index, step.kind, step.title, step.reward, step.backtrack),
        )

    def _prompt(
        self, index: int, kind: str, title: str | None, reward: float | None, backtrack: bool
    ) -> Content:
        label = step_label(kind, self._numbers.get(index), safe_text(title) if title else None)
        if len(label) > LABEL_WIDTH:
            label = label[: LABEL_WIDTH - 1] + "…"
        text = f"{label:<{LABEL_WIDTH}}"
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
