"""Rows for store tests: problems and runs written directly, and the recorder as `drive` makes it."""

from __future__ import annotations

from typing import Any

from store.recorder import RunRecorder
from workbench.keeping import KEEPING


def recorder(db, **kw: Any) -> RunRecorder:
    """A RunRecorder keeping what drive's keeps: the process's keys redacted, its prices."""
    return RunRecorder(db, keeping=KEEPING, **kw)


def add_problem(db, key: str, reference: str | None, kind: str | None = None, **extra) -> int:
    cur = db.conn.execute(
        "insert into problems (dataset, key, text, reference, kind, max_points) values (?, ?, ?, ?, ?, ?)",
        [
            extra.get("dataset", "set"),
            key,
            extra.get("text", f"Problem {key}"),
            reference,
            kind,
            extra.get("max_points"),
        ],
    )
    db.conn.commit()
    return cur.lastrowid


def add_run(
    db, problem_id: int | None, answer: str | None, status: str = "done", steps: list[str] = ()
) -> int:
    cur = db.conn.execute(
        "insert into runs (problem_id, prompt, paradigm, provider, model, status, answer, started_at)"
        " values (?, 'p', 'dcot', 'openai', 'm', ?, ?, '2026-01-01T00:00:00+00:00')",
        [problem_id, status, answer],
    )
    run_id = cur.lastrowid
    for i, content in enumerate(steps, 1):
        db.conn.execute(
            "insert into steps (run_id, idx, kind, content) values (?, ?, 'step', ?)",
            [run_id, i, content],
        )
    db.conn.commit()
    return run_id
