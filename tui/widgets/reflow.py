"""Problem text copied from a PDF, hard-wrapped at its old column width, joined back into paragraphs.

Imported exam sheets (Putnam, JEE) keep the PDF's line breaks and hyphenation ("inte-\\ngers");
in a narrower pane they read as ragged half-lines. Lines that start something of their own
(an option, a list item, a new paragraph) keep their break.
"""

from __future__ import annotations

import re

# A line that begins an option "(A)", "A)", "(i)", a list item "- ", "* ", "1.", "2)".
_STARTS_ITEM = re.compile(r"^\s*(?:\(?[A-Da-d]\)|\([ivx]+\)|[-*•]\s|\d+[.)]\s)")
_HYPHENATED = re.compile(r"[A-Za-z]-$")


def reflow(text: str) -> str:
    """Join hard-wrapped lines of each paragraph; blank lines and option or list lines stay."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if not out or out[-1] == "" or _STARTS_ITEM.match(line):
            out.append(line)
        elif _HYPHENATED.search(out[-1]) and line[:1].islower():
            out[-1] = out[-1][:-1] + line  # "inte-" + "gers": the PDF's hyphenation
        else:
            out[-1] = f"{out[-1]} {line}"
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)
