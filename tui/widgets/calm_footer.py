"""A Footer that rebuilds its keys once per refresh and shows only the keys that fit its width."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE_CLASS = "-command-palette"
ALWAYS_SHOWN = frozenset({"quit", "app.quit"})
COMPACT_BELOW = 100  # columns  # actions whose key the Footer never leaves out


def key_width(key_display: str, description: str, *, compact: bool) -> int:
    """Cells a FooterKey takes: Textual pads the key and the description (see its CSS)."""
    if compact:
        return len(key_display) + 1 + len(description) + 1  # "key desc" and a margin
    return len(key_display) + 2 + len(description) + 1  # " key " then "desc "


class CalmFooter(Footer):
    """Textual's Footer recomposes on every bindings signal; opening a screen sends ~7 of them
    (stack, focus, mode), a fifth of the History screen's first paint. One rebuild suffices:
    it reads the bindings as they are when it runs.

    Keys that do not fit are left out from the right (a cut-off key helps nobody); every
    binding stays in the command palette and its Keys panel, whose key is always shown."""

    _rebuild_queued = False
    _composed_width = 0

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._rebuild_queued:
            return
        self._rebuild_queued = True
        super().bindings_changed(screen)  # queues the rebuild after the next refresh
        self.call_after_refresh(self._rebuilt)  # runs after it: callbacks go in order

    def _rebuilt(self) -> None:
        self._rebuild_queued = False

    def compose(self) -> ComposeResult:
        width = self.size.width or self.app.size.width
        self._composed_width = width
        # Narrow: a cell less around each key, so the screen's keys and Quit all fit.
        compact = width < COMPACT_BELOW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        items = list(super().compose())
        palette = [w for w in items if isinstance(w, FooterKey) and w.has_class(PALETTE_CLASS)]
        # How to quit is always shown, at the end of the row: its room is kept first.
        kept = [
            w
            for w in items
            if isinstance(w, FooterKey) and w.action in ALWAYS_SHOWN and w not in palette
        ]
        # The palette key is docked right, with a border and a padding of its own.
        room = width - sum(
            key_width(k.key_display, k.description, compact=False) + 2 for k in palette
        )
        room -= sum(key_width(k.key_display, k.description, compact=self.compact) for k in kept)
        for item in items:
            if item in kept:
                continue
            if isinstance(item, FooterKey) and not item.has_class(PALETTE_CLASS):
                need = key_width(item.key_display, item.description, compact=self.compact)
                if need > room:
                    room = -1  # keep the order: nothing after a key that did not fit
                    continue
                room -= need
            yield item
        yield from kept  # the palette key is docked right: this one ends the row

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._composed_width:
            self._composed_width = event.size.width
            self.call_after_refresh(self.recompose)
