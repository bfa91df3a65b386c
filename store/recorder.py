"""Recording engine events into the database as they happen, so a crash loses at most ~2 s.

Every write is its own short transaction. Step text is buffered and flushed at most every
`flush_interval_s` (on the next delta, or by a timer on the running event loop when the stream
stalls); a heartbeat timer tells other processes the run is alive (see queries.mark_interrupted).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import TracebackType
from typing import Any, Protocol

import sqlite_utils

from reasoning.events import (
    CallFinished,
    CallRetried,
    CallStarted,
    Event,
    Price,
    RunFinished,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
    estimated_usage,
    request_chars,
    with_cut_off_call,
)
from store.calls import delta_columns
from store.clock import iso_after, now_iso
from store.owner import RunTakenOver, is_dead, owner_token
from store.room import give_room, is_full, keep_room

FLUSH_INTERVAL_S = 2.0
HEARTBEAT_INTERVAL_S = 15.0
# Request keys that carry credentials, whatever a provider put there.
_SECRET_FIELDS = {"api_key", "api-key", "x-api-key", "authorization", "proxy-authorization"}


class Keeping(Protocol):
    """What the recorder is told by whoever runs it, since the store knows no keys and no prices
    (SPEC §2): workbench.keeping.KEEPING is the process's own."""

    redacted: str  # what stands in the record where a key was

    def redactor(self) -> Callable[[str], str]:
        """A function that takes every key known now out of a text. Asked again as the run
        starts, for the keys remembered since the recorder was made (the provider's)."""
        ...

    def public_url(self, url: str | None) -> str | None:
        """A base URL fit to keep: no password, no key-like query value."""
        ...

    def price(self, model: str) -> Price | None:
        """The model's price (None: not priced), kept with the run to cost what it did."""
        ...


DISK_FULL = "database or disk is full"  # SQLite's own words for SQLITE_FULL


