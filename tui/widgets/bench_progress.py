"""A bench's progress per configuration (model x paradigm), read from its runs, and its bar."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, ProgressBar

from store.grades import EFFECTIVE_GRADE_ID
from tui.widgets.run_cells import one_line


@dataclass(frozen=True)
class ConfigProgress:
    """One configuration of a bench: its problems by the state of their latest run."""

    model: str
    paradigm: str
    problems: int  # problems with a run in this bench
    done: int
    failed: int
    running: int
    stopped: int  # cancelled or interrupted, to be run again on resume
    graded: int  # done runs whose grade counts: full, partial or zero
    needs_human: int  # done runs the automatic graders left to a person

    @property
    def finished(self) -> int:
        return self.done + self.failed


# The latest run per problem counts, so a resumed bench's re-runs replace what they redo.
_PROGRESS_SQL = """
with latest as (
    select id, coalesce(model, '?') as model, coalesce(paradigm, '?') as paradigm, status,
           row_number() over (
               partition by model, paradigm, coalesce(problem_id, -id) order by id desc
           ) as rn
    from runs where bench_id = ?
),
counted as (
    select l.model, l.paradigm, l.status, g.verdict
    from latest l left join grades g on g.id = {effective}
    where l.rn = 1
)
select model, paradigm, count(*), sum(status = 'done'), sum(status = 'failed'),
       sum(status = 'running'), sum(status in ('cancelled', 'interrupted')),
       sum(status = 'done' and verdict in ('full', 'partial', 'zero')),
       sum(status = 'done' and verdict = 'needs_human')
from counted group by model, paradigm order by model, paradigm
""".format(effective=EFFECTIVE_GRADE_ID.format(run="l.id"))


def bench_progress(db: sqlite_utils.Database, bench_id: str) -> list[ConfigProgress]:
    """Per model x paradigm, the bench's problems by the state of their latest run."""
    return [
        ConfigProgress(r[0], r[1], r[2], *(int(v or 0) for v in r[3:9]))
        for r in db.conn.execute(_PROGRESS_SQL, [bench_id]).fetchall()
    ]


def running_bench(db: sqlite_utils.Database) -> str | None:
    """The bench id of a run in progress (this process or another), newest first."""
    row = db.conn.execute(
        "select bench_id from runs where status = 'running' and bench_id is not null"
        " order by id desc limit 1"
    ).fetchone()
    return None if row is None else str(row[0])


def latest_bench(db: sqlite_utils.Database) -> str | None:
    """The bench id of the newest bench run."""
    row = db.conn.execute(
        "select bench_id from runs where id = (select max(id) from runs where bench_id is not null)"
    ).fetchone()
    return None if row is None else str(row[0])


class ConfigBar(Horizontal):
    """A configuration's label, progress bar and counts on one line."""

    # The counts wrap under themselves rather than being cut (a narrow Bench screen stacks the
    # three: see BenchScreen's CSS).
    DEFAULT_CSS = """
    ConfigBar { height: auto; }
    ConfigBar .config-label { width: 30; }
    ConfigBar ProgressBar { width: 38; }
    ConfigBar .config-counts { width: 1fr; height: auto; color: $text-muted; }
    """

    def __init__(self, model: str, paradigm: str) -> None:
        super().__init__(classes="config-bar")
        self.model = model
        self.paradigm = paradigm

    def compose(self) -> ComposeResult:
        label = f"{one_line(self.model, 24)} · {self.paradigm}"
        yield Label(Content(label), classes="config-label", markup=False)
        yield ProgressBar(total=None, show_eta=False)
        yield Label("", classes="config-counts", markup=False)

    def show(self, p: ConfigProgress, expected: int) -> None:
        """Finished (done or failed) of `expected` problems, and the counts in words."""
        total = max(expected, p.problems, 1)
        self.query_one(ProgressBar).update(total=total, progress=p.finished)
        parts = [f"{p.done}/{total} done"]
        if p.failed:
            parts.append(f"{p.failed} failed")
        if p.running:
            parts.append(f"{p.running} running")
        if p.stopped:
            parts.append(f"{p.stopped} stopped")
        parts.append(f"{p.graded} graded")
        if p.needs_human:
            parts.append(f"{p.needs_human} need a human")
        self.query_one(".config-counts", Label).update(Content(" · ".join(parts)))
