"""Helpers shared by the subcommands: errors for the user, the database, printing a line."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

T = TypeVar("T")


# Attempts of one problem: a bound, so a typo cannot ask for millions of runs at once.
MAX_ATTEMPTS = 1000


def user_name() -> str:
    """Who is grading, when nobody said: the login name (as `ponder grade --by` defaults)."""
    import getpass
    import os

    try:
        return os.environ.get("USER") or getpass.getuser()
    except (OSError, KeyError):  # no user database entry (a container): nobody in particular
        return ""


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this one line on stderr."""


class RunFailed(Exception):
    """The work itself failed (provider error after retries...): exit 1 with this line."""


class StoreFault(Exception):
    """The database failed under a command (a damaged page, a full disk): its one line, exit 1."""

    def __init__(self, path: Path, exc: BaseException) -> None:
        self.path = path
        self.verdict = str(exc) or type(exc).__name__
        hint = ""
        if any(word in self.verdict for word in _DAMAGED):
            hint = f"; check it with `ponder db check --db {path}`"
        elif "full" in self.verdict:
            hint = "; free some space"
        super().__init__(f"database {path}: SQLite says: {self.verdict}{hint}")


# SQLite's words for a file it cannot read as a database.
_DAMAGED = ("malformed", "corrupt", "not a database", "encrypted", "disk I/O error")


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
    """The database; with `write`, a read-only file is refused now, before any work is done.

    A file SQLite cannot read is a damaged database (exit 1, `ponder db check`) when it has the
    shape of one, else not a database at all (exit 2). A database written by a newer Ponder is
    opened read-only, with a one-line notice."""
    import sqlite3

    from store.db import newer_migrations, open_db
    from store.pagescan import looks_like_sqlite

    path = store_path(args)
    if write and not store_writable(args):
        raise UsageError(f"database {path} is read-only, and this command writes to it")
    if path.is_dir():
        raise UsageError(f"cannot open database {path}: it is a folder")
    new = not path.exists()
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    try:
        db = open_db(path)
    except (FileExistsError, NotADirectoryError) as exc:  # a parent that is a file
        raise UsageError(f"cannot open database {path}: {exc.filename} is not a folder") from None
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) and not looks_like_sqlite(path):
            raise UsageError(f"cannot open database {path}: not a SQLite database") from None
        raise StoreFault(path, exc) from None
    except OSError as exc:  # permissions, a full disk...
        raise RunFailed(f"cannot open database {path}: {exc.strerror or exc}") from None
    if new:
        _created.append(_Created(path, path.stat().st_ino, missing))
    newer = newer_migrations(db)
    if newer:
        what = f"{path} was written by a newer Ponder (it knows {', '.join(newer)})"
        if write:
            db.close()
            raise RunFailed(f"database {what}: this command writes to it; upgrade Ponder")
        sys.stderr.write(f"ponder: database {what}: opened read-only; upgrade Ponder to write\n")
    return db


@dataclass(frozen=True)
class _Created:
    """A database this command made (and the folders it made for it)."""

    path: Path
    inode: int
    folders: list[Path]


_created: list[_Created] = []


def forget_created() -> None:
    """A new command begins: what earlier ones in this process created is theirs."""
    _created.clear()


def discard_created() -> None:
    """A command that failed on usage leaves nothing behind: the database it created (still
    empty: no run, no imported set; the same file, not one made since by another process),
    its WAL files and the folders made for it."""
    import contextlib

    from store.db import holds_work

    while _created:
        made = _created.pop()
        try:
            if made.path.stat().st_ino != made.inode or holds_work(made.path):
                continue
        except OSError:
            continue
        for suffix in ("", "-wal", "-shm", "-room"):
            with contextlib.suppress(OSError):
                Path(f"{made.path}{suffix}").unlink()
        for folder in made.folders:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()


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


def limits_from_args(args: argparse.Namespace) -> tuple[float, float | None]:
    """--max-time and --timeout, for RunSettings' wall_time_s and timeout_s: the flag, else the
    config's [limits] (its timeout reaches the provider through its spec), else the defaults."""
    from reasoning.events import DEFAULT_MAX_TIME_S
    from reasoning.providers.config import configured_limits

    max_time = getattr(args, "max_time", None)
    if max_time is None:
        max_time = configured_limits()[0] or DEFAULT_MAX_TIME_S
    return max_time, getattr(args, "timeout", None)
