"""Opening the database: location, WAL, busy timeout, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from store.migrations import migrate

BUSY_TIMEOUT_MS = 15_000


def default_db_path() -> Path:
    """PONDER_DB, else the platform's user data dir."""
    env = os.environ.get("PONDER_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("ponder", appauthor=False)) / "ponder.db"


def open_db(
    path: str | Path | None = None, *, migrate_now: bool = True, recover: bool = True
) -> sqlite_utils.Database:
    """Open (creating if needed) and upgrade a Ponder database.

    `recover`: runs left `running` by a dead process become `interrupted` (cheap: by index).
    """
    path = Path(path).expanduser() if path else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("pragma foreign_keys = on")
    db = sqlite_utils.Database(conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("pragma synchronous = normal")
    if migrate_now:
        migrate(db)
        if recover:
            from store.queries import mark_interrupted

            mark_interrupted(db)
    return db
