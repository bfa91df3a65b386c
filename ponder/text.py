"""Terminal-safe text, shared by the command line and the widgets: model text never reaches a
terminal as escape sequences or control characters."""

from __future__ import annotations

import math
import re
from typing import Any

from reasoning.events import round_seconds, round_usd

# CSI / OSC / DCS / other ESC sequences, then C0/C1 controls except \n and \t.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, BEL- or ST-terminated (or cut)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes, or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def safe_text(text: str) -> str:
    """Model text made safe for a terminal: no escape sequences, no control characters."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n"))


# The start of an escape sequence that a delta ended in: held back until the next delta ends it.
_UNFINISHED = re.compile(
    r"(?:\x1b\[[0-?]*[ -/]*|\x1b\][^\x07\x1b]*|\x1b[PX^_][^\x1b]*|\x9b[0-?]*[ -/]*|\x1b)\Z"
)
MAX_HELD = 4096  # an unfinished sequence longer than this is dropped as it stands


class SafeStream:
    """safe_text for text that arrives in pieces: a sequence cut between two pieces leaves no
    residue ("]0;title", "31m") on screen."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        text = self._held + text
        self._held = ""
        m = _UNFINISHED.search(text)
        if m is not None and len(text) - m.start() <= MAX_HELD:
            text, self._held = text[: m.start()], text[m.start() :]
        return safe_text(text)

    def flush(self) -> str:
        """What was held back, once no more text is coming."""
        text, self._held = self._held, ""
        return safe_text(text)


def tidy_numbers(obj: Any, key: str = "") -> Any:
    """A JSON-ready value with money (keys ending `_usd`) and time (`_s`) rounded as written
    everywhere, and any other float cut to 12 significant digits (0.1 + 0.2 is 0.3)."""
    if isinstance(obj, dict):
        return {k: tidy_numbers(v, str(k)) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [tidy_numbers(v, key) for v in obj]
    if isinstance(obj, float) and math.isfinite(obj):
        if key.endswith("_usd"):
            return round_usd(obj)
        if key.endswith("_s"):
            return round_seconds(obj)
        return float(f"{obj:.12g}")
    return obj


def json_text(obj: object, indent: int | None = None) -> str:
    """JSON for a terminal: numbers tidied, readable non-ASCII, C1 controls and line separators
    escaped too."""
    import json

    text = json.dumps(tidy_numbers(obj), ensure_ascii=False, indent=indent)
    return re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m[0]):04x}", text)
