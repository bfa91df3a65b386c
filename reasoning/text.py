"""Model text made valid Unicode, whatever escapes the wire or the model used."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(text: str) -> str:
    """Text without lone UTF-16 surrogates (a JSON escape such as \\udcff decodes to one), which
    no UTF-8 file, database or terminal accepts: a split pair is joined, a lone half is U+FFFD."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
