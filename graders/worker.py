"""Killable sympy worker processes, kept warm between grades.

sympy's simplify (or an integer power such as 9^(9^9)) can run for minutes and cannot be
interrupted inside a thread, so all sympy work runs in a child process that is killed when a
grade's deadline passes, and replaced in the background. The child is a fresh interpreter
(`python -c "from graders.worker import main; ..."`) talking over two pipes with
multiprocessing's Connection: like the spawn context it never forks a threaded parent, and
unlike multiprocessing's spawn/forkserver it does not re-import the caller's `__main__` (a
script without an `if __name__ == "__main__"` guard would otherwise run again in the child).
Workers stay alive between grades, so only the first expression grade pays the start-up
(~0.4 s); choice and numeric grading never start one. Starts happen on a background thread,
so a slow start counts against a deadline but never blocks past it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

MEMORY_LIMIT_BYTES = 2 * 1024**3  # a runaway bignum in a worker must not take the machine down
START_TIMEOUT_S = 60.0
CPU_PER_REQUEST_S = 120
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


def main(read_fd: int, write_fd: int) -> None:
    """Worker process entry: answer requests from compare.handle until the pipe closes."""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = (
            MEMORY_LIMIT_BYTES if hard == resource.RLIM_INFINITY else min(hard, MEMORY_LIMIT_BYTES)
        )
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass
    cpu_budget = _cpu_limiter()
    reader = Connection(read_fd, writable=False)
    writer = Connection(write_fd, readable=False)
    from graders.compare import handle

    writer.send(("ready",))
    while True:
        try:
            request = reader.recv()
        except (EOFError, OSError):
            return
        cpu_budget()
        try:
            reply = handle(request)
        except MemoryError:
            reply = ("error", "ran out of memory")
        except RecursionError:
            reply = ("error", "expression nested too deeply")
        except Exception as exc:  # any sympy failure is a result, not a crash
            reply = ("error", f"{type(exc).__name__}: {str(exc)[:120]}")
        try:
            writer.send(reply)
        except (BrokenPipeError, OSError):
            return


def _cpu_limiter() -> Callable[[], None]:
    """A function that caps the CPU of the next request, so an orphaned worker cannot spin on."""
    try:
        import resource
    except ImportError:
        return lambda: None

    def limit() -> None:
        # The parent kills a worker at its deadline; this only matters if the parent died first.
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + CPU_PER_REQUEST_S
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

    return limit


class _Worker:
    def __init__(
        self, process: subprocess.Popen[bytes], to_child: Connection, from_child: Connection
    ) -> None:
        self.process = process
        self.to_child = to_child
        self.from_child = from_child

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(0.5)
        for conn in (self.to_child, self.from_child):
            with contextlib.suppress(Exception):
                conn.close()


def _launch() -> _Worker:
    """Start one worker interpreter and wait until it has imported sympy."""
    child_in_r, child_in_w = os.pipe()
    child_out_r, child_out_w = os.pipe()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
    code = f"from graders.worker import main; main({child_in_r}, {child_out_w})"
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            pass_fds=(child_in_r, child_out_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal is for the app, not the worker
            env=env,
        )
    finally:
        os.close(child_in_r)
        os.close(child_out_w)
    worker = _Worker(
        process, Connection(child_in_w, readable=False), Connection(child_out_r, writable=False)
    )
    try:
        if not worker.from_child.poll(START_TIMEOUT_S) or worker.from_child.recv() != ("ready",):
            raise WorkerFailed("the worker did not start")
    except BaseException:
        worker.kill()
        raise
    return worker


class WorkerTimeout(Exception):
    """The deadline passed before the worker answered."""


class WorkerFailed(Exception):
    """The worker could not be started or died while working."""


class SympyPool:
    """A few warm worker processes; call() hands a request to an idle one under a deadline."""

    def __init__(self, max_workers: int | None = None) -> None:
        self.max_workers = max_workers or max(2, min(4, os.cpu_count() or 2))
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()  # idle and busy, so that close() can kill them all
        self._busy = 0
        self._starting = 0
        self._start_error: str | None = None
        self.launches = 0  # workers started so far: lets tests and benches see start-ups

    def _start_one(self) -> None:
        """Start a worker (on a background thread) and put it in the idle list when ready."""
        worker: _Worker | None = None
        error: str | None = None
        try:
            worker = _launch()
        except Exception as exc:
            error = f"could not start the sympy worker: {type(exc).__name__}: {exc}"
        with self._lock:
            self._starting -= 1
            if worker is not None:
                self._idle.append(worker)
                self._all.add(worker)
                self._start_error = None
            else:
                self._start_error = error
            self._lock.notify_all()

    def _spawn_async(self) -> None:
        # caller holds the lock
        self._starting += 1
        self.launches += 1
        threading.Thread(target=self._start_one, name="ponder-sympy-start", daemon=True).start()

    def warm_up(self) -> None:
        """Start one worker in the background if none is running or starting."""
        with self._lock:
            if not self._idle and not self._starting and not self._busy:
                self._spawn_async()

    def _acquire(self, deadline: float) -> _Worker:
        with self._lock:
            while True:
                if self._idle:
                    self._busy += 1
                    return self._idle.pop()
                if self._start_error and not self._starting:
                    error, self._start_error = self._start_error, None
                    raise WorkerFailed(error)
                total = self._busy + self._starting
                if total < self.max_workers and self._starting == 0:
                    self._spawn_async()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerTimeout("no sympy worker became free in time")
                self._lock.wait(remaining)

    def _release(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None and worker in self._all:  # close() may have killed it meanwhile
                self._idle.append(worker)
            self._lock.notify_all()

    def call(self, request: tuple[Any, ...], deadline: float) -> tuple[Any, ...]:
        """Send one request to a worker and return its reply, or raise when the deadline passes."""
        worker = self._acquire(deadline)
        try:
            worker.to_child.send(request)
            remaining = deadline - time.monotonic()
            if remaining > 0 and worker.from_child.poll(remaining):
                reply = worker.from_child.recv()
            else:
                self._discard(worker)
                with self._lock:  # keep one replacement warm for the next grade
                    if not self._idle and not self._starting:
                        self._spawn_async()
                raise WorkerTimeout("timed out")
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._discard(worker)
            raise WorkerFailed(f"the sympy worker died ({type(exc).__name__})") from exc
        self._release(worker)
        return reply  # type: ignore[no-any-return]

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        self._release(None)

    def close(self) -> None:
        """Kill every worker, idle or busy (a busy caller then gets WorkerFailed)."""
        with self._lock:
            doomed, self._idle = list(self._all), []
            self._all.clear()
        for w in doomed:
            w.kill()


POOL = SympyPool()
atexit.register(POOL.close)
