"""The reward curve: one bar per reward on an absolute 0–1 scale, coloured by band."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content, Span
from textual.reactive import reactive
from textual.widget import Widget

from tui.widgets.bands import reward_band

_BARS = " ▁▂▃▄▅▆▇█"


class RewardCurve(Widget):
    """Rewards over steps. Unlike Sparkline (scaled to min–max), 0.9 and 0.95 look alike here."""

    COMPONENT_CLASSES = {
        "reward-curve--continue",
        "reward-curve--adjust",
        "reward-curve--backtrack",
    }

    DEFAULT_CSS = """
    RewardCurve { height: 3; }
    RewardCurve > .reward-curve--continue { color: $success; }
    RewardCurve > .reward-curve--adjust { color: $warning; }
    RewardCurve > .reward-curve--backtrack { color: $error; }
    """

    rewards: reactive[tuple[float, ...]] = reactive(tuple, layout=False)

    def set_rewards(self, rewards: Sequence[float]) -> None:
        self.rewards = tuple(rewards)

    def render(self) -> Content:
        height = max(1, self.size.height)
        width = max(1, self.size.width)
        if not self.rewards:
            return Content("no rewards yet")
        gap = 1 if len(self.rewards) * 2 <= width else 0
        fit = width // (1 + gap)
        shown = self.rewards[-fit:]  # the latest rewards when there are more than columns
        levels = (len(_BARS) - 1) * height
        rows: list[list[tuple[str, str]]] = [[] for _ in range(height)]
        for reward in shown:
            filled = max(1, round(min(max(reward, 0.0), 1.0) * levels))
            style = f".reward-curve--{reward_band(reward)}"
            for y in range(height):
                # y 0 is the top line; each line holds len(_BARS) - 1 levels
                below = (height - 1 - y) * (len(_BARS) - 1)
                part = min(max(filled - below, 0), len(_BARS) - 1)
                rows[y].append((_BARS[part], style))
                if gap:
                    rows[y].append((" ", ""))
        text: list[str] = []
        spans: list[Span] = []
        pos = 0
        for r, row in enumerate(rows):
            if r:
                text.append("\n")
                pos += 1
            for ch, style in row:
                text.append(ch)
                if style:
                    spans.append(Span(pos, pos + 1, style))
                pos += 1
        return Content("".join(text), spans=spans)