class StoreFull(sqlite3.OperationalError):
    """The database or its disk is full: the run (`run_id`, if it began) is kept interrupted."""

    def __init__(self, run_id: int | None, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.run_id = run_id


def is_disk_full(exc: BaseException) -> bool:
    """SQLITE_FULL: the disk, a quota or the database's max_page_count."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or DISK_FULL in str(exc)


class RunRecorder:
    """Writes one run's events to the store: `handle(event)` for every event the engine yields."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        keeping: Keeping,
        problem_id: int | None = None,
        attempt_group: str | None = None,
        bench_id: str | None = None,
        run_id: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        flush_interval_s: float = FLUSH_INTERVAL_S,
        heartbeat_interval_s: float = HEARTBEAT_INTERVAL_S,
    ) -> None:
        self.db = db
        self.keeping = keeping
        self.problem_id = problem_id
        self.attempt_group = attempt_group
        self.bench_id = bench_id
        self.clock = clock
        self.flush_interval_s = flush_interval_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self._run_id = run_id
        self._resuming = run_id is not None
        if (
            run_id is not None
            and not db.execute("select 1 from runs where id = ?", (run_id,)).fetchone()
        ):
            raise ValueError(f"no run {run_id}")
        self._redact = keeping.redactor()
        self._owner = owner_token()  # this recorder's claim on the run (store/owner.py)
        self._lost: RunTakenOver | None = None  # found by a timer, raised by the next handle()
        self._started = False
        self._finished = False
        self._t0 = clock()
        self._last_flush = clock()
        self._last_beat = clock()
        self._pending: dict[int, list[str]] = {}  # step index -> text not yet written
        self._open: set[int] = set()  # steps with a partial=1 row
        self._done_steps: set[int] = set()
        self._calls: dict[int, int] = {}  # engine call index -> calls row id
        # The latest request stored (calls row id, whole text): the next one is kept as a delta.
        self._last_request: tuple[int, str] | None = None
        self._call_shift: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flush_timer: asyncio.TimerHandle | None = None
        self._beat_timer: asyncio.TimerHandle | None = None
        # Totals recorded before a resume: the engine counts only what it does now.
        self._base_usage = Usage()
        self._base_calls = 0
        self._base_cost: float | None = 0.0
        self._base_elapsed = 0.0
        # The call in flight, to estimate what it cost if the run is cancelled mid-stream:
        # (calls row id, characters sent); characters streamed back since it started.
        self._in_flight: tuple[int, int] | None = None
        self._in_flight_chars = 0
        self._price: Price | None = None
        self._last_totals: tuple[Usage, int, float | None] = (Usage(), 0, 0.0)

    @property
    def run_id(self) -> int | None:
        """The run's row id: known from the start on resume, else once RunStarted is handled."""
        return self._run_id

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def totals(self) -> tuple[Usage, int, float | None]:
        """Usage, calls and cost recorded by this recorder (a resume's earlier part left out);
        after a cancel, with the estimate of the call that was cut off."""
        return self._last_totals

    # ---- the event stream --------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Record one engine event. A full disk marks the run interrupted and raises StoreFull;
        another process owning the run now raises RunTakenOver (and nothing more is written)."""
        if self._lost is not None:
            raise self._lost
        if self._finished:
            return
        try:
            if is_full(self.db):  # another run met the full disk: keep the room for the marks
                raise sqlite3.OperationalError(DISK_FULL)
            self._dispatch(event)
        except sqlite3.OperationalError as exc:
            if not is_disk_full(exc):
                raise
            if self._run_id is None:
                give_room(self.db)  # no run to mark: the room is for the others'
            else:
                self._interrupt(str(exc))
            raise StoreFull(self._run_id, exc) from exc

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, TextDelta):  # the hot path: no SQL unless a flush is due
            self._on_delta(event)
        elif isinstance(event, RunStarted):
            self._on_run_started(event)
        elif not self._started:
            raise RuntimeError(f"{type(event).__name__} before RunStarted")
        elif isinstance(event, StepStarted):
            self._on_step_started(event)
        elif isinstance(event, StepFinished):
            self._on_step_finished(event.step)
        elif isinstance(event, CallStarted):
            self._on_call_started(event)
        elif isinstance(event, CallFinished):
            self._on_call_finished(event)
        elif isinstance(event, CallRetried):
            self._on_call_retried(event)
        elif isinstance(event, UsageUpdate):
            self._on_usage(event)
        elif isinstance(event, RunFinished):
            self._on_run_finished(event)
        # Notice: shown to the user live; nothing to keep.

    def finish_cancelled(self) -> None:
        """The consumer cancelled the run: keep what it produced, partial step text included."""
        self._finish("cancelled", "cancelled", None)

    def _interrupt(self, why: str) -> None:
        """The store cannot grow: keep the run as `interrupted` (an update in place needs no new
        page), so that `ponder resume` finishes it once there is room. Best effort."""
        self._stop_timers()
        self._finished = True
        if self._run_id is None:
            return
        mark = (
            "update runs set status = 'interrupted', stop_reason = 'interrupted', error = ?,"
            " finished_at = ?, elapsed_s = ?, heartbeat_at = ? where id = ? and owner = ?"
        )
        elapsed = self._base_elapsed + (self.clock() - self._t0)
        values = (why, now_iso(), elapsed, time.time(), self._run_id, self._owner)
        try:
            self.db.execute(mark, values)
        except sqlite3.Error as exc:
            # Not even this fits: free the room kept for it (store/room.py) and try again.
            if not (is_disk_full(exc) and give_room(self.db)):
                return  # left `running`: readers see its process gone, the next start marks it
            with contextlib.suppress(sqlite3.Error):
                self.db.execute(mark, values)

    def finish_failed(self, message: str, stop_reason: str | None = None) -> None:
        """The run died outside the engine (an exception in the consumer...): record why."""
        self._finish("failed", stop_reason, message)

    def flush(self) -> None:
        """Write the buffered step text now."""
        if self._started and not self._finished:
            with self._tx():
                self._flush_pending()

    def tick(self) -> None:
        """The timers' work for a recorder with no event loop (in a writer thread, called every
        fraction of a second): text that waited its interval is written, the heartbeat beats."""
        if not self._started or self._finished:
            return
        now = self.clock()
        if self._pending and now - self._last_flush >= self.flush_interval_s:
            self._on_flush_timer()
        if now - self._last_beat >= self.heartbeat_interval_s:
            self._last_beat = now
            self._on_beat()

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._finished or not self._started:
            self._stop_timers()
            return
        if exc is None:
            self.finish_failed("the run ended without a result")
        elif isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
            self.finish_cancelled()
        else:
            self.finish_failed(f"{type(exc).__name__}: {exc}")

    # ---- handlers ----------------------------------------------------------------------

    def _on_run_started(self, ev: RunStarted) -> None:
        if self._started:
            raise RuntimeError("a second RunStarted for the same recorder")
        now = time.time()
        self._redact = self.keeping.redactor()  # with keys remembered since (the provider's)
        params = self._json(ev.settings.as_dict())
        self._price = self.keeping.price(ev.model)
        price = None if self._price is None else json.dumps(asdict(self._price))
        base_url = self.keeping.public_url(ev.base_url)
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None  # synchronous use: text is flushed on deltas only
        # How the run is made and the process making it: written as it starts or resumes.
        made = (ev.paradigm, ev.provider, ev.model, base_url, params, price)
        alive = (os.getpid(), socket.gethostname(), now)
        keep_room(self.db)
        if self._run_id is None:
            cur = self.db.execute(
                "insert into runs (problem_id, prompt, paradigm, provider, model, base_url, params,"
                " price, status, started_at, attempt_group, bench_id, pid, host, heartbeat_at,"
                " owner) values (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.problem_id,
                    self._redact(ev.prompt),
                    *made,
                    now_iso(),
                    self.attempt_group,
                    self.bench_id,
                    *alive,
                    self._owner,
                ),
            )
            self._run_id = cur.lastrowid
        else:
            with self._tx():
                row = self.db.execute(
                    "select input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,"
                    " calls, cost_usd, elapsed_s, status, pid, host, heartbeat_at, owner"
                    " from runs where id = ?",
                    (self._run_id,),
                ).fetchone()
                if row is None:
                    raise ValueError(f"no run {self._run_id}")
                if row[7] == "running" and not is_dead(
                    *row[8:11], now=now, here=socket.gethostname(), owner=row[11]
                ):
                    self._finished = True
                    raise RunTakenOver(self._run_id, row[8], row[9])  # another resume was first
                self._base_usage = Usage(*(int(v or 0) for v in row[:4]))
                self._base_calls = int(row[4] or 0)
                # A NULL cost after calls is unknown, and stays unknown.
                self._base_cost = (
                    row[5] if row[5] is not None else (0.0 if not self._base_calls else None)
                )
                self._base_elapsed = float(row[6] or 0.0)
                # The dead process's unfinished steps: the engine re-generates them.
                self.db.execute(
                    "delete from steps where run_id = ? and partial = 1", (self._run_id,)
                )
                self.db.execute(
                    "update runs set status = 'running', stop_reason = null, error = null,"
                    " answer = null, final_reward = null, finished_at = null, elapsed_s = null,"
                    " paradigm = ?, provider = ?, model = ?, base_url = ?, params = ?, price = ?,"
                    " pid = ?, host = ?, heartbeat_at = ?, owner = ? where id = ?",
                    (*made, *alive, self._owner, self._run_id),
                )
                last = self.db.execute(
                    "select max(idx) from steps where run_id = ?", (self._run_id,)
                ).fetchone()[0]
                self._done_steps = set(range(1, int(last or 0) + 1))
        self._started = True
        self._t0 = self.clock()
        self._last_flush = self._last_beat = self.clock()
        self._schedule_beat()

    def _on_step_started(self, ev: StepStarted) -> None:
        self._start_step(ev.index, ev.kind, ev.title)

    def _start_step(self, index: int, kind: str, title: str | None) -> None:
        self.db.execute(
            "insert into steps (run_id, idx, kind, title, content, partial, started_at)"
            " values (?, ?, ?, ?, '', 1, ?)"
            " on conflict (run_id, idx) do update set kind = excluded.kind,"
            " title = excluded.title, content = '', partial = 1, reward = null,"
            " budget_left = null, backtrack = 0, started_at = excluded.started_at,"
            " finished_at = null",
            (self._run_id, index, kind, self._redact_opt(title), time.time()),
        )
        self._open.add(index)
        self._pending.pop(index, None)

    def _on_delta(self, ev: TextDelta) -> None:
        if not self._started:
            raise RuntimeError("TextDelta before RunStarted")
        if ev.index not in self._open:
            if ev.index in self._done_steps:
                return  # a late delta must not reopen a finished step
            self._start_step(ev.index, "step", None)  # a delta for a step never announced
        self._in_flight_chars += len(ev.text)
        parts = self._pending.get(ev.index)
        if parts is None:
            self._pending[ev.index] = [ev.text]
        else:
            parts.append(ev.text)
        if self.clock() - self._last_flush >= self.flush_interval_s:
            self.flush()
        elif self._flush_timer is None and self._loop is not None:
            delay = max(0.0, self.flush_interval_s - (self.clock() - self._last_flush))
            self._flush_timer = self._loop.call_later(delay, _weak_call(self, "_on_flush_timer"))

    def _on_step_finished(self, step: Step) -> None:
        with self._tx():
            self._write_finished_step(step)

    def _write_finished_step(self, step: Step) -> None:
        now = time.time()
        self.db.execute(
            "insert into steps (run_id, idx, kind, title, content, reward, budget_left, backtrack,"
            " partial, started_at, finished_at) values (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"
            " on conflict (run_id, idx) do update set kind = excluded.kind,"
            " title = excluded.title, content = excluded.content, reward = excluded.reward,"
            " budget_left = excluded.budget_left, backtrack = excluded.backtrack, partial = 0,"
            " started_at = coalesce(steps.started_at, excluded.started_at),"
            " finished_at = excluded.finished_at",
            (
                self._run_id,
                step.index,
                step.kind,
                self._redact_opt(step.title),
                self._redact(step.content),
                step.reward,
                step.budget_left,
                int(step.backtrack),
                now,
                now,
            ),
        )
        self._open.discard(step.index)
        self._pending.pop(step.index, None)
        self._done_steps.add(step.index)

    def _on_call_started(self, ev: CallStarted) -> None:
        self._hold()  # before a new call is paid for
        if self._call_shift is None:
            self._call_shift = self._shift_for(ev.call_index)
        # What the request adds to the run's previous one, with a reference to it (store.calls).
        text = self._json(self._scrub(ev.request))
        request, base, head, tail = delta_columns(self._last_request, text)
        cur = self.db.execute(
            "insert into calls (run_id, idx, attempt, request, request_base, request_head,"
            " request_tail, started_at) values (?, ?, 1, ?, ?, ?, ?, ?)",
            (
                self._run_id,
                ev.call_index + self._call_shift,
                request,
                base,
                head,
                tail,
                now_iso(),
            ),
        )
        if cur.lastrowid is not None:
            self._last_request = (cur.lastrowid, text)
            self._calls[ev.call_index] = cur.lastrowid
            self._in_flight = (cur.lastrowid, request_chars(ev.request))
            self._in_flight_chars = 0

    def _on_call_retried(self, ev: CallRetried) -> None:
        """The attempt in flight failed: close its row, open one for the next attempt."""
        row_id = self._calls.get(ev.call_index)
        if row_id is None:
            return
        with self._tx():
            self.db.execute(
                "update calls set status = ?, error = ?, elapsed_s = ?, stop_reason = 'retried',"
                " attempt = ? where id = ?",
                (ev.status, self._redact(ev.error), ev.elapsed_s, ev.attempt, row_id),
            )
            cur = self.db.execute(
                "insert into calls (run_id, idx, attempt, request, request_base, request_head,"
                " request_tail, started_at) select run_id, idx, ?, request, request_base,"
                " request_head, request_tail, ? from calls where id = ?",
                (ev.attempt + 1, iso_after(ev.wait_s), row_id),
            )
        if cur.lastrowid is not None:
            self._calls[ev.call_index] = cur.lastrowid
            if self._in_flight is not None:
                self._in_flight = (cur.lastrowid, self._in_flight[1])

    def _shift_for(self, first_index: int) -> int:
        """On resume, number new calls after the recorded ones (the engine restarts its count)."""
        if not self._resuming:
            return 0
        last = self.db.execute(
            "select max(idx) from calls where run_id = ?", (self._run_id,)
        ).fetchone()[0]
        return 0 if last is None or first_index > last else last + 1 - first_index

    def _on_call_finished(self, ev: CallFinished) -> None:
        self._in_flight = None
        values = (
            self._redact(ev.response_text),
            ev.stop_reason,
            ev.usage.input_tokens,
            ev.usage.output_tokens,
            ev.usage.cache_read_tokens,
            ev.usage.cache_write_tokens,
            ev.elapsed_s,
            self._redact_opt(ev.error),
            ev.status,
        )
        row_id = self._calls.pop(ev.call_index, None)
        if row_id is None:  # finished without a CallStarted: keep it anyway
            if self._call_shift is None:
                self._call_shift = self._shift_for(ev.call_index)
            self.db.execute(
                "insert into calls (run_id, idx, response, stop_reason, input_tokens,"
                " output_tokens, cache_read_tokens, cache_write_tokens, elapsed_s, error, status)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self._run_id, ev.call_index + self._call_shift, *values),
            )
            return
        self.db.execute(
            "update calls set response = ?, stop_reason = ?, input_tokens = ?,"
            " output_tokens = ?, cache_read_tokens = ?, cache_write_tokens = ?, elapsed_s = ?,"
            " error = ?, status = ? where id = ?",
            (*values, row_id),
        )

    def _on_usage(self, ev: UsageUpdate) -> None:
        self._last_totals = (ev.usage, ev.calls, ev.cost_usd)
        self.db.execute(
            "update runs set input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
            " cache_write_tokens = ?, calls = ?, cost_usd = ?, heartbeat_at = ? where id = ?",
            (*self._totals(ev.usage, ev.calls, ev.cost_usd), time.time(), self._run_id),
        )

    def _on_run_finished(self, ev: RunFinished) -> None:
        r = ev.result
        with self._tx():
            self._flush_pending()
            for step in r.steps:
                if step.index not in self._done_steps:
                    self._write_finished_step(step)
            self.db.execute(
                "update runs set status = ?, stop_reason = ?, answer = ?, final_reward = ?,"
                " error = ?, input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
                " cache_write_tokens = ?, calls = ?, cost_usd = ?, finished_at = ?,"
                " elapsed_s = ?, heartbeat_at = ? where id = ?",
                (
                    r.status,
                    r.stop_reason,
                    self._redact_opt(r.answer),
                    r.final_reward,
                    self._redact_opt(r.error),
                    *self._totals(r.usage, r.calls, r.cost_usd),
                    now_iso(),
                    self._base_elapsed + r.elapsed_s,
                    time.time(),
                    self._run_id,
                ),
            )
        self._finished = True
        self._stop_timers()

    def _finish(self, status: str, stop_reason: str | None, error: str | None) -> None:
        if self._finished or not self._started:
            self._stop_timers()
            self._finished = True
            return
        try:
            if is_full(self.db):
                raise sqlite3.OperationalError(DISK_FULL)
            with self._tx():
                self._flush_pending()
                self._settle_in_flight_call(stop_reason or status)
                self.db.execute(
                    "update runs set status = ?, stop_reason = ?, error = ?, finished_at = ?,"
                    " elapsed_s = ?, heartbeat_at = ? where id = ?",
                    (
                        status,
                        stop_reason,
                        self._redact_opt(error),
                        now_iso(),
                        self._base_elapsed + (self.clock() - self._t0),
                        time.time(),
                        self._run_id,
                    ),
                )
        except sqlite3.OperationalError as exc:
            if not is_disk_full(exc):
                raise
            # No room for the text: the smallest write that keeps the run from staying
            # `running` (it fits where the failed transaction was), for `ponder resume`.
            self._interrupt(str(exc))
            raise StoreFull(self._run_id, exc) from exc
        self._finished = True
        self._stop_timers()

    def _settle_in_flight_call(self, why: str) -> None:
        """A call cut off by cancellation made tokens that no usage event will report: estimate
        them (about 4 characters a token) so the run's totals and cost are not zero."""
        if self._in_flight is None:
            return
        row_id, sent = self._in_flight
        self._in_flight = None
        estimate = estimated_usage(sent, self._in_flight_chars)
        self.db.execute(
            "update calls set stop_reason = ?, input_tokens = ?, output_tokens = ?,"
            " error = 'usage estimated: the call was cut off' where id = ?",
            (why, estimate.input_tokens, estimate.output_tokens, row_id),
        )
        self._last_totals = with_cut_off_call(self._last_totals, estimate, self._price)
        self.db.execute(
            "update runs set input_tokens = ?, output_tokens = ?, cache_read_tokens = ?,"
            " cache_write_tokens = ?, calls = ?, cost_usd = ? where id = ?",
            (*self._totals(*self._last_totals), self._run_id),
        )

    # ---- writing -----------------------------------------------------------------------

    def _flush_pending(self) -> None:
        """Append each open step's buffered text to its row (inside the caller's transaction)."""
        for index, parts in self._pending.items():
            if parts:
                self.db.execute(
                    "update steps set content = coalesce(content, '') || ?"
                    " where run_id = ? and idx = ? and partial = 1",
                    (self._redact("".join(parts)), self._run_id, index),
                )
        self._pending.clear()
        self._last_flush = self.clock()
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None

    def _on_flush_timer(self) -> None:
        self._flush_timer = None
        if self._finished:
            return
        try:
            self.flush()
        except RunTakenOver:
            pass  # the next event raises it
        except sqlite3.ProgrammingError:
            pass  # the database was closed under us: nothing left to write to
        except sqlite3.Error:
            # Locked past the busy timeout: keep the text and try again later.
            if self._loop is not None and not self._loop.is_closed():
                self._flush_timer = self._loop.call_later(
                    self.flush_interval_s, _weak_call(self, "_on_flush_timer")
                )

    def _schedule_beat(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._beat_timer = self._loop.call_later(
                self.heartbeat_interval_s, _weak_call(self, "_on_beat")
            )

    def _on_beat(self) -> None:
        self._beat_timer = None
        if self._finished:
            return
        try:
            self._hold()
            self.db.execute(
                "update runs set heartbeat_at = ? where id = ? and status = 'running'",
                (time.time(), self._run_id),
            )
        except RunTakenOver:
            return  # the next event raises it
        except sqlite3.ProgrammingError:
            return  # closed database: stop beating
        except sqlite3.Error:
            pass  # locked: the next beat will do
        self._schedule_beat()

    def _hold(self) -> None:
        """Make sure this recorder still owns its run; else stop recording and raise
        RunTakenOver. A run marked `interrupted` meanwhile (this process seemed gone: stopped,
        on another machine) and not taken is this process's again."""
        if self._run_id is None:
            return
        row = self.db.execute(
            "select owner, status, pid, host from runs where id = ?", (self._run_id,)
        ).fetchone()
        if row is None or (row[0] is not None and row[0] != self._owner):
            self._finished = True
            self._stop_timers()
            self._lost = RunTakenOver(self._run_id, *(row[2:] if row is not None else (None, None)))
            raise self._lost
        if row[1] == "interrupted":
            self.db.execute(
                "update runs set status = 'running', stop_reason = null, finished_at = null,"
                " heartbeat_at = ? where id = ? and owner = ?",
                (time.time(), self._run_id, self._owner),
            )

    def _stop_timers(self) -> None:
        for timer in (self._flush_timer, self._beat_timer):
            if timer is not None:
                timer.cancel()
        self._flush_timer = self._beat_timer = None

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A short write transaction; IMMEDIATE so a read-then-write never hits a stale snapshot."""
        if self.db.conn.in_transaction:  # the caller's transaction: nest with a savepoint
            with self.db.atomic():
                yield
            return
        self.db.conn.execute("begin immediate")
        try:
            if self._started:
                self._hold()
            yield
        except BaseException:
            if self.db.conn.in_transaction:  # SQLite rolls back by itself on a full disk
                self.db.conn.execute("rollback")
            raise
        self.db.conn.execute("commit")

    def _totals(self, usage: Usage, calls: int, cost: float | None) -> tuple[Any, ...]:
        u = self._base_usage + usage
        total_cost = None if cost is None or self._base_cost is None else self._base_cost + cost
        return (
            u.input_tokens,
            u.output_tokens,
            u.cache_read_tokens,
            u.cache_write_tokens,
            self._base_calls + calls,
            total_cost,
        )

    def _redact_opt(self, text: str | None) -> str | None:
        return None if text is None else self._redact(text)

    def _json(self, value: Any) -> str:
        return self._redact(json.dumps(value, ensure_ascii=False, default=str))

    def _scrub(self, value: Any) -> Any:
        """The request as given, minus any credential field a provider may have put in it."""
        if isinstance(value, dict):
            return {
                k: (self.keeping.redacted if str(k).lower() in _SECRET_FIELDS else self._scrub(v))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._scrub(v) for v in value]
        return value


def _weak_call(obj: object, method: str) -> Callable[[], None]:
    """A timer callback that does not keep an abandoned recorder (and its timers) alive."""
    ref = weakref.ref(obj)

    def call() -> None:
        target = ref()
        if target is not None:
            getattr(target, method)()

    return call
