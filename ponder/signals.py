"""SIGTERM, and SIGHUP when the terminal closes, stop a command the way Ctrl+C does: the run in
flight is kept (cancelled, its text flushed) before the process exits."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopLikeCtrlC:
    """While active, SIGTERM and SIGHUP raise SIGINT (what Ctrl+C sends), so every command's
    own Ctrl+C path runs; `received` tells which signal came. `on_stop` replaces that (the TUI
    asks the app to exit instead)."""

    def __init__(self, on_stop: Callable[[], None] | None = None) -> None:
        self.on_stop = on_stop
        self.received: int | None = None
        self._saved: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        self.received = signum
        if self.on_stop is not None:
            if first:
                self.on_stop()
            return
        signal.raise_signal(signal.SIGINT)

    def exit_code(self, code: int) -> int:
        """A command cut short by one of these signals exits 128 + its number, as if killed."""
        if self.received is not None and code == 130:
            return 128 + self.received
        return code

    def __enter__(self) -> StopLikeCtrlC:
        if threading.current_thread() is threading.main_thread():
            for signum in STOPPING:
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        self._saved.clear()
