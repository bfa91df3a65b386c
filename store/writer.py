"""One thread that makes a store's writes, on its own connection, so an event loop that records
runs (the TUI's Bench, `ponder bench`) never waits on SQLite. (The Bench screen's polls use one
too, for their reads: `call` returns what a function of the connection returns.)

Jobs run in the thread in the order they were posted; the jobs posted during one turn of the
loop reach the thread together, so a busy loop wakes it once a turn, not once a text delta.
A recorder in the thread is driven by `ThreadedRecorder`, and its timers (text flushed when a
stream stalls, the heartbeat) by the thread's tick. An in-memory store has one connection
and no other thread can open it: there the jobs run inline, at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlite_utils

from reasoning.events import Event, Usage
from store.thread_db import db_file

T = TypeVar("T")
Job = Callable[[sqlite_utils.Database], object]
TICK_S = 0.25  # how often the thread looks at its recorders' timers


class DbWriter:
    """The writing thread of one store; `post(job)` or `await call(fn, ...)` from the loop,
    `await aclose()` (or `close()`) at the end, which runs what is queued first."""

    def __init__(
        self, db: sqlite_utils.Database, *, tick_s: float = TICK_S, name: str = "ponder-db-writer"
    ) -> None:
        path = db_file(db)
        self.threaded = path is not None
        self.tick_s = tick_s
        if path is not None:
            from store.db import open_db

            self.db = open_db(path, recover=False)  # usable from any thread (check_same_thread)
        else:
            self.db = db
        self._queue: queue.SimpleQueue[list[Job] | None] = queue.SimpleQueue()
        self._batch: list[Job] = []
        self._ticks: dict[int, Callable[[], None]] = {}  # touched in the thread only
        self._closed = False
        self._thread: threading.Thread | None = None
        if self.threaded:
            self._thread = threading.Thread(target=self._main, name=name, daemon=True)
            self._thread.start()

    # ---- from the loop -----------------------------------------------------------------

    def post(self, job: Job) -> None:
        """Run `job(db)` in the thread, after the jobs posted before it. The job handles its own
        errors (an escaped one is dropped, so one broken job cannot stop the others)."""
        if not self.threaded:
            with contextlib.suppress(Exception):
                job(self.db)
            return
        if self._closed:
            raise RuntimeError("the store's writer is closed")
        self._batch.append(job)
        if len(self._batch) == 1:
            try:
                asyncio.get_running_loop().call_soon(self._ship)
            except RuntimeError:  # no loop: nothing to gather the turn's jobs for
                self._ship()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(db, *args, **kwargs)` in the thread, after everything posted before; its result
        (or its exception). Cancelling the wait does not take the job back."""
        if not self.threaded:
            return fn(self.db, *args, **kwargs)
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def job(db: sqlite_utils.Database) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(db, *args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)

        self.post(job)
        return await asyncio.wrap_future(future)

    async def settle(self) -> None:
        """Wait until everything posted so far has been written."""
        await self.call(_nothing)

    def _ship(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            self._queue.put(batch)

    async def aclose(self) -> None:
        """Write what is queued, then end the thread and close its connection."""
        if self._closed:
            return
        self._closed = True
        self._ship()
        self._queue.put(None)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)

    def close(self) -> None:
        """`aclose` for a caller with no loop (or one that must not yield)."""
        if self._closed:
            return
        self._closed = True
        self._ship()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join()

    # ---- in the thread -----------------------------------------------------------------

    def add_tick(self, key: int, fn: Callable[[], None]) -> None:
        """In the thread (from a job): call `fn` every tick until `remove_tick(key)`."""
        self._ticks[key] = fn

    def remove_tick(self, key: int) -> None:
        self._ticks.pop(key, None)

    def _main(self) -> None:
        next_tick = time.monotonic() + self.tick_s
        try:
            while True:
                try:
                    batch = self._queue.get(timeout=max(0.0, next_tick - time.monotonic()))
                except queue.Empty:
                    batch = []
                if batch is None:
                    break
                for job in batch:
                    with contextlib.suppress(Exception):
                        job(self.db)
                if time.monotonic() >= next_tick:
                    for fn in list(self._ticks.values()):
                        with contextlib.suppress(Exception):
                            fn()
                    next_tick = time.monotonic() + self.tick_s
        finally:
            with contextlib.suppress(Exception):
                self.db.conn.close()


def _nothing(db: sqlite_utils.Database) -> None:
    return None


class ThreadedRecorder:
    """A RunRecorder living in a DbWriter's thread, with the recorder's interface: events are
    posted to it in order and nothing waits for them, so `run_id` is known a moment after
    RunStarted. A failed write stops the recording; `error` holds it, `handle` raises it."""

    def __init__(self, writer: DbWriter, **options: Any) -> None:
        self.writer = writer
        self.error: BaseException | None = None
        self._run_id: int | None = options.get("run_id")
        self._totals: tuple[Usage, int, float | None] = (Usage(), 0, 0.0)
        self._recorder: Any = None
        self._options = options
        writer.post(self._make)

    @property
    def run_id(self) -> int | None:
        return self._run_id

    @property
    def totals(self) -> tuple[Usage, int, float | None]:
        return self._totals

    def _make(self, db: sqlite_utils.Database) -> None:
        from store.recorder import RunRecorder

        try:
            self._recorder = RunRecorder(db, **self._options)
        except Exception as exc:
            self.error = exc
            return
        self.writer.add_tick(id(self), self._recorder.tick)

    def handle(self, event: Event) -> None:
        if self.error is not None:
            raise self.error
        self.writer.post(lambda db: self._handle(event))

    def _handle(self, event: Event) -> None:
        recorder = self._recorder
        if recorder is None or self.error is not None:
            return
        try:
            recorder.handle(event)
        except Exception as exc:
            self.error = exc
        self._run_id = recorder.run_id
        self._totals = recorder.totals
        if recorder.finished:
            self.writer.remove_tick(id(self))

    def finish_cancelled(self) -> None:
        self.writer.post(lambda db: self._finish(lambda r: r.finish_cancelled()))

    def finish_failed(self, message: str, stop_reason: str | None = None) -> None:
        self.writer.post(lambda db: self._finish(lambda r: r.finish_failed(message, stop_reason)))

    def _finish(self, how: Callable[[Any], None]) -> None:
        recorder = self._recorder
        if recorder is None:
            return
        try:
            how(recorder)
        finally:
            self._totals = recorder.totals
            self.writer.remove_tick(id(self))
