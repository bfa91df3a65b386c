"""Every key this process holds, and redaction of them from any text before it is kept or shown.

Keys come from the environment (key-like variable names), the config file's presets and the
credentials in a base URL; whoever reads one calls `remember` so that model text echoing it back,
an error message quoting it, or a prompt pasting it never reaches the screen or the disk.
"""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import parse_qsl, unquote, urlsplit

REDACTED = "[redacted]"
MIN_SECRET = 8  # shorter values would redact ordinary words

# Environment variables whose values are secrets.
_SECRET_NAME = re.compile(r"(API_?KEY|_KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)
_SECRET_PARAM = re.compile(r"key|token|secret|password|sig", re.IGNORECASE)

_lock = threading.Lock()
_known: set[str] = set()


def remember(value: str | None) -> None:
    """Add a key to the set redacted from now on (short or empty values are ignored)."""
    if value and len(value) >= MIN_SECRET:
        with _lock:
            _known.add(value)


def remember_url(url: str | None) -> None:
    """The password and key-like query values of a base URL are keys too."""
    if not url:
        return
    try:
        parts = urlsplit(url)
        if parts.password:
            remember(parts.password)
            remember(unquote(parts.password))
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if _SECRET_PARAM.search(name):
                remember(value)
    except ValueError:
        pass


def env_secrets() -> tuple[str, ...]:
    """Values of the environment's key-like variables (long enough to be real keys)."""
    return tuple(
        value
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name) and len(value) >= MIN_SECRET
    )


def known() -> tuple[str, ...]:
    """Every key known now, longest first (so a key inside a longer one is not cut in two)."""
    with _lock:
        values = {*_known, *env_secrets()}
    return tuple(sorted(values, key=len, reverse=True))


def redact(text: str, secrets: tuple[str, ...] | None = None) -> str:
    """`text` with every known key replaced by [redacted]."""
    for secret in known() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class StreamRedactor:
    """`redact` for text arriving in pieces: a key cut between two pieces is still caught.

    `feed` holds back the end of the text while it could be the start of a key; `flush` gives
    what is held once no more text is coming."""

    def __init__(self, secrets: tuple[str, ...] | None = None) -> None:
        self._secrets = known() if secrets is None else secrets
        self._held = ""
        self._longest = max((len(x) for x in self._secrets), default=0)
        # The end of a text that is a proper start of some key, as one regular expression.
        self._start_of_key = (
            re.compile("(?:" + "|".join(_prefixes(x) for x in self._secrets) + r")\Z")
            if self._secrets
            else None
        )

    def feed(self, text: str) -> str:
        if self._start_of_key is None:
            return text
        text = redact(self._held + text, self._secrets)
        keep = self._unfinished(text)
        self._held = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep]

    def flush(self) -> str:
        text, self._held = self._held, ""
        return redact(text, self._secrets)

    def _unfinished(self, text: str) -> int:
        """The length of the longest end of `text` that is a proper start of some key."""
        assert self._start_of_key is not None
        m = self._start_of_key.search(text, max(0, len(text) - self._longest + 1))
        return 0 if m is None else len(text) - m.start()


def _prefixes(secret: str) -> str:
    """A pattern for every non-empty proper prefix of `secret`: a(?:b(?:c)?)? for "abcd"."""
    chars = [re.escape(c) for c in secret[:-1]]
    pattern = ""
    for c in reversed(chars[1:]):
        pattern = f"(?:{c}{pattern})?"
    return chars[0] + pattern if chars else "(?!)"
