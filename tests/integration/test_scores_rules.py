"""Which run of each problem counts in a score cell, and the counts a cell shows (SPEC §5, §6)."""

from __future__ import annotations

import pytest
from store_helpers import add_problems, add_run

from graders.scoring.counted import Rule
from graders.scoring.tables import needs_provider_column
from store.grades import add_grade
from workbench.scores import comparison, score_table


def problems(db, n: int, dataset: str = "exam") -> list[int]:
    return add_problems(db, dataset, n)


def run(
    db,
    problem: int,
    *,
    paradigm: str = "dcot",
    model: str = "m",
    provider: str = "openai",
    status: str = "done",
    bench: str | None = None,
    group: str | None = None,
    selected: int | None = None,
    reward: float | None = None,
) -> int:
    return add_run(
        db,
        problem,
        "x",
        status,
        paradigm=paradigm,
        provider=provider,
        model=model,
        final_reward=reward,
        bench_id=bench,
        attempt_group=group,
        selected=selected,
    )


SCORES = {"full": 1.0, "partial": 0.5, "zero": 0.0, "needs_human": None}


def grade(db, run_id: int, verdict: str, grader: str = "auto") -> int:
    add_grade(db, run_id, grader=grader, score=SCORES[verdict], verdict=verdict)
    return run_id


def bench_of_six(db) -> list[int]:
    """dcot 3/6 and direct 2/6 in bench B1, every run graded."""
    ids = problems(db, 6)
    for i, pid in enumerate(ids):
        grade(db, run(db, pid, bench="B1"), "full" if i < 3 else "zero")
        grade(db, run(db, pid, paradigm="direct", bench="B1"), "full" if i < 2 else "zero")
    return ids


def cells(db, **kw) -> dict[str, tuple]:
    return {
        r.paradigm: (r.total, r.mean, r.n, r.failed, r.pending)
        for r in score_table(db, "exam", Rule(**kw))
    }


# ---- rule 1: which run counts ---------------------------------------------------------------


def test_an_ungraded_adhoc_rerun_leaves_the_bench_score_unchanged(db):
    ids = bench_of_six(db)
    before = cells(db)
    assert before["dcot"] == ("3/6", 0.5, 6, 0, 0)
    run(db, ids[3])  # a re-run from History: done, not graded yet
    assert cells(db) == before


def test_a_graded_adhoc_rerun_leaves_the_bench_score_unchanged(db):
    ids = bench_of_six(db)
    before = cells(db)
    grade(db, run(db, ids[4]), "full")  # the ad-hoc re-run got it right this time
    grade(db, run(db, ids[0], paradigm="direct"), "zero")
    assert cells(db) == before
    # ...unless the user asks for the latest run of each problem
    assert cells(db, latest=True)["dcot"] == ("4/6", pytest.approx(4 / 6), 6, 0, 0)


def test_adhoc_runs_count_only_for_problems_no_bench_covered(db):
    ids = problems(db, 4)
    grade(db, run(db, ids[0], bench="B1"), "full")
    grade(db, run(db, ids[1], bench="B1"), "zero")
    grade(db, run(db, ids[2]), "full")  # no bench ran problem 3
    [row] = score_table(db, "exam")
    assert (row.total, row.coverage, row.benches, row.adhoc) == ("2/3", "3 of 4", ("B1",), 1)
    assert row.source == "bench B1 + 1 ad-hoc"


def test_adhoc_a_pending_rerun_does_not_replace_a_graded_run(db):
    [pid] = problems(db, 1)
    grade(db, run(db, pid), "zero")
    run(db, pid)  # re-run, ungraded
    grade(db, run(db, pid), "needs_human")  # re-run, waiting for a person
    assert cells(db)["dcot"] == ("0/1", 0.0, 1, 0, 0)


