"""`ponder` as tests drive it: a command run in-process, and waiting on a real process."""

from __future__ import annotations

import time
from collections.abc import Callable

from ponder.launch import main

# A dcot run that answers 4 in one step: what a command's happy path needs from the fake server.
TRANSCRIPT = (
    "<thinking>Plan.</thinking><step>2x = 8</step><count>19</count>"
    "<reflection>Checked.</reflection><reward>0.9</reward>"
    "<answer>4</answer><reflection>Good.</reflection><reward>0.85</reward>"
)


def exit_code(argv: list[str]) -> int:
    """main()'s exit code, argparse's own SystemExit included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


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
