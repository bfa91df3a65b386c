"""Helpers shared by the TUI tests: a deterministic app, the screen as text, waiting on it."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from textual.pilot import Pilot

from reasoning.providers.base import ProviderSpec
from tui.app import PonderApp, ProviderState

SIZE = (160, 48)
FAKE_SPEC = ProviderSpec(kind="openai", name="openai", model="fake-model")


FAKE_MODELS = ("fake-model", "fake-model-large", "other-model")


async def fake_models(spec: ProviderSpec) -> list[str]:
    """The model picker's list in a deterministic app: no endpoint is asked."""
    return list(FAKE_MODELS)


def fixed_app(db: Any = None, **kwargs: Any) -> PonderApp:
    """An app with a provider given as is, a frozen clock and a fixed model list: deterministic
    on screen, and nothing leaves the machine."""
    kwargs.setdefault("list_models", fake_models)
    return PonderApp(
        db=db,
        provider_state=ProviderState(spec=FAKE_SPEC, resolving=False),
        clock=lambda: 0.0,
        **kwargs,
    )


def notes_of(app: PonderApp) -> list[str]:
    """What the app notifies from now on, as text, in order (instead of showing it)."""
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))  # type: ignore[method-assign]
    return notes


def screen_text(app: PonderApp) -> str:
    """The screen as plain text, the way a user would read it."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, force_terminal=True
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def screen_segments(app: PonderApp) -> list[Any]:
    """Every segment the terminal would receive for the current screen."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console = Console(width=app.size[0], file=io.StringIO(), force_terminal=True)
    return list(console.render(update))


async def wait_for(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Let the app run until `condition` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.02)


async def type_at_once(pilot: Pilot[Any], *keys: str) -> None:
    """Send keys the way a fast typist or a terminal's burst does: all queued before the app
    handles the first (Pilot.press waits for the app to settle after each key)."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for key in keys:
        char = key if len(key) == 1 else None
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)  # type: ignore[union-attr]
    await pilot.pause()


def still_cursors(app: PonderApp) -> None:
    """No blinking cursor in the screen's fields: a snapshot is the same whenever it is taken."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query("*"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
