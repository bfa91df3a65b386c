"""Stop strings found client-side in streamed text, for models that do not accept `stop`."""

from __future__ import annotations

from collections.abc import Sequence


class StopScanner:
    """Feeds streamed text through, cutting at the first stop string; holds back partial matches."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self._keep = max((len(s) for s in self.stops), default=1) - 1
        self._held = ""
        self.hit: str | None = None

    def feed(self, text: str) -> str:
        """The text that is safe to pass on now; sets `hit` when a stop string appears."""
        if self.hit is not None:
            return ""
        buf = self._held + text
        hits = [(buf.find(s), s) for s in self.stops if s in buf]
        if hits:
            at, self.hit = min(hits)
            self._held = ""
            return buf[:at]
        hold = 0
        for k in range(min(self._keep, len(buf)), 0, -1):
            tail = buf[-k:]
            if any(s.startswith(tail) for s in self.stops):
                hold = k
                break
        self._held = buf[len(buf) - hold :]
        return buf[: len(buf) - hold]

    def flush(self) -> str:
        """What was held back, at the end of the stream."""
        out, self._held = self._held, ""
        return out
