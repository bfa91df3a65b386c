"""Score tables: per dataset x model x paradigm, and with technique vs without."""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from store.grades import EFFECTIVE_GRADE_ID

WITH_TECHNIQUE = ("dcot", "g1")
WITHOUT_TECHNIQUE = "direct"


@dataclass(frozen=True)
class ScoreRow:
    """How one model did on one dataset with one paradigm."""

    dataset: str
    model: str
    paradigm: str
    problems: int  # problems in the dataset: the denominator of "40/48"
    n: int  # runs counted: the latest finished run per problem
    graded: int  # runs with a full, partial or zero grade
    score_sum: float
    full: int
    partial: int
    zero: int
    needs_human: int
    ungraded: int  # no grade at all yet
    points: float | None  # exam marks, where grades carry them
    max_points: float | None
    tokens: int
    cost_usd: float | None  # None when any run's price is unknown

    @property
    def mean(self) -> float | None:
        """Mean score over the graded runs."""
        return self.score_sum / self.graded if self.graded else None

    @property
    def total(self) -> str:
        """The sum of scores over the dataset's size, as in "40/48"."""
        return f"{_num(self.score_sum)}/{self.problems}"

    def as_dict(self) -> dict[str, object]:
        from dataclasses import asdict

        return asdict(self) | {"mean": self.mean, "total": self.total}


@dataclass(frozen=True)
class ComparisonRow:
    """One model on one dataset: without technique (direct) beside with it (dcot, g1)."""

    dataset: str
    model: str
    problems: int
    direct: ScoreRow | None
    dcot: ScoreRow | None
    g1: ScoreRow | None

    def gain(self, paradigm: str) -> float | None:
        """Score sum with the technique minus without it; None unless both were run."""
        with_row = self.dcot if paradigm == "dcot" else self.g1
        if with_row is None or self.direct is None:
            return None
        return with_row.score_sum - self.direct.score_sum

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "model": self.model,
            "problems": self.problems,
            **{
                p: (None if r is None else r.as_dict())
                for p, r in (("direct", self.direct), ("dcot", self.dcot), ("g1", self.g1))
            },
            "gain_dcot": self.gain("dcot"),
            "gain_g1": self.gain("g1"),
        }


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


# The latest finished run per (problem, model, paradigm), so re-runs do not count twice (and of
# an attempt group only its selected run), each
# joined to its effective grade (latest human, else latest automatic).
_SCORE_SQL = f"""
with latest as (
    select r.id, r.model, r.paradigm, p.dataset,
           coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0) as tokens, r.cost_usd,
           row_number() over (
               partition by r.problem_id, r.model, r.paradigm order by r.id desc
           ) as rn
    from runs r join problems p on p.id = r.problem_id
    where r.status = 'done' and (:dataset is null or p.dataset = :dataset)
      and coalesce(r.selected, 1) = 1  -- of K attempts, only the selected one counts
),
counted as (
    select l.dataset, l.model, l.paradigm, l.tokens, l.cost_usd,
           g.score, g.verdict, g.points, g.max_points
    from latest l left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run="l.id")}
    where l.rn = 1
),
sizes as (
    select dataset, count(*) as problems from problems
    where :dataset is null or dataset = :dataset group by dataset
)
select c.dataset, coalesce(c.model, '?'), coalesce(c.paradigm, '?'), s.problems, count(*),
       sum(c.verdict in ('full', 'partial', 'zero')),
       total(case when c.verdict in ('full', 'partial', 'zero') then c.score end),
       sum(c.verdict = 'full'), sum(c.verdict = 'partial'), sum(c.verdict = 'zero'),
       sum(c.verdict = 'needs_human'), sum(c.verdict is null),
       sum(case when c.verdict != 'needs_human' then c.points end),
       sum(case when c.verdict != 'needs_human' and c.points is not null then c.max_points end),
       sum(c.tokens),
       case when count(c.cost_usd) = count(*) then sum(c.cost_usd) end
from counted c join sizes s on s.dataset = c.dataset
group by c.dataset, c.model, c.paradigm
order by c.dataset, c.model, c.paradigm
"""


def score_table(db: sqlite_utils.Database, dataset: str | None = None) -> list[ScoreRow]:
    """Scores per dataset x model x paradigm from each run's effective grade."""
    rows = db.conn.execute(_SCORE_SQL, {"dataset": dataset}).fetchall()
    return [
        ScoreRow(
            dataset=r[0],
            model=r[1],
            paradigm=r[2],
            problems=r[3],
            n=r[4],
            graded=r[5] or 0,
            score_sum=r[6] or 0.0,
            full=r[7] or 0,
            partial=r[8] or 0,
            zero=r[9] or 0,
            needs_human=r[10] or 0,
            ungraded=r[11] or 0,
            points=r[12],
            max_points=r[13],
            tokens=r[14] or 0,
            cost_usd=r[15],
        )
        for r in rows
    ]


def comparison(
    db: sqlite_utils.Database,
    dataset: str | None = None,
    rows: list[ScoreRow] | None = None,
) -> list[ComparisonRow]:
    """Per dataset and model: direct beside dcot and g1 (pass rows to reuse a score table)."""
    rows = score_table(db, dataset) if rows is None else rows
    grouped: dict[tuple[str, str], dict[str, ScoreRow]] = {}
    for row in rows:
        grouped.setdefault((row.dataset, row.model), {})[row.paradigm] = row
    out = []
    for (ds, model), by_paradigm in grouped.items():
        any_row = next(iter(by_paradigm.values()))
        out.append(
            ComparisonRow(
                dataset=ds,
                model=model,
                problems=any_row.problems,
                direct=by_paradigm.get(WITHOUT_TECHNIQUE),
                dcot=by_paradigm.get("dcot"),
                g1=by_paradigm.get("g1"),
            )
        )
    return out
