"""Table cells for runs: status, reward, grade and one-line text, always `Text` (never markup)."""

from __future__ import annotations

from rich.text import Text

from ponder.text import safe_text
from tui.widgets.bands import format_reward, reward_band

_STATUS_STYLE = {
    "done": "green",
    "failed": "bold red",
    "cancelled": "yellow",
    "interrupted": "yellow",
    "running": "cyan",
}
_BAND_STYLE = {"continue": "green", "adjust": "yellow", "backtrack": "red"}
_VERDICT = {
    "full": ("✓", "bold green"),
    "partial": ("◐", "yellow"),
    "zero": ("✗", "red"),
    "needs_human": ("?", "magenta"),
}


def one_line(text: str | None, width: int | None = None) -> str:
    """Model or user text on one line, control sequences stripped, cut to `width` with '…'."""
    line = " ".join(safe_text(text or "").split())
    if width is not None and len(line) > width:
        line = line[: max(0, width - 1)] + "…"
    return line


def text_cell(text: str | None, width: int | None = None, style: str = "") -> Text:
    return Text(one_line(text, width), style=style, no_wrap=True, overflow="ellipsis")


def problem_label(problem: str | None, width: int) -> str:
    """ "dataset:key" cut in the dataset's name, so the key (what tells rows apart) stays."""
    text = one_line(problem)
    if len(text) <= width or ":" not in text:
        return one_line(text, width)
    dataset, _, key = text.rpartition(":")
    room = width - len(key) - 2
    if room < 3:
        return one_line(text, width)
    return f"{dataset[:room]}…:{key}"


def status_cell(status: str) -> Text:
    return Text(status, style=_STATUS_STYLE.get(status, ""))


def reward_cell(reward: float | None) -> Text:
    if reward is None:
        return Text("–", style="dim")
    return Text(format_reward(reward), style=_BAND_STYLE[reward_band(reward)])


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def grade_label(
    verdict: str | None,
    score: float | None,
    points: float | None = None,
    max_points: float | None = None,
) -> str:
    """ "✓ full", "◐ 0.5", "◐ 7/10", "✗ zero", "? human", or "–" when ungraded."""
    if verdict is None:
        return "–"
    glyph, _ = _VERDICT.get(verdict, ("·", ""))
    if verdict == "needs_human":
        return f"{glyph} needs human"
    if points is not None and max_points is not None:
        return f"{glyph} {_num(points)}/{_num(max_points)}"
    if verdict == "partial" and score is not None:
        return f"{glyph} {_num(score)}"
    return f"{glyph} {verdict}"


def grade_cell(
    verdict: str | None,
    score: float | None,
    points: float | None = None,
    max_points: float | None = None,
    *,
    grader: str | None = None,
    disagrees: bool = False,
) -> Text:
    """The effective grade, who gave it (human, auto, llm), and ≠ when auto and human differ."""
    if verdict is None:
        return Text("–", style="dim")
    _, style = _VERDICT.get(verdict, ("·", ""))
    cell = Text(grade_label(verdict, score, points, max_points), style=style)
    if grader and verdict != "needs_human":
        cell.append(f" {grader}", style="dim")
    if disagrees:
        cell.append(" ≠", style="bold magenta")
    return cell
