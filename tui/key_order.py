"""Keys typed in a burst are handled one after another, each once the previous one has settled.

Textual hands a key to whatever has the focus the moment the key is read. A key that switches
screens, opens a modal or moves the focus has its effect a few messages later (a new screen
composes, `focus()` is deferred), so keys typed right after it went to the old screen or the
old widget and were lost: ^g then grade keys, / then a search, F2 then a model name.

Here the first key of a burst is handled at once, as before. The keys behind it wait until
what it did has settled: the widget it went to, that widget's ancestors up to the app (the
messages it posted bubble that way) have processed their queues, and the current screen has
been painted (a screen just pushed has composed and taken its focus). Then the next one goes.

A character typed into a text field (the prompt box, an Input) has nothing to settle: it goes
into that field's own queue, behind the characters before it, and the next key goes at once.
Waiting for a paint after each one tied typing to the frame rate (about 60 characters a second,
and slower as the box grew), and a paste that the terminal sends as keys took minutes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump
    from textual.timer import Timer

# A pump closed while a key's effects were being waited on never answers: after this long the
# keys behind it go anyway (as they would have without the wait). Never reached in practice.
WATCHDOG_S = 2.0
MIN_PASSES = 2
MAX_PASSES = 8  # a chain never idle (a timer ticking in it) is walked this many times at most
MAX_ROUNDS = 4  # paints waited for while the focus keeps moving after one key


@dataclass(frozen=True)
class _Walk:
    """One walk of a focus chain behind a key: its pass, whether a queue was found busy in
    it, and how many paints it has waited for."""

    chain: list[MessagePump]
    generation: int  # the key's
    rounds: int
    passes: int = 1
    active: bool = False


class KeyOrder:
    """Holds the keys behind one still settling and hands them on, in order, once it has."""

    def __init__(self, app: App[Any], dispatch: Callable[[events.Key], Awaitable[None]]):
        self.app = app
        self._dispatch = dispatch  # handles one key as Textual would
        self.held: deque[events.Key] = deque()
        self.settling = False
        self._generation = 0
        self._watchdog: Timer | None = None

    async def key(self, event: events.Key) -> None:
        """A key read from the terminal: handled now, or queued behind one still settling."""
        if self.settling or self.held:
            self.held.append(event)
            return
        await self._handle(event)
        await self._run_held()

    async def _handle(self, event: events.Key) -> None:
        app = self.app
        chain = self._chain()  # where the key goes, and where what it posts bubbles
        typed = event.is_printable and _takes_text(chain[0])
        self.settling = True
        self._generation += 1
        generation = self._generation
        try:
            await self._dispatch(event)
        finally:
            if typed and event.is_forwarded and app.focused is chain[0]:
                # Forwarded: no priority binding took it; the field has it in its queue.
                self._release()
            else:
                self._drain(chain, generation, 1)
                if self._watchdog is not None:
                    self._watchdog.stop()
                self._watchdog = app.set_timer(WATCHDOG_S, lambda: self._settled(generation))

    def _chain(self) -> list[MessagePump]:
        """The focused widget (else the screen), its ancestors, the app."""
        app = self.app
        try:
            target: MessagePump = app.focused or app.screen
        except Exception:  # no screen (closing): the app alone
            target = app
        chain = list(getattr(target, "ancestors_with_self", [target]))
        if not chain or chain[-1] is not app:
            chain.append(app)
        return chain

    def _drain(self, chain: list[MessagePump], generation: int, rounds: int) -> None:
        """Visit each pump of the chain in turn, behind what is in its queue, pass after pass
        until a pass finds every queue empty (a key bubbles up to the app, whose binding may
        post to the widget, whose message bubbles up again…); then wait for the screen's
        next paint (a screen just pushed has composed and taken its focus)."""
        self._pass(_Walk(chain, generation, rounds), 0)

    def _pass(self, walk: _Walk, at: int) -> None:
        chain = walk.chain
        while at < len(chain):
            pump = chain[at]
            if _busy(pump):
                walk = replace(walk, active=True)
            if pump.call_later(self._visited, walk, at):
                return
            at += 1
        if (walk.active or walk.passes < MIN_PASSES) and walk.passes < MAX_PASSES:
            self._pass(replace(walk, passes=walk.passes + 1, active=False), 0)
        elif not self.app.call_after_refresh(self._painted, walk):
            self._settled(walk.generation)

    def _visited(self, walk: _Walk, at: int) -> None:
        if walk.generation != self._generation:
            return
        if _busy(walk.chain[at]):
            walk = replace(walk, active=True)
        self._pass(walk, at + 1)

    def _painted(self, walk: _Walk) -> None:
        """Painted. If the key moved the focus or changed the screen, the new focus chain
        settles too (a new screen takes its focus, its table sizes itself and loads its
        rows, a round at a time) before the next key goes."""
        if walk.generation != self._generation:
            return
        now = self._chain()
        if now != walk.chain and walk.rounds < MAX_ROUNDS:
            self._drain(now, walk.generation, walk.rounds + 1)
        else:
            self._settled(walk.generation)

    def _settled(self, generation: int) -> None:
        if generation != self._generation or not self.settling:
            return  # a later key's wait, or already released by the watchdog
        self._release()
        if self.held:
            self.app.call_next(self._next)

    def _release(self) -> None:
        self.settling = False
        if self._watchdog is not None:
            self._watchdog.stop()
            self._watchdog = None

    async def _next(self) -> None:
        if not self.app.is_running:  # closing: nothing takes keys any more
            self.held.clear()
            return
        await self._run_held()

    async def _run_held(self) -> None:
        """Hand on the keys held, in order, while each settles at once (characters typed into
        a field); a key that must settle stops the loop until it has."""
        while self.held and not self.settling:
            await self._handle(self.held.popleft())


def _takes_text(pump: MessagePump) -> bool:
    """The pump is a text field that a printable key types into."""
    from textual.widgets import Input, TextArea

    if isinstance(pump, TextArea):
        return not pump.read_only
    return isinstance(pump, Input)


def _busy(pump: MessagePump) -> bool:
    """Messages are waiting in the pump's queue (Textual keeps it private: unknown is idle)."""
    queue = getattr(pump, "_message_queue", None)
    return bool(queue is not None and not queue.empty())
