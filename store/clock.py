"""Timestamps as the store writes them: ISO 8601 UTC, to the second."""

from __future__ import annotations

import datetime as dt


def now_iso() -> str:
    """The current time as ISO 8601 UTC, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def iso_after(seconds: float) -> str:
    """The time `seconds` from now, written the same way."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat(timespec="seconds")
