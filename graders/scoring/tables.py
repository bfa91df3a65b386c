"""Score tables: per dataset x model x paradigm (x provider), and with technique vs without.

Which run of each problem counts is graders.scoring.counted's rule; the statistics are
graders.scoring.stats'. Pure: workbench.scores feeds them the store's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from graders.scoring import stats
from graders.scoring.counted import CandidateRun, CellKey, Rule, counted_runs
from reasoning.events import ARMS, GUIDED_ARM, TECHNIQUES

WITHOUT_TECHNIQUE = "direct"


@dataclass(frozen=True)
class ScoreRow:
    """How one model did on one dataset with one paradigm."""

    dataset: str
    model: str
    paradigm: str
    problems: int  # problems in the dataset: coverage is "n of problems"
    n: int  # problems attempted: a counted run (done or failed) for each
    graded: int  # done runs with a full, partial or zero grade
    score_sum: float
    full: int
    partial: int
    zero: int
    needs_human: int
    ungraded: int  # done, no grade at all yet
    points: float | None  # exam marks, where grades carry them
    max_points: float | None
    tokens: int
    cost_usd: float | None  # None when any run's price is unknown
    provider: str = "?"
    failed: int = 0  # counted runs that failed: each a zero, in the mean
    ci95: tuple[float, float] | None = None  # Wilson interval of the mean
    calibration: stats.Calibration | None = None
    benches: tuple[str, ...] = ()  # the benches whose runs count here
    adhoc: int = 0  # problems whose counted run is ad-hoc (no bench)
    planned: int = 0  # problems this model was run on in any arm: n of them reached this one
    no_protocol: int = 0  # done runs whose model did not follow the protocol
    output_tokens: int = 0  # over the counted runs, failed ones included
    # (problem id, score) of each scored problem: what the paired comparisons pair on.
    per_problem: tuple[tuple[int, float], ...] = field(default=(), repr=False, compare=False)
    # The problems attempted (scored or pending): "paired on k of n" counts over these.
    attempted: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    @property
    def scored(self) -> int:
        """Problems in the mean: graded, plus failed (as zeros). The one denominator of the
        total and the mean; pending runs are counted apart until they are graded."""
        return self.graded + self.failed

    @property
    def done(self) -> int:
        """Counted runs that ended with an answer (graded or pending)."""
        return self.n - self.failed

    @property
    def protocol_followed(self) -> int:
        """Done runs whose model followed the paradigm's protocol."""
        return self.done - self.no_protocol

    @property
    def mean_output_tokens(self) -> float | None:
        """Output tokens per counted run (what the arm spent, failed runs included)."""
        return self.output_tokens / self.n if self.n else None

    @property
    def pending(self) -> int:
        """Done runs not in the mean yet: ungraded or needs_human."""
        return self.needs_human + self.ungraded

    @property
    def mean(self) -> float | None:
        """Mean score over the scored problems (failed ones as 0; pending ones left out)."""
        return self.score_sum / self.scored if self.scored else None

    @property
    def total(self) -> str:
        """The sum of scores over the scored problems (the mean's denominator), as in "2/3";
        once nothing is pending, that is every problem attempted."""
        return f"{_num(self.score_sum)}/{self.scored}"

    @property
    def coverage(self) -> str:
        """Problems attempted of the dataset's, as in "3 of 38"."""
        return f"{self.n} of {self.problems}"

    @property
    def reward_auroc(self) -> float | None:
        return None if self.calibration is None else self.calibration.auroc

    @property
    def source(self) -> str:
        """Where the counted runs come from, in a few words."""
        bits = []
        if len(self.benches) == 1:
            bits.append(f"bench {self.benches[0]}")
        elif self.benches:
            bits.append(f"{len(self.benches)} benches")
        if self.adhoc:
            bits.append(f"{self.adhoc} ad-hoc")
        return " + ".join(bits) or "-"

    def as_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "model": self.model,
            "paradigm": self.paradigm,
            "provider": self.provider,
            "problems": self.problems,
            "n": self.n,
            "coverage": self.coverage,
            "graded": self.graded,
            "score_sum": self.score_sum,
            "full": self.full,
            "partial": self.partial,
            "zero": self.zero,
            "failed": self.failed,
            "needs_human": self.needs_human,
            "ungraded": self.ungraded,
            "pending": self.pending,
            "points": self.points,
            "max_points": self.max_points,
            "tokens": self.tokens,
            "cost_usd": self.cost_usd,
            "mean": self.mean,
            "ci95": None if self.ci95 is None else list(self.ci95),
            "total": self.total,
            "reward_auroc": self.reward_auroc,
            "calibration": None if self.calibration is None else self.calibration.as_dict(),
            "benches": list(self.benches),
            "adhoc": self.adhoc,
            "planned": self.planned,
            "done": self.done,
            "scored": self.scored,
            "denominator": "scored",
            "no_protocol": self.no_protocol,
            "protocol_followed": self.protocol_followed,
            "mean_output_tokens": self.mean_output_tokens,
        }