def test_the_latest_bench_counts_and_a_resume_rerun_replaces_its_failure(db):
    [p1, p2] = problems(db, 2)
    grade(db, run(db, p1, bench="old"), "zero")
    grade(db, run(db, p2, bench="old"), "zero")
    grade(db, run(db, p1, bench="new"), "full")
    run(db, p2, bench="new", status="failed")
    assert cells(db)["dcot"] == ("1/2", 0.5, 2, 1, 0)
    grade(db, run(db, p2, bench="new"), "full")  # `ponder bench --resume` re-ran the failure
    assert cells(db)["dcot"] == ("2/2", 1.0, 2, 0, 0)
    assert cells(db, bench="old")["dcot"] == ("0/2", 0.0, 2, 0, 0)


def test_bench_option_counts_only_that_bench(db):
    ids = problems(db, 5)
    for pid in ids[:3]:  # a --limit 3 bench
        grade(db, run(db, pid, bench="B1"), "full")
    grade(db, run(db, ids[4]), "full")  # ad-hoc
    [row] = score_table(db, "exam", Rule(bench="B1"))
    assert (row.total, row.n, row.coverage, row.problems) == ("3/3", 3, "3 of 5", 5)
    assert score_table(db, "exam", Rule(bench="nope")) == []


def test_limit_coverage_is_separate_from_the_score(db):
    ids = problems(db, 38)
    grade(db, run(db, ids[0], bench="B"), "full")
    grade(db, run(db, ids[1], bench="B"), "full")
    grade(db, run(db, ids[2], bench="B"), "zero")
    [row] = score_table(db, "exam")
    assert (row.total, row.coverage, row.mean) == ("2/3", "3 of 38", pytest.approx(2 / 3))
    assert row.as_dict()["total"] == "2/3" and row.as_dict()["n"] == 3


def test_failed_runs_count_as_zero_in_their_own_column(db):
    ids = problems(db, 3)
    grade(db, run(db, ids[0], bench="B"), "full")
    run(db, ids[1], bench="B", status="failed")
    run(db, ids[2], bench="B", status="cancelled")  # stopped by the user: not attempted
    [row] = score_table(db, "exam")
    assert (row.n, row.graded, row.failed, row.zero, row.total) == (2, 1, 1, 0, "1/2")
    assert row.mean == 0.5


def test_a_cell_whose_runs_all_failed_is_kept_with_zeros(db):
    ids = problems(db, 3)
    for pid in ids:
        grade(db, run(db, pid, paradigm="direct", bench="B"), "full")
        run(db, pid, paradigm="dcot", bench="B", status="failed")
    rows = {r.paradigm: r for r in score_table(db, "exam")}
    dcot = rows["dcot"]
    assert (dcot.n, dcot.failed, dcot.total, dcot.mean) == (3, 3, "0/3", 0.0)
    assert dcot.ci95 is not None and dcot.ci95[0] == 0.0
    [pair] = comparison(db, "exam")
    assert pair.dcot is dcot or pair.dcot == dcot
    assert pair.paired_dcot is not None and pair.paired_dcot.n == 3
    assert pair.paired_dcot.mean_diff == -1.0


def test_pending_runs_are_shown_and_left_out_of_the_mean(db):
    ids = problems(db, 4)
    grade(db, run(db, ids[0], bench="B"), "full")
    grade(db, run(db, ids[1], bench="B"), "zero")
    grade(db, run(db, ids[2], bench="B"), "needs_human")
    run(db, ids[3], bench="B")
    [row] = score_table(db, "exam")
    assert (row.n, row.graded, row.pending, row.needs_human, row.ungraded) == (4, 2, 2, 1, 1)
    assert (row.total, row.mean) == ("1/2", 0.5)  # one denominator: the scored runs
    assert (row.planned, row.done, row.scored) == (4, 4, 2)


