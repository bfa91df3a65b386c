"""Where streamed Markdown can be cut: after a blank line outside fenced code."""

from __future__ import annotations

import re

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def complete_blocks_end(text: str) -> int:
    """Length of the prefix of text made of complete top-level blocks (0 if none).

    A block is complete once a blank line follows it; blank lines inside fenced code do not count.
    Text is assumed to start outside a fence (the prefix cut here always ends outside one).
    """
    cut = 0
    fence: str | None = None
    pos = 0
    while (nl := text.find("\n", pos)) >= 0:
        line = text[pos:nl]
        m = _FENCE.match(line)
        if fence is None:
            if m:
                fence = m.group(1)
            elif not line.strip() and pos > 0:
                cut = nl + 1
        elif (
            m
            and m.group(1)[0] == fence[0]
            and len(m.group(1)) >= len(fence)
            and not line.strip()[len(m.group(1)) :].strip()
        ):
            fence = None
        pos = nl + 1
    return cut
