"""The store as tests need it: problems and runs written directly (`add_problem`, `add_problems`,
`add_run`), and a run recorded through the recorder as the engine would send it (`record_run`).
The `db` fixture is in conftest.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from reasoning.events import (
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
)
from store.grades import add_grade
from store.recorder import RunRecorder
from workbench.keeping import KEEPING

STARTED = "2026-01-01T00:00:00+00:00"
NO_USAGE = Usage()


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


def add_problems(db, dataset: str, n: int, reference: str | None = None) -> list[int]:
    """Problems 1..n of `dataset` ("Problem k"), each with `reference`, else its own number."""
    return [
        add_problem(db, str(k), str(k) if reference is None else reference, dataset=dataset)
        for k in range(1, n + 1)
    ]


def problem_id(db, dataset: str, key: str) -> int:
    row = db.conn.execute(
        "select id from problems where dataset = ? and key = ?", [dataset, key]
    ).fetchone()
    return int(row[0])


def add_run(
    db,
    problem_id: int | None,
    answer: str | None,
    status: str = "done",
    steps: Sequence[str | tuple[str, str | None, str]] = (),
    **columns: Any,
) -> int:
    """A run row written directly, no recorder: prompt 'p', dcot, openai, model 'm', started
    2026-01-01, unless `columns` say otherwise; steps as texts or (kind, title, content)."""
    row = {
        "problem_id": problem_id,
        "prompt": "p",
        "paradigm": "dcot",
        "provider": "openai",
        "model": "m",
        "status": status,
        "answer": answer,
        "started_at": STARTED,
        **columns,
    }
    cur = db.conn.execute(
        f"insert into runs ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    run_id = cur.lastrowid
    for i, step in enumerate(steps, 1):
        kind, title, content = ("step", None, step) if isinstance(step, str) else step
        db.conn.execute(
            "insert into steps (run_id, idx, kind, title, content) values (?, ?, ?, ?, ?)",
            [run_id, i, kind, title, content],
        )
    db.conn.commit()
    return run_id


def grade_right(db, run_id: int, right: bool) -> int:
    """An automatic grade of a run: full if it was right, else zero."""
    return add_grade(
        db,
        run_id,
        grader="auto",
        score=1.0 if right else 0.0,
        verdict="full" if right else "zero",
    )


def record_run(
    db,
    prompt: str = "What is 2+2?",
    answer: str | None = "4",
    *,
    steps: Sequence[Step] = (),
    stream: bool = False,
    cut: tuple[int, str, str] | None = None,
    end: Literal["finish", "cancel", "none"] = "finish",
    paradigm: str = "dcot",
    model: str = "gpt-test",
    base_url: str | None = None,
    settings: RunSettings | None = None,
    status: str = "done",
    stop_reason: str = "answer",
    final_reward: float | None = None,
    usage: Usage = NO_USAGE,
    calls: int = 1,
    cost_usd: float | None = None,
    elapsed_s: float = 1.0,
    usage_update: bool = False,
    **recorder_kw: Any,
) -> int:
    """A run recorded through the recorder as the engine sends it: RunStarted, each step (as
    StepFinished, or `stream`ed: StepStarted, its text as one TextDelta, StepFinished), a
    UsageUpdate if asked, then `cut` (index, kind, text: a step begun and not finished) and the
    end: RunFinished, a cancel, or none (left running)."""
    rec = recorder(db, **recorder_kw)
    rec.handle(
        RunStarted(paradigm, "openai", model, base_url, prompt, settings or RunSettings())  # type: ignore[arg-type]
    )
    for step in steps:
        if stream:
            rec.handle(StepStarted(step.index, step.kind))
            rec.handle(TextDelta(step.index, step.content))
        rec.handle(StepFinished(step))
    if usage_update:
        rec.handle(UsageUpdate(usage, calls, cost_usd))
    if cut is not None:
        index, kind, text = cut
        rec.handle(StepStarted(index, kind))  # type: ignore[arg-type]
        rec.handle(TextDelta(index, text))
    if end == "finish":
        result = RunResult(
            status,  # type: ignore[arg-type]
            stop_reason,  # type: ignore[arg-type]
            answer,
            final_reward,
            tuple(steps),
            usage,
            calls,
            cost_usd,
            elapsed_s,
        )
        rec.handle(RunFinished(result))
    elif end == "cancel":
        rec.finish_cancelled()
    else:
        rec.flush()
    assert rec.run_id is not None
    return rec.run_id
