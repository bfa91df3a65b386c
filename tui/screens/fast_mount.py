"""Skip Textual's redundant stylesheet refresh when a mode's screen is first shown."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def mark_styles_current(screen: Screen[Any]) -> None:
    """Call from a mode screen's __init__.

    Textual 8 re-parses and re-applies the whole stylesheet twice when a mode's first screen
    is created (a new screen's `_css_update_count` starts at -1), ~0.1 s of the History
    screen's 0.3 s budget. A new screen's widgets are styled as they mount, so nothing is stale.
    """
    try:
        app = screen.app
    except Exception:  # no running app (constructed outside one): nothing to skip
        return
    if hasattr(screen, "_css_update_count") and hasattr(app, "_css_update_count"):
        screen._css_update_count = app._css_update_count
