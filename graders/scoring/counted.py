"""Which run of each problem counts in a score cell (dataset x model x paradigm x provider).

The rule (the README says the same):
- only runs that ended by themselves count: `done` (graded or pending) or `failed` (a zero);
- of K attempts at a problem, the selected one (if none was selected, all failed: a failure);
- by default, the run of the latest bench that covered the problem; a re-run inside that bench
  (`--resume`) replaces its failed run. Ad-hoc runs (Solve, History re-run, `ponder solve`)
  count only for problems no bench covered, so a re-run never moves a bench's score;
- ad-hoc, and everywhere with `latest`: the latest graded run, else the latest pending one,
  else the latest failed one, so a run not graded yet never replaces a graded one;
- with a bench id: only that bench's runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

SCORED_VERDICTS = ("full", "partial", "zero")


@dataclass(frozen=True)
class Rule:
    """Which runs count: the default (latest bench, else ad-hoc), `latest`, or one bench."""

    bench: str | None = None
    latest: bool = False

    def describe(self) -> str:
        if self.bench is not None:
            return f"the runs of bench {self.bench} only"
        if self.latest:
            return "the latest graded run of each problem, bench or ad-hoc"
        return (
            "the run of the latest bench that covered each problem;"
            " ad-hoc runs only where no bench did"
        )


class CandidateRun(NamedTuple):
    """A run that ended by itself on a dataset problem, with its effective grade."""

    run_id: int
    problem_id: int
    dataset: str
    model: str
    paradigm: str
    provider: str
    status: str  # "done" | "failed"
    bench_id: str | None
    attempt_group: str | None
    selected: int | None
    score: float | None  # the effective grade's score; None: not graded or needs_human
    verdict: str | None  # None: no grade yet
    points: float | None
    max_points: float | None
    final_reward: float | None
    tokens: int
    cost_usd: float | None
    stop_reason: str | None = None  # "no_protocol": the model did not follow the protocol
    output_tokens: int = 0

    @property
    def scored(self) -> bool:
        """Counts in the mean: graded full / partial / zero, or failed (a zero)."""
        return self.status == "failed" or self.verdict in SCORED_VERDICTS

    @property
    def value(self) -> float:
        """Its score in the mean (a failed run is 0)."""
        return 0.0 if self.status == "failed" or self.score is None else self.score


CellKey = tuple[str, str, str, str]  # dataset, model, paradigm, provider


@dataclass
class _Unit:
    """One job's try at a problem: a single run, or an attempt group standing as its pick."""

    pick: CandidateRun
    last_id: int


def _units(runs: Iterable[CandidateRun]) -> dict[tuple[CellKey, int], list[_Unit]]:
    units: dict[tuple[CellKey, int], list[_Unit]] = {}
    groups: dict[tuple[CellKey, int, str], list[CandidateRun]] = {}
    for run in runs:
        key = (run.dataset, run.model, run.paradigm, run.provider)
        if run.attempt_group is None:
            units.setdefault((key, run.problem_id), []).append(_Unit(run, run.run_id))
        else:
            groups.setdefault((key, run.problem_id, run.attempt_group), []).append(run)
    for (key, problem, _), members in groups.items():
        # The selected attempt; else (all failed, or never settled) the latest done, else failed.
        pick = max(members, key=lambda r: (r.selected == 1, r.status == "done", r.run_id))
        last = max(r.run_id for r in members)
        units.setdefault((key, problem), []).append(_Unit(pick, last))
    return units


def _adhoc_pick(units: list[_Unit]) -> CandidateRun:
    def preference(u: _Unit) -> tuple[bool, bool, int]:
        return (u.pick.verdict in SCORED_VERDICTS, u.pick.status == "done", u.last_id)

    return max(units, key=preference).pick


def choose(units: list[_Unit], rule: Rule) -> CandidateRun | None:
    """The run that counts among one problem's tries in one cell, or None."""
    if rule.bench is not None:
        mine = [u for u in units if u.pick.bench_id == rule.bench]
        return max(mine, key=lambda u: u.last_id).pick if mine else None
    if rule.latest:
        return _adhoc_pick(units)
    benched = [u for u in units if u.pick.bench_id is not None]
    if benched:
        return max(benched, key=lambda u: u.last_id).pick
    return _adhoc_pick(units)


def counted_runs(runs: Iterable[CandidateRun], rule: Rule) -> dict[CellKey, list[CandidateRun]]:
    """Per cell, the run that counts for each problem it attempted (by problem id)."""
    cells: dict[CellKey, list[CandidateRun]] = {}
    for (key, _problem), units in _units(runs).items():
        run = choose(units, rule)
        if run is not None:
            cells.setdefault(key, []).append(run)
    for runs_of_cell in cells.values():
        runs_of_cell.sort(key=lambda r: r.problem_id)
    return cells
