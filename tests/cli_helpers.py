"""`ponder` as tests drive it: a command run in-process, and waiting on a real process."""

from __future__ import annotations

import time
from collections.abc import Callable

from tui.cli import main


def ponder(capsys, *argv: str) -> tuple[int, str, str]:
    """Run `ponder ARGV` in-process: its exit code, stdout and stderr."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> None:
    """Poll `condition` until it holds (a bound for a hung process, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
