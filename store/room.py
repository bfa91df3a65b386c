"""Room kept for a full disk: a file of ROOM_BYTES beside the database, given back when the disk
fills, so that the runs in flight can still be marked `interrupted` (a write SQLite must append to
its WAL, which needs free space) instead of being left `running` by a process that exits.

After the disk filled under a connection, its recorders write only those marks (for
FULL_HOLD_S), so the text of other runs does not eat the room first. The file is made again by the
next run that starts with room to spare.
"""

from __future__ import annotations

import contextlib
import os
import time
import weakref
from pathlib import Path

import sqlite_utils

ROOM_BYTES = 256 * 1024
FULL_HOLD_S = 30.0
_full_since: weakref.WeakKeyDictionary[sqlite_utils.Database, float] = weakref.WeakKeyDictionary()


def room_file(db: sqlite_utils.Database) -> Path | None:
    """The room file of a database (None: in memory)."""
    from store.db import database_file

    path = database_file(db)
    return None if path is None else path.with_name(path.name + "-room")


def keep_room(db: sqlite_utils.Database) -> None:
    """Make sure the room file is there (cheap when it is); quietly nothing where it cannot be."""
    room = room_file(db)
    if room is None or room.exists():
        return
    try:
        fd = os.open(room, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return  # read-only, or made by another process just now
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(b"\0" * ROOM_BYTES)  # written, not sparse: the blocks are really taken
    except OSError:
        with contextlib.suppress(OSError):
            room.unlink()  # no room for the room: nothing to give back later either


def give_room(db: sqlite_utils.Database) -> bool:
    """The disk is full: free the room file for the marks; True if there was one to free."""
    _full_since[db] = time.monotonic()
    room = room_file(db)
    if room is None:
        return False
    try:
        room.unlink()
    except OSError:
        return False
    return True


def is_full(db: sqlite_utils.Database) -> bool:
    """Did the disk fill under this connection lately (so only the marks are written)?"""
    since = _full_since.get(db)
    if since is None:
        return False
    if time.monotonic() - since > FULL_HOLD_S:
        del _full_since[db]
        return False
    return True
