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


# ---- wired into automatic grading -------------------------------------------------------------


def ungraded_runs(path, n: int) -> list[int]:
    from store_helpers import add_problem, add_run

    db = open_db(path)
    ids = []
    for i in range(n):
        problem = add_problem(db, str(i), str(7 * i), "integer")
        ids.append(add_run(db, problem, str(7 * i)))
    db.close()
    return ids


def grades_per_run(path) -> dict[int, int]:
    db = open_db(path)
    try:
        return dict(db.execute("select run_id, count(*) from grades group by run_id").fetchall())
    finally:
        db.close()


def test_two_graders_at_once_grade_each_run_once(tmp_path):
    """What `ponder bench` and `ponder grade --auto` at the same time amount to."""
    import threading

    from workbench.grading import auto_grade_pending

    path = tmp_path / "ponder.db"
    ids = ungraded_runs(path, 40)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def grader() -> None:
        db = open_db(path)
        try:
            start.wait()
            auto_grade_pending(db)
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=grader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert grades_per_run(path) == dict.fromkeys(ids, 1)


def test_a_grader_waits_for_the_one_holding_the_claim_and_takes_its_grade(tmp_path):
    import threading

    from store.grades import add_grade
    from workbench.grading import auto_grade_run

    path = tmp_path / "ponder.db"
    [run_id] = ungraded_runs(path, 1)
    db = open_db(path)
    other = f"{os.getppid()}:1@{socket.gethostname()}"
    assert claim(db, run_id, other)
    got: list[object] = []
    waiter = threading.Thread(
        target=lambda: got.append(auto_grade_run(open_db(path), run_id, redo=False))
    )
    waiter.start()
    # The other grader finishes: its grade, then its claim given back.
    add_grade(db, run_id, grader="auto", score=1.0, verdict="full", grader_name="graders")
    release(db, run_id, other)
    waiter.join()
    assert grades_per_run(path) == {run_id: 1}
    assert got and got[0].verdict == "full"  # type: ignore[attr-defined]


def test_grading_a_run_shares_one_deadline_between_its_two_tries(monkeypatch):
    """The answer field, then the whole text: together within the timeout, not each."""
    import graders.policy as policy
    from graders.result import needs_human

    now = [100.0]
    given: list[float] = []

    def slow_grade(*, timeout: float, **_: object):
        given.append(timeout)
        now[0] += timeout * 0.98  # uses nearly all the time it is given
        return needs_human("timed out", "integer")

    monkeypatch.setattr(policy, "grade", slow_grade)
    run = policy.RunAnswer("see above", "a long text ... 42", True, "42", "integer")
    policy.grade_run(run, 2.0, clock=lambda: now[0])
    assert given == [2.0]  # no time left for the second try
    given.clear()
    monkeypatch.setattr(
        policy, "grade", lambda **kw: (given.append(kw["timeout"]), needs_human("x", "integer"))[1]
    )
    policy.grade_run(run, 2.0, clock=lambda: now[0])
    assert given == [2.0, 2.0]  # nothing used by the first: the second gets what is left


def test_a_renewed_claim_does_not_go_stale(tmp_path):
    import time

    from store.claims import CLAIM_STALE_S, renew

    db = open_db(tmp_path / "ponder.db")
    judge = grader_id("judge1")
    assert judge != grader_id() and judge.endswith(f"@{socket.gethostname()}")
    assert claim(db, 3, judge) and held_by_other(db, 3)  # another grader of this thread
    db.execute("update grading_claims set claimed_at = ?", (time.time() - CLAIM_STALE_S - 1,))
    assert renew(db, 3, judge) and held_by_other(db, 3)
    assert not renew(db, 3)  # not ours
    release(db, 3, judge)
    assert not renew(db, 3, judge)
