"""What every bench shares: the port its fake server listens on and the port it says it took, a
deadline for its waits, a fresh store of simple problems to bench over, and `ponder` started in a
pseudo-terminal.

Ports come from the system (port 0: the kernel picks a free one) unless `PONDER_BENCH_PORTS`
names a range, `LOW-HIGH` (e.g. `20000-20099`), for a machine whose firewall or neighbours
want the benches in a known place; the first port of the range that binds is used.
"""

from __future__ import annotations

import csv
import fcntl
import os
import pty
import socket
import struct
import subprocess
import termios
import time
from pathlib import Path

PORTS_ENV = "PONDER_BENCH_PORTS"


class BenchTimeout(RuntimeError):
    """A bench waited longer than its limit for something that never came."""


def port_range() -> range | None:
    """The configured range of ports, or None (the system picks)."""
    spec = os.environ.get(PORTS_ENV, "").strip()
    if not spec:
        return None
    low, sep, high = spec.partition("-")
    try:
        first, last = int(low), int(high if sep else low)
    except ValueError:
        raise SystemExit(f"{PORTS_ENV}={spec!r}: expected LOW-HIGH, e.g. 20000-20099") from None
    if not 0 < first <= last < 65536:
        raise SystemExit(f"{PORTS_ENV}={spec!r}: ports run from 1 to 65535, LOW <= HIGH")
    return range(first, last + 1)


def free_port() -> int:
    """A port for a fake server: 0 (the system's choice) or the first free one of the range."""
    ports = port_range()
    if ports is None:
        return 0
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"{PORTS_ENV}: no free port in {ports.start}-{ports.stop - 1}")


def ready_port(proc: subprocess.Popen[str]) -> int:
    """The port a fake server process took, from its first line (`READY <port>`)."""
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        raise SystemExit(f"fake server did not start: {line}")
    return int(line[1])


class Deadline:
    """A wall-clock limit for one wait; `check(what)` raises BenchTimeout naming what never came."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def check(self, what: str) -> None:
        if time.monotonic() > self.at:
            raise BenchTimeout(f"{what}: not within {self.seconds:.0f} s")


def times_seven_store(home: Path, dataset: str, n: int) -> Path:
    """A new folder `home` holding a store (ponder.db, returned) into which `n` problems ("what is
    i times 7?", integer answers) are imported as `dataset` from a sheet `dataset`.csv beside it."""
    from store.db import open_db
    from store.problems import import_file

    home.mkdir()
    db_path = home / "ponder.db"
    sheet = home / f"{dataset}.csv"
    with sheet.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "kind"])
        for i in range(1, n + 1):
            w.writerow([i, f"Problem {i}: what is {i} times 7?", str(7 * i), "integer"])
    db = open_db(db_path)
    import_file(db, sheet, dataset)
    db.conn.close()
    return db_path


def spawn_in_pty(
    argv: list[str], env: dict[str, str], size: tuple[int, int]
) -> tuple[subprocess.Popen[bytes], int]:
    """`argv` started in its own session on a new pseudo-terminal of `size` (columns, rows) as its
    stdin, stdout and stderr; returns the process and the terminal's master side to read."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    return proc, master
