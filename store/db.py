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


def is_writable(path: Path) -> bool:
    """Can this process write the database at `path` (and the WAL files beside it)?"""
    if not path.exists():
        return True  # to be created: opening reports why not, if it cannot
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK):
        return True
    # A folder we cannot write: the WAL files must already be there, and writable.
    return all(os.access(f"{path}{suffix}", os.W_OK) for suffix in ("-wal", "-shm"))


def open_db(
    path: str | Path | None = None,
    *,
    migrate_now: bool = True,
    recover: bool = True,
    read_only: bool | None = None,
) -> sqlite_utils.Database:
    """Open (creating if needed) and upgrade a Ponder database.

    `recover`: runs left `running` by a dead process become `interrupted` (cheap: by index).
    `read_only`: open for reading only; None: so when the file or its folder cannot be written
    (then nothing is upgraded or recovered, and any write fails as a read-only database).
    A database written by a newer Ponder (a migration this one does not know) is opened
    read-only too, whatever `read_only` says: `newer_migrations(db)` names them.
    """
    path = Path(path).expanduser() if path else default_db_path()
    if read_only is None:
        read_only = not is_writable(path)
    if read_only:
        return sqlite_utils.Database(_connect_read_only(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("pragma foreign_keys = on")
    db = sqlite_utils.Database(conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("pragma synchronous = normal")
    if migrate_now:
        if newer_migrations(db):  # its schema is not ours to change, nor its tables to write
            conn.close()
            return sqlite_utils.Database(_connect_read_only(path))
        migrate(db)
        if recover:
            from store.queries import mark_interrupted

            mark_interrupted(db)
    return db


def newer_migrations(db: sqlite_utils.Database) -> list[str]:
    """The migrations applied to this database that this Ponder does not know: written by a
    newer version ([] for one of ours, or a new file)."""
    from store.migrations import MIGRATIONS

    try:
        applied = [r[0] for r in db.execute("select name from _ponder_migrations")]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    known = {name for name, _ in MIGRATIONS}
    return [name for name in applied if name not in known]


def holds_work(path: Path) -> bool:
    """Does the database at `path` hold anything of the user's (a run, an imported set)? True
    when it cannot be told: only an empty one may be removed."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return bool(
                conn.execute(
                    "select exists(select 1 from runs)"
                    " or exists(select 1 from datasets where source != 'bundled')"
                ).fetchone()[0]
            )
        finally:
            conn.close()
    except sqlite3.Error:
        return True


def database_file(db: sqlite_utils.Database) -> Path | None:
    """The file the database lives in (None: in memory)."""
    for row in db.execute("pragma database_list").fetchall():
        if row[1] == "main" and row[2]:
            return Path(row[2])
    return None


def is_read_only(db: sqlite_utils.Database) -> bool:
    """Writes would be refused: opened read-only, or its file (or folder) is not writable."""
    if db.execute("pragma query_only").fetchone()[0]:
        return True
    path = database_file(db)
    return path is not None and not is_writable(path)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; in a folder where SQLite cannot make its WAL index, the file is
    read as immutable (nobody can write it there either)."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"
    last: sqlite3.Error | None = None
    for extra in ("", "&immutable=1"):
        conn = sqlite3.connect(
            uri + extra, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        try:
            conn.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("pragma query_only = 1")  # says so to is_read_only
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.OperationalError as exc:
            conn.close()
            last = exc
            continue
        return conn
    assert last is not None
    raise last