@dataclass(frozen=True)
class ComparisonRow:
    """One model on one dataset: without technique (direct) beside each arm with it (dcot,
    dcot+guided, g1), each paired on the problems scored in both; dcot+guided is also paired
    against plain dcot."""

    dataset: str
    model: str
    problems: int
    direct: ScoreRow | None
    dcot: ScoreRow | None
    g1: ScoreRow | None
    provider: str = "?"
    paired_dcot: stats.Paired | None = None  # None unless both dcot and direct were run
    paired_g1: stats.Paired | None = None
    guided: ScoreRow | None = None  # dcot+guided
    paired_guided: stats.Paired | None = None
    paired_guided_vs_dcot: stats.Paired | None = None

    def row(self, paradigm: str) -> ScoreRow | None:
        return {
            "direct": self.direct,
            "dcot": self.dcot,
            GUIDED_ARM: self.guided,
            "g1": self.g1,
        }.get(paradigm)

    def paired(self, technique: str) -> stats.Paired | None:
        return {
            "dcot": self.paired_dcot,
            GUIDED_ARM: self.paired_guided,
            "g1": self.paired_g1,
        }.get(technique)

    def pairable(self, technique: str, against: str = WITHOUT_TECHNIQUE) -> int:
        """Problems attempted in either arm: what "paired on k of n" counts k out of."""
        rows = [r for r in (self.row(technique), self.row(against)) if r is not None]
        return len(frozenset().union(*(r.attempted for r in rows))) if rows else 0

    def pending(self, technique: str, against: str = WITHOUT_TECHNIQUE) -> int:
        """Runs of the two compared cells still waiting for a grade: while any is, the
        verdict is provisional."""
        return sum(r.pending for r in (self.row(technique), self.row(against)) if r is not None)

    def gain(self, paradigm: str) -> float | None:
        """Score sum with the technique minus without it; None unless both were run."""
        with_row = self.row(paradigm)
        if with_row is None or self.direct is None:
            return None
        return with_row.score_sum - self.direct.score_sum

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "dataset": self.dataset,
            "model": self.model,
            "provider": self.provider,
            "problems": self.problems,
            **{p: (None if (r := self.row(p)) is None else r.as_dict()) for p in PARADIGM_ORDER},
            "gain_dcot": self.gain("dcot"),
            "gain_g1": self.gain("g1"),
            f"gain_{GUIDED_ARM}": self.gain(GUIDED_ARM),
        }
        for technique in TECHNIQUES:
            out |= _paired_fields(technique, self.paired(technique), self, technique)
        vs = self.paired_guided_vs_dcot
        out[f"{GUIDED_ARM}_vs_dcot"] = (
            None
            if vs is None
            else _paired_fields("", vs, self, GUIDED_ARM, "dcot") | {"technique": GUIDED_ARM}
        )
        return out


def _paired_fields(
    suffix: str, p: stats.Paired | None, c: ComparisonRow, technique: str, against: str = "direct"
) -> dict[str, object]:
    """The pinned fields of one paired comparison (`paired_T`, `ci95_T`...), T = suffix."""
    t = f"_{suffix}" if suffix else ""
    k = 0 if p is None else p.n
    return {
        f"paired{t}": k,
        f"paired_on{t}": f"{k} of {c.pairable(technique, against)}",
        f"diff{t}": None if p is None else p.mean_diff,
        f"ci95{t}": None if p is None or p.ci95 is None else list(p.ci95),
        f"p_value{t}": None if p is None else p.p_value,
        f"verdict{t}": None if p is None else p.verdict(technique),
        f"pending{t}": c.pending(technique, against),
    }


