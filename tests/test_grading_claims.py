"""One grader per run: a claim in the database, taken and given back around each grading."""

from __future__ import annotations

import os
import socket

from store.claims import claim, grader_id, held_by_other, release
from store.db import open_db


def test_a_claim_is_exclusive_until_released(tmp_path):
    db = open_db(tmp_path / "ponder.db")
    other = f"{os.getppid()}:1@{socket.gethostname()}"  # a live process on this machine
    assert claim(db, 7, other)
    assert not claim(db, 7) and held_by_other(db, 7)
    release(db, 7)  # not ours: it stays
    assert held_by_other(db, 7)
    release(db, 7, other)
    assert claim(db, 7) and not held_by_other(db, 7)
    assert claim(db, 7)  # ours already: taking it again is fine
    release(db, 7)
    assert db.execute("select count(*) from grading_claims").fetchone()[0] == 0


def test_a_claim_of_a_dead_process_or_an_old_one_is_taken_over(tmp_path):
    import subprocess
    import sys
    import time

    db = open_db(tmp_path / "ponder.db")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead = f"{proc.pid}:1@{socket.gethostname()}"
    assert claim(db, 1, dead)
    assert not held_by_other(db, 1) and claim(db, 1)
    elsewhere = "1:1@another-machine"
    db.execute(
        "update grading_claims set owner = ?, claimed_at = ? where run_id = 1",
        (elsewhere, time.time() - 3600),
    )
    assert (
        claim(db, 1) and grader_id() in db.execute("select owner from grading_claims").fetchone()[0]
    )