def test_of_k_attempts_the_selected_one_counts_and_all_failed_is_a_failure(db):
    [p1, p2] = problems(db, 2)
    grade(db, run(db, p1, bench="B", group="g1", selected=0), "zero")
    grade(db, run(db, p1, bench="B", group="g1", selected=1), "full")
    grade(db, run(db, p1, bench="B", group="g1", selected=0), "zero")
    run(db, p2, bench="B", group="g2", selected=0, status="failed")
    run(db, p2, bench="B", group="g2", selected=0, status="failed")
    [row] = score_table(db, "exam")
    assert (row.n, row.full, row.failed, row.total) == (2, 1, 1, "1/2")


def test_a_human_grade_beats_a_later_automatic_one(db):
    [p] = problems(db, 1)
    r = run(db, p, bench="B")
    grade(db, r, "zero")
    grade(db, r, "full", grader="human")
    grade(db, r, "zero")
    assert cells(db)["dcot"][0] == "1/1"


def test_two_providers_of_one_model_are_two_cells(db):
    [p] = problems(db, 1)
    grade(db, run(db, p, provider="openai"), "full")
    grade(db, run(db, p, provider="anthropic"), "zero")
    rows = score_table(db, "exam")
    assert [(r.provider, r.total) for r in rows] == [("anthropic", "0/1"), ("openai", "1/1")]
    assert needs_provider_column(rows)
    assert len(comparison(db, "exam", rows)) == 2


# ---- the comparison is paired --------------------------------------------------------------


def test_comparison_pairs_only_problems_scored_under_both(db):
    ids = problems(db, 5)
    for i, pid in enumerate(ids[:4]):
        grade(db, run(db, pid, paradigm="direct", bench="B"), "full" if i == 0 else "zero")
    for i, pid in enumerate(ids):
        grade(db, run(db, pid, bench="B"), "needs_human" if i == 3 else "full")
    [pair] = comparison(db, "exam")
    paired = pair.paired_dcot
    assert paired is not None and pair.paired_g1 is None
    assert paired.n == 3  # problem 4 pending under dcot, problem 5 not run under direct
    assert paired.mean_diff == pytest.approx(2 / 3)
    d = pair.as_dict()
    assert d["paired_dcot"] == 3 and d["paired_g1"] == 0
    assert d["ci95_g1"] is None and d["p_value_g1"] is None
    assert d["p_value_dcot"] == pytest.approx(0.5)  # 2 of 2 discordant pairs: exact McNemar
    assert d["verdict_dcot"] == "no detectable difference on 3 problems"


def test_reward_calibration_per_cell(db):
    ids = problems(db, 4)
    for pid, reward, verdict in zip(
        ids, (0.9, 0.85, 0.6, 0.2), ("full", "zero", "full", "zero"), strict=True
    ):
        grade(db, run(db, pid, reward=reward), verdict)
    [row] = score_table(db, "exam")
    assert row.reward_auroc == pytest.approx(0.75)
    cal = row.as_dict()["calibration"]
    assert isinstance(cal, dict)
    assert [(b["band"], b["runs"], b["correct"]) for b in cal["bands"]] == [
        ("≥ 0.8", 2, 1),
        ("0.5–0.8", 1, 1),
        ("< 0.5", 1, 0),
    ]


def test_of_many_adhoc_reruns_only_the_latest_of_each_kind_is_read(db):
    from graders.scoring.counted import CandidateRun
    from store.score_rows import candidate_rows

    [pid] = problems(db, 1)
    for i in range(30):
        r = run(db, pid, status="failed" if i % 3 == 0 else "done")
        if i % 3 == 1:
            grade(db, r, "full" if i < 20 else "zero")
    graded_last = max(
        r for (r,) in db.conn.execute("select run_id from grades order by run_id desc limit 1")
    )
    run(db, pid)  # pending, the newest
    picked = [CandidateRun._make(row) for row in candidate_rows(db, "exam")]
    assert len(picked) == 3  # the latest graded, pending and failed runs
    [row] = score_table(db, "exam")
    assert (row.total, row.zero, row.pending) == ("0/1", 1, 0)
    assert graded_last in {c.run_id for c in picked}