PARADIGM_ORDER = ARMS


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def _row(key: CellKey, problems: int, runs: list[CandidateRun]) -> ScoreRow:
    dataset, model, paradigm, provider = key
    done = [r for r in runs if r.status == "done"]
    graded = [r for r in done if r.scored]
    marked = [r for r in runs if r.scored and r.points is not None]
    scored = [r for r in runs if r.scored]
    rewarded = [(r.final_reward, r.value) for r in graded if r.final_reward is not None]
    benches = sorted({r.bench_id for r in runs if r.bench_id is not None})
    return ScoreRow(
        dataset=dataset,
        model=model,
        paradigm=paradigm,
        provider=provider,
        problems=problems,
        n=len(runs),
        graded=len(graded),
        score_sum=sum(r.value for r in graded),
        full=sum(r.verdict == "full" for r in done),
        partial=sum(r.verdict == "partial" for r in done),
        zero=sum(r.verdict == "zero" for r in done),
        failed=len(runs) - len(done),
        needs_human=sum(r.verdict == "needs_human" for r in done),
        ungraded=sum(r.verdict is None for r in done),
        points=sum(r.points or 0.0 for r in marked) if marked else None,
        max_points=sum(r.max_points or 0.0 for r in marked) if marked else None,
        tokens=sum(r.tokens for r in runs),
        cost_usd=None
        if any(r.cost_usd is None for r in runs)
        else sum(r.cost_usd or 0.0 for r in runs),
        ci95=stats.wilson_interval([r.value for r in scored]),
        calibration=stats.calibration(rewarded) if rewarded else None,
        benches=tuple(benches),
        adhoc=sum(r.bench_id is None for r in runs),
        per_problem=tuple((r.problem_id, r.value) for r in scored),
        attempted=frozenset(r.problem_id for r in runs),
        no_protocol=sum(r.stop_reason == "no_protocol" for r in done),
        output_tokens=sum(r.output_tokens for r in runs),
    )


def score_table(
    candidates: Iterable[CandidateRun], sizes: dict[str, int], rule: Rule | None = None
) -> list[ScoreRow]:
    """Scores per dataset x model x paradigm (x provider) under a rule for which run counts;
    `sizes` gives each dataset's problem count."""
    cells = counted_runs(candidates, rule or Rule())
    # Planned: the problems a model was run on in any arm, so an arm that reached fewer of them
    # (runs not started, cancelled, lost) shows it.
    planned: dict[tuple[str, str, str], set[int]] = {}
    for (dataset, model, _arm, provider), runs in cells.items():
        planned.setdefault((dataset, model, provider), set()).update(r.problem_id for r in runs)
    return [
        replace(
            _row(key, sizes.get(key[0], 0), cells[key]),
            planned=len(planned[(key[0], key[1], key[3])]),
        )
        for key in sorted(cells)
    ]


def comparison(rows: Iterable[ScoreRow]) -> list[ComparisonRow]:
    """Per dataset and model: direct beside dcot and g1, paired on the problems scored by both."""
    grouped: dict[tuple[str, str, str], dict[str, ScoreRow]] = {}
    for row in rows:
        grouped.setdefault((row.dataset, row.model, row.provider), {})[row.paradigm] = row
    out = []
    for (ds, model, provider), by_paradigm in grouped.items():
        any_row = next(iter(by_paradigm.values()))
        direct = by_paradigm.get(WITHOUT_TECHNIQUE)
        dcot, guided = by_paradigm.get("dcot"), by_paradigm.get(GUIDED_ARM)
        out.append(
            ComparisonRow(
                dataset=ds,
                model=model,
                provider=provider,
                problems=any_row.problems,
                direct=direct,
                dcot=dcot,
                g1=by_paradigm.get("g1"),
                paired_dcot=_paired(dcot, direct),
                paired_g1=_paired(by_paradigm.get("g1"), direct),
                guided=guided,
                paired_guided=_paired(guided, direct),
                paired_guided_vs_dcot=_paired(guided, dcot),
            )
        )
    return out


def _paired(with_row: ScoreRow | None, without: ScoreRow | None) -> stats.Paired | None:
    if with_row is None or without is None:
        return None
    base = dict(without.per_problem)
    both = [(score, base[pid]) for pid, score in with_row.per_problem if pid in base]
    return stats.paired([w for w, _ in both], [wo for _, wo in both])


def needs_provider_column(rows: list[ScoreRow]) -> bool:
    """True when one model of a dataset was scored through two providers."""
    seen: dict[tuple[str, str], str] = {}
    return any(seen.setdefault((r.dataset, r.model), r.provider) != r.provider for r in rows)
