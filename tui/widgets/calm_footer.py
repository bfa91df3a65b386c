"""A Footer that rebuilds its keys once per refresh, however often the bindings change meanwhile."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class CalmFooter(Footer):
    """Textual's Footer recomposes on every bindings signal; opening a screen sends ~7 of them
    (stack, focus, mode), a fifth of the History screen's first paint. One rebuild suffices:
    it reads the bindings as they are when it runs."""

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._rebuild_queued:
            return
        self._rebuild_queued = True
        super().bindings_changed(screen)  # queues the rebuild after the next refresh
        self.call_after_refresh(self._rebuilt)  # runs after it: callbacks go in order

    def _rebuilt(self) -> None:
        self._rebuild_queued = False
