"""A database connection for a worker thread: its own when the store is a file, so the UI's
connection never has a transaction open under it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlite_utils


def db_file(db: sqlite_utils.Database) -> str | None:
    """The file behind a connection, or None for an in-memory database."""
    for _, name, path in db.conn.execute("pragma database_list").fetchall():
        if name == "main":
            return path or None
    return None


@contextlib.contextmanager
def thread_db(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A connection to the same store for use in this thread (the same one if in memory)."""
    path = db_file(db)
    if path is None:
        yield db
        return
    from store.db import open_db

    own = open_db(path, recover=False)
    try:
        yield own
    finally:
        own.conn.close()
