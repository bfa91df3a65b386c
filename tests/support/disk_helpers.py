"""A small, real file system that fills up: a tmpfs mounted for one test (root only)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(where: Path, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` for the block; skips the test where mount fails."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        why = (mounted.stderr or mounted.stdout).strip() or f"exit {mounted.returncode}"
        pytest.skip(f"cannot mount a small tmpfs here ({why}): a real full disk needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(where: Path, leave: int = 0) -> None:
    """Fill the file system at `where`, leaving about `leave` bytes free."""
    import os

    st = os.statvfs(where)
    free = st.f_bavail * st.f_frsize - leave
    with contextlib.suppress(OSError), open(where / "ballast", "wb") as f:
        while free > 0:
            chunk = min(free, 1 << 16)
            f.write(b"\0" * chunk)
            free -= chunk
