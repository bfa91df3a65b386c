"""What every bench shares: the port its fake server listens on, and a deadline for its waits.

Ports come from the system (port 0: the kernel picks a free one) unless `PONDER_BENCH_PORTS`
names a range, `LOW-HIGH` (e.g. `20000-20099`), for a machine whose firewall or neighbours
want the benches in a known place; the first port of the range that binds is used.
"""

from __future__ import annotations

import os
import socket
import time

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
