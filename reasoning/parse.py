"""Incremental, tolerant parser for the dcot tag protocol.

Feed it deltas as they stream; it returns events as tags open and close. Work per delta is
proportional to the delta (plus a held-back tail shorter than the longest tag), so parsing a
whole transcript is linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["thinking", "step", "reflection", "answer"]
BLOCKS: tuple[BlockKind, ...] = ("thinking", "step", "reflection", "answer")
VALUES = ("count", "reward")
_NAMES = BLOCKS + VALUES

_TAG = re.compile(r"<\s*(/?)\s*(thinking|step|count|reflection|reward|answer)\s*>", re.IGNORECASE)
# A '<' near the end that may still become a tag once more text arrives.
_PARTIAL = re.compile(r"<\s*/?\s*[a-zA-Z]{0,10}\s*$")
_HOLD_MAX = 24

# Parser events are plain slotted dataclasses, not frozen: one is built per delta, and frozen
# construction costs twice as much on this hot path.


@dataclass(slots=True)
class Opened:
    kind: BlockKind


@dataclass(slots=True)
class Text:
    kind: BlockKind
    text: str


@dataclass(slots=True)
class Outside:
    """Text outside any tag (models do write some); whitespace between tags included."""

    text: str


@dataclass(slots=True)
class Closed:
    """A block ended; `explicit` is False when a new tag or the end of text closed it."""

    kind: BlockKind
    content: str
    explicit: bool


@dataclass(slots=True)
class Value:
    """A <count> or <reward> value; `value` is None when the text could not be read."""

    name: Literal["count", "reward"]
    raw: str
    value: float | None


ParseEvent = Opened | Text | Outside | Closed | Value

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_REWARD_FRACTION = re.compile(rf"({_NUM})\s*(?:/|out of)\s*({_NUM})", re.IGNORECASE)
_REWARD_PERCENT = re.compile(rf"({_NUM})\s*%")
_NUMBER = re.compile(_NUM)


def parse_reward(raw: str) -> float | None:
    """Read a reward written as 0.8, 'Score: 0.85', '0.9/1.0', '8/10', '85%'; clamp to [0, 1]."""
    text = raw.strip()
    try:
        if m := _REWARD_FRACTION.search(text):
            num, den = float(m.group(1)), float(m.group(2))
            if den <= 0:
                return None
            value = num / den
        elif m := _REWARD_PERCENT.search(text):
            value = float(m.group(1)) / 100
        elif m := _NUMBER.search(text):
            value = float(m.group(0))
            if 1 < value <= 10:  # "8" on a ten-point scale
                value /= 10
            elif 10 < value <= 100:
                value /= 100
        else:
            return None
    except ValueError:
        return None
    if value != value or value < 0 or value > 1.0 + 1e-9:  # NaN, negative, over the scale
        return None
    return round(min(value, 1.0), 4)


def parse_count(raw: str) -> float | None:
    """Read a remaining-budget count: the first integer in the text."""
    m = re.search(r"-?\d+", raw)
    return float(int(m.group(0))) if m else None


class TagParser:
    """Streaming parser: `feed(delta)` and, at the end of a segment, `flush()`."""

    def __init__(self) -> None:
        self._pending = ""  # held-back tail that may be the start of a tag
        self.current: str | None = None  # open tag name (block or value), None when outside
        self._buf: list[str] = []  # text of the open tag

    def feed(self, delta: str) -> list[ParseEvent]:
        events: list[ParseEvent] = []
        if not self._pending and "<" not in delta:  # the common case: plain text
            self._text(delta, events)
            return events
        text = self._pending + delta
        self._pending = ""
        pos = 0
        for m in _TAG.finditer(text):
            self._text(text[pos : m.start()], events)
            self._tag(m.group(2).lower(), closing=bool(m.group(1)), events=events)
            pos = m.end()
        tail = text[pos:]
        lt = tail.rfind("<")
        if lt != -1 and len(tail) - lt <= _HOLD_MAX and _PARTIAL.match(tail, lt):
            self._pending = tail[lt:]
            tail = tail[:lt]
        self._text(tail, events)
        return events

    def flush(self) -> list[ParseEvent]:
        """End of the segment: held text is text, an open tag closes implicitly."""
        events: list[ParseEvent] = []
        if self._pending:
            self._text(self._pending, events)
            self._pending = ""
        self._close(events, explicit=False)
        return events

    # -- internals -------------------------------------------------------------------------

    def _text(self, text: str, events: list[ParseEvent]) -> None:
        if not text:
            return
        if self.current is None:
            events.append(Outside(text))
            return
        self._buf.append(text)
        if self.current in BLOCKS:
            events.append(Text(self.current, text))  # type: ignore[arg-type]

    def _tag(self, name: str, *, closing: bool, events: list[ParseEvent]) -> None:
        if closing:
            if self.current is not None:
                # A mismatched close tag still ends what is open: models mistype closers.
                self._close(events, explicit=self.current == name)
            return
        if self.current is not None:
            self._close(events, explicit=False)  # a new tag before the last one closed
        self.current = name
        self._buf = []
        if name in BLOCKS:
            events.append(Opened(name))  # type: ignore[arg-type]

    def _close(self, events: list[ParseEvent], *, explicit: bool) -> None:
        name = self.current
        if name is None:
            return
        content = "".join(self._buf)
        self.current = None
        self._buf = []
        if name == "reward":
            events.append(Value("reward", content.strip(), parse_reward(content)))
        elif name == "count":
            events.append(Value("count", content.strip(), parse_count(content)))
        else:
            events.append(Closed(name, content.strip(), explicit))  # type: ignore[arg-type]
