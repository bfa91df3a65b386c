"""Who drives a run: one live owner per run, across processes and machines.

A recorder writes an owner token into its run as it starts or resumes, and checks it before each
write; a process that finds another owner there (a `ponder resume` taken while it was frozen)
stops without writing. Whether an owner is alive: on its own machine, its process (the pid, and
the process's start time so a reused pid is not mistaken for it), whatever its heartbeat says,
since a stopped process (SIGSTOP, a laptop lid) is still its run's owner; elsewhere, a heartbeat
younger than STALE_HEARTBEAT_S.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

# A run still `running` whose heartbeat is older than this, on another machine, belongs to a
# dead (or unreachable) process.
STALE_HEARTBEAT_S = 60.0


class RunTakenOver(Exception):
    """Another process owns this run now: this one must stop driving it (and write nothing)."""

    def __init__(self, run_id: int | None, pid: int | None, host: str | None) -> None:
        self.run_id = run_id
        who = describe(pid, host)
        super().__init__(
            f"run {run_id} was taken over by {who} (a resume while this process was stopped):"
            " this process stopped driving it"
        )


def process_start(pid: int) -> str | None:
    """When the process started (clock ticks since boot, /proc), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
    except OSError:
        return None
    # After the command's ")": state is field 3, starttime field 22.
    return fields[19].decode() if len(fields) > 19 else None


def owner_token() -> str:
    """A new owner token for this process: when the process started (so that its pid, kept in
    the run's `pid`, is not mistaken for a later process's) and a random part (one a recorder)."""
    return f"{process_start(os.getpid()) or ''}:{uuid.uuid4().hex[:12]}"


def describe(pid: int | None, host: str | None) -> str:
    """A run's process in words: `process 1234 on this machine`, `process 1234 on host-b`."""
    where = "this machine" if host in (None, socket.gethostname()) else host
    return f"process {pid} on {where}" if pid is not None else f"another process on {where}"


def is_dead(
    pid: int | None,
    host: str | None,
    heartbeat_at: float | None,
    *,
    now: float,
    here: str,
    owner: str | None = None,
) -> bool:
    """Has the process driving a `running` run gone (so the run is `interrupted`)?"""
    start = owner.partition(":")[0] or None if owner else None
    local = pid is not None and (host is None or host == here)
    if local and start is not None:
        # Its own process, known by its start time: alive however old its heartbeat.
        return not pid_alive(pid) or process_start(pid) != start  # type: ignore[arg-type]
    if heartbeat_at is not None and now - heartbeat_at > STALE_HEARTBEAT_S:
        return True
    return local and not pid_alive(pid)  # type: ignore[arg-type]


def pid_alive(pid: int) -> bool:
    """Is a process with this id running on this machine?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process killed but not yet reaped by its parent still answers kill(0): it is dead."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rpartition(b")")[2].split()[:1]
    except OSError:
        return False  # no /proc (not Linux): trust kill(0)
    return state in ([b"Z"], [b"X"])


def driver_of(
    db: sqlite_utils.Database, run_id: int
) -> tuple[int | None, str | None, float | None]:
    """The process driving a run as its row says: pid, host and last heartbeat (epoch seconds)."""
    row = db.execute("select pid, host, heartbeat_at from runs where id = ?", (run_id,)).fetchone()
    return (None, None, None) if row is None else (row[0], row[1], row[2])
