"""The rows that scoring reads (graders.scoring computes from them): the runs a rule can pick,
and the size of each dataset."""

from __future__ import annotations

import sqlite_utils

from store.arms import arm_sql
from store.grades import EFFECTIVE_GRADE_ID

# Every bench run and attempt group; of the other (ad-hoc) runs of a problem in a cell, only the
# latest graded, the latest pending and the latest failed one: all the rule can pick from, and
# a few rows where a problem was re-run thousands of times.
_CANDIDATES_SQL = f"""
with graded as (
    select r.id, r.problem_id, p.dataset, coalesce(r.model, '?') as model,
           coalesce({arm_sql("r")}, '?') as paradigm, coalesce(r.provider, '?') as provider,
           r.status, r.bench_id, r.attempt_group, r.selected,
           g.score, g.verdict, g.points, g.max_points, r.final_reward,
           coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0) as tokens, r.cost_usd,
           r.stop_reason, coalesce(r.output_tokens, 0) as output_tokens
    from runs r join problems p on p.id = r.problem_id
    left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run="r.id")}
    where r.status in ('done', 'failed'){{where}}
),
ranked as (
    select *, case when bench_id is null and attempt_group is null then row_number() over (
               partition by problem_id, model, paradigm, provider,
                            bench_id is null and attempt_group is null,
                            case when status = 'failed' then 2
                                 when verdict in ('full', 'partial', 'zero') then 0 else 1 end
               order by id desc) end as rn
    from graded
)
select id, problem_id, dataset, model, paradigm, provider, status, bench_id, attempt_group,
       selected, score, verdict, points, max_points, final_reward, tokens, cost_usd,
       stop_reason, output_tokens
from ranked where rn is null or rn = 1
order by id
"""


def candidate_rows(
    db: sqlite_utils.Database, dataset: str | None = None, bench: str | None = None
) -> list[tuple]:
    """The runs (of a dataset, of a bench, if given) that a scoring rule can pick, oldest first,
    as rows in the field order of graders.scoring.counted.CandidateRun."""
    # Only the conditions asked for: `(:bench is null or r.bench_id = :bench)` cannot use the
    # bench_id index, and the Bench screen's polls scanned every run of the store with it.
    where = (" and p.dataset = :dataset" if dataset is not None else "") + (
        " and r.bench_id = :bench" if bench is not None else ""
    )
    sql = _CANDIDATES_SQL.replace("{where}", where)
    return db.conn.execute(sql, {"dataset": dataset, "bench": bench}).fetchall()


def bench_exists(db: sqlite_utils.Database, bench_id: str) -> bool:
    row = db.conn.execute("select 1 from runs where bench_id = ? limit 1", [bench_id]).fetchone()
    return row is not None


def dataset_sizes(db: sqlite_utils.Database, dataset: str | None) -> dict[str, int]:
    """Problems per dataset (of one dataset, if given)."""
    if dataset is None:
        rows = db.conn.execute("select dataset, count(*) from problems group by dataset")
    else:
        rows = db.conn.execute(
            "select dataset, count(*) from problems where dataset = ? group by dataset", [dataset]
        )
    return {name: count for name, count in rows}
