"""Helpers shared by the subcommands: errors for the user, the database, safe printing."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


# Attempts of one problem: a bound, so a typo cannot ask for millions of runs at once.
MAX_ATTEMPTS = 1000


class UsageError(Exception):
    """Bad usage or bad input: exit 2 with this one line on stderr."""


class RunFailed(Exception):
    """The work itself failed (provider error after retries...): exit 1 with this line."""


# CSI / OSC / DCS / other ESC sequences, then C0/C1 controls except \n and \t.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, BEL- or ST-terminated (or cut)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes, or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def safe_text(text: str) -> str:
    """Model text made safe for a terminal: no escape sequences, no control characters."""
    return _ESCAPES.sub("", text.replace("\r\n", "\n"))


# The start of an escape sequence that a delta ended in: held back until the next delta ends it.
_UNFINISHED = re.compile(
    r"(?:\x1b\[[0-?]*[ -/]*|\x1b\][^\x07\x1b]*|\x1b[PX^_][^\x1b]*|\x9b[0-?]*[ -/]*|\x1b)\Z"
)
MAX_HELD = 4096  # an unfinished sequence longer than this is dropped as it stands


class SafeStream:
    """safe_text for text that arrives in pieces: a sequence cut between two pieces leaves no
    residue ("]0;title", "31m") on screen."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        text = self._held + text
        self._held = ""
        m = _UNFINISHED.search(text)
        if m is not None and len(text) - m.start() <= MAX_HELD:
            text, self._held = text[: m.start()], text[m.start() :]
        return safe_text(text)

    def flush(self) -> str:
        """What was held back, once no more text is coming."""
        text, self._held = self._held, ""
        return safe_text(text)


def json_text(obj: object) -> str:
    """JSON for a terminal: readable non-ASCII, C1 controls and line separators escaped too."""
    import json

    text = json.dumps(obj, ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f\u2028\u2029]", lambda m: f"\\u{ord(m[0]):04x}", text)


def store_path(args: argparse.Namespace) -> Path:
    """The database file the command line names: --db, else PONDER_DB, else the default."""
    from store.db import default_db_path

    path = getattr(args, "db", None)
    return Path(path).expanduser() if path else default_db_path()


def store_writable(args: argparse.Namespace) -> bool:
    """False when the database file exists and this process may not write to it."""
    path = store_path(args)
    return not path.exists() or os.access(path, os.W_OK)


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
