"""What the Grade screen lists: finished runs with their effective and automatic grades, filtered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import sqlite_utils

from store.grades import EFFECTIVE_GRADE_ID
from store.keyset import Order, Position, beyond, order_by

Show = Literal["all", "ungraded", "needs_human", "disagree"]
SHOW_LABELS: dict[Show, str] = {
    "all": "all finished runs",
    "ungraded": "ungraded",
    "needs_human": "needs a human",
    "disagree": "auto ≠ human",
}


@dataclass(frozen=True)
class GradeFilter:
    """The Grade screen's filters; None means any."""

    dataset: str | None = None
    model: str | None = None
    paradigm: str | None = None
    show: Show = "all"


@dataclass(frozen=True)
class GradeRow:
    """One finished run as the Grade screen lists it."""

    run_id: int
    dataset: str | None
    key: str | None
    model: str | None
    paradigm: str | None
    final_reward: float | None
    answer: str | None
    score: float | None  # effective grade
    verdict: str | None
    grader: str | None
    points: float | None
    max_points: float | None
    auto_score: float | None  # latest automatic grade, shown beside a human one
    auto_verdict: str | None
    position: Position = field(default=(), compare=False)  # in the list's order (keyset)

    @property
    def problem(self) -> str:
        return f"{self.dataset}:{self.key}" if self.dataset else "(free prompt)"

    @property
    def disagrees(self) -> bool:
        """A human grade that differs from the automatic one."""
        return (
            self.grader == "human"
            and self.auto_verdict in ("full", "partial", "zero")
            and self.auto_score is not None
            and self.score is not None
            and abs(self.auto_score - self.score) > 1e-9
        )


_LATEST_AUTO = (
    "(select a.id from grades a where a.run_id = r.id and a.grader != 'human'"
    " order by a.id desc limit 1)"
)
_DISAGREE = (
    "g.grader = 'human' and a.verdict in ('full', 'partial', 'zero')"
    " and abs(a.score - g.score) > 1e-9"
)
_SHOW_SQL: dict[Show, str] = {
    "all": "",
    "ungraded": " and g.id is null",
    "needs_human": " and g.verdict = 'needs_human'",
    "disagree": f" and {_DISAGREE}",
}


def _where(f: GradeFilter) -> tuple[str, list[Any]]:
    sql = "r.status = 'done'"
    params: list[Any] = []
    for column, value in (
        ("p.dataset", f.dataset),
        ("r.model", f.model),
        ("r.paradigm", f.paradigm),
    ):
        if value is not None:
            sql += f" and {column} = ?"
            params.append(value)
    return sql + _SHOW_SQL[f.show], params


_FROM = f"""
from runs r
left join problems p on p.id = r.problem_id
left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run="r.id")}
left join grades a on a.id = {_LATEST_AUTO}
"""


def _joins(f: GradeFilter) -> str:
    """The joins a filter needs: the grades only when it filters on them."""
    joins = "from runs r left join problems p on p.id = r.problem_id"
    if f.show != "all":
        joins += f" left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run='r.id')}"
    if f.show == "disagree":
        joins += f" left join grades a on a.id = {_LATEST_AUTO}"
    return joins


def _order(f: GradeFilter) -> Order:
    # A dataset reads in problem order (length-then-text puts 2 before 10), else newest first.
    if f.dataset is not None:
        return (
            ("length(p.key)", False),
            ("p.key", False),
            ("coalesce(r.model, '')", False),
            ("coalesce(r.paradigm, '')", False),
            ("r.id", True),
        )
    return (("r.id", True),)


_ROW_COLUMNS = (
    "r.id, p.dataset, p.key, r.model, r.paradigm, r.final_reward, r.answer,"
    " g.score, g.verdict, g.grader, g.points, g.max_points, a.score, a.verdict"
)
_TO_GRADE = " and (g.id is null or g.verdict = 'needs_human')"


def grade_rows(
    db: sqlite_utils.Database,
    f: GradeFilter,
    *,
    offset: int = 0,
    limit: int = 100,
    after: Position | None = None,
    before: Position | None = None,
    last: bool = False,
) -> list[GradeRow]:
    """A page of finished runs: a dataset's in problem order, otherwise newest first.

    Pages by key: `after` / `before` a row's `position`, or the `last` page; each page in list
    order. (`offset` walks every row it skips: for short lists only.)"""
    return _page(db, f, "", after=after, before=before, last=last, limit=limit, offset=offset)


def next_to_grade(db: sqlite_utils.Database, f: GradeFilter, after: Position) -> GradeRow | None:
    """The first run listed after `after` whose grade a score cannot count yet (none, or
    needs_human)."""
    found = _page(db, f, _TO_GRADE, after=after, limit=1)
    return found[0] if found else None


def _page(
    db: sqlite_utils.Database,
    f: GradeFilter,
    extra: str,
    *,
    after: Position | None = None,
    before: Position | None = None,
    last: bool = False,
    limit: int,
    offset: int = 0,
) -> list[GradeRow]:
    where, params = _where(f)
    where += extra
    order = _order(f)
    anchor = after if after is not None else before
    if anchor is not None:
        condition, values = beyond(order, anchor, before=after is None)
        where += f" and {condition}"
        params += values
    backward = before is not None or last
    joins = _joins(f) if not extra else _FROM
    # The page's ids first, so the grade lookups run for those rows only.
    page = (
        f"select r.id {joins} where {where}"
        f" order by {order_by(order, reverse=backward)} limit ? offset ?"
    )
    rows = db.conn.execute(
        f"select {_ROW_COLUMNS}, {', '.join(expr for expr, _ in order)}"
        f" {_FROM} where r.id in ({page}) order by {order_by(order)}",
        [*params, max(0, limit), max(0, offset)],
    ).fetchall()
    width = len(GradeRow.__dataclass_fields__) - 1
    return [GradeRow(*r[:width], position=tuple(r[width:])) for r in rows]  # type: ignore[misc]


def grade_row(db: sqlite_utils.Database, run_id: int) -> GradeRow | None:
    """One run's row, whatever the filters (to refresh it after a grade)."""
    row = db.conn.execute(f"select {_ROW_COLUMNS} {_FROM} where r.id = ?", [run_id]).fetchone()
    return None if row is None else GradeRow(*row)


def count_grade_rows(db: sqlite_utils.Database, f: GradeFilter) -> int:
    """How many runs the filter matches."""
    where, params = _where(f)
    return int(db.conn.execute(f"select count(*) {_joins(f)} where {where}", params).fetchone()[0])


def ungraded_ids(db: sqlite_utils.Database, f: GradeFilter) -> list[int]:
    """Runs matching the filter that have no grade at all (what `A` auto-grades)."""
    where, params = _where(GradeFilter(f.dataset, f.model, f.paradigm, "ungraded"))
    return [
        r[0] for r in db.conn.execute(f"select r.id {_FROM} where {where} order by r.id", params)
    ]


def graded_models(db: sqlite_utils.Database) -> list[str]:
    """Models that have finished runs, for the model filter."""
    rows = db.conn.execute(
        "select distinct model from runs where status = 'done' and model is not null order by model"
    )
    return [r[0] for r in rows]


def problem_for_run(db: sqlite_utils.Database, run_id: int) -> tuple[Any, ...] | None:
    """(dataset, key, text, reference, kind, max_points) of the run's problem, or None."""
    row = db.conn.execute(
        "select p.dataset, p.key, p.text, p.reference, p.kind, p.max_points"
        " from runs r join problems p on p.id = r.problem_id where r.id = ?",
        [run_id],
    ).fetchone()
    return tuple(row) if row else None
