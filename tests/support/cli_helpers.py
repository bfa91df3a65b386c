"""`ponder` as tests drive it: a command run in-process or as a process of its own, a small set
imported by it, the fake server in a process of its own, and waiting on a real process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def import_small(tmp_path: Path, n: int, dataset: str = "small") -> Path:
    """`n` problems "Problem i: what is i times 7?" (integer answers) written to `dataset`.csv in
    `tmp_path` and imported by `ponder import` as `dataset`; returns the sheet."""
    path = tmp_path / f"{dataset}.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "kind"])
        for i in range(1, n + 1):
            w.writerow([i, f"Problem {i}: what is {i} times 7?", str(7 * i), "integer"])
    assert main(["import", str(path), "--dataset", dataset]) == 0
    return path


def ponder_process(*argv: str) -> subprocess.Popen[str]:
    """`python -m ponder ARGV` as a process of its own, from the checkout, in this environment, its
    output and errors piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "ponder", *argv],
        cwd=Path(__file__).resolve().parents[2],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def fake_process(
    tmp_path: Path, *replies: dict[str, Any], flags: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], int]:
    """The fake server in a process of its own on a free port, serving `replies` in turn (a script
    written to tmp_path/script.jsonl), with its `flags`; returns the process and its port."""
    script = tmp_path / "script.jsonl"
    script.write_text("".join(json.dumps(r) + "\n" for r in replies))
    fakellm = str(Path(__file__).resolve().with_name("fakellm.py"))
    proc = subprocess.Popen(
        [sys.executable, fakellm, "--port", "0", "--script", str(script), *flags],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY "), line
    return proc, int(line.split()[1])
