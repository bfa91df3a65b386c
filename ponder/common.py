"""Helpers shared by the subcommands: errors for the user, the database, printing a line."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

T = TypeVar("T")


# Attempts of one problem: a bound, so a typo cannot ask for millions of runs at once.
MAX_ATTEMPTS = 1000


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this one line on stderr."""


class RunFailed(Exception):
    """The work itself failed (provider error after retries...): exit 1 with this line."""


class StoreFault(Exception):
    """The database failed under a command (a damaged page, a full disk): its one line."""

    def __init__(self, path: Path, exc: BaseException) -> None:
        self.path = path
        self.verdict = str(exc) or type(exc).__name__
        hint = ""
        if "malformed" in self.verdict or "corrupt" in self.verdict:
            hint = f"; check it with `ponder db check --db {path}`"
        elif "full" in self.verdict:
            hint = "; free some space"
        super().__init__(f"database {path}: SQLite says: {self.verdict}{hint}")


def store_path(args: argparse.Namespace) -> Path:
    """The database file the command line names: --db, else PONDER_DB, else the default."""
    from store.db import default_db_path

    path = getattr(args, "db", None)
    return Path(path).expanduser() if path else default_db_path()


def store_writable(args: argparse.Namespace) -> bool:
    """False when the database exists and this process may not write to it (or its folder)."""
    from store.db import is_writable

    return is_writable(store_path(args))


def open_store(args: argparse.Namespace, *, write: bool = False) -> sqlite_utils.Database:
    """The database; with `write`, a read-only file is refused now, before any work is done."""
    import sqlite3

    from store.db import open_db

    path = store_path(args)
    if write and not store_writable(args):
        raise UsageError(f"database {path} is read-only, and this command writes to it")
    if path.is_dir():
        raise UsageError(f"cannot open database {path}: it is a folder")
    try:
        return open_db(path)
    except (FileExistsError, NotADirectoryError) as exc:  # a parent that is a file
        raise UsageError(f"cannot open database {path}: {exc.filename} is not a folder") from None
    except sqlite3.DatabaseError as exc:
        why = "not a SQLite database" if "not a database" in str(exc) else str(exc)
        raise UsageError(f"cannot open database {path}: {why}") from None
    except Exception as exc:  # permissions, a full disk...
        raise UsageError(f"cannot open database {path}: {exc}") from exc


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, with Ctrl+C cancelling the coroutine from the event loop, between callbacks,
    and KeyboardInterrupt raised once it has ended (its cleanup done); a second Ctrl+C stops
    at once.

    asyncio.run's own handler cancels from inside whatever code runs when the signal lands: in a
    transport's data_received, between a future's done() check and its set_result, that makes
    the set fail, and asyncio says "Fatal error: protocol.data_received() call failed"."""
    interrupted = False

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigint() -> None:
            nonlocal interrupted
            if interrupted or task is None:
                raise KeyboardInterrupt
            interrupted = True
            task.cancel()

        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
            handled = True
        except (NotImplementedError, RuntimeError, ValueError):
            handled = False  # not the main thread, or no signals here: Ctrl+C as asyncio does
        try:
            return await coro
        finally:
            if handled:
                loop.remove_signal_handler(signal.SIGINT)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
