"""How far to trust an LLM judge: its agreement with the human grades of the same runs.

Pure functions over pairs (the human's grade and the judge's grade of one run); the store
finds the pairs. Cohen's kappa is weighted linearly over the ordered verdicts zero < partial <
full, so a judge that says partial where the human said full is half wrong, not wholly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ORDERED_VERDICTS = ("zero", "partial", "full")
_EPS = 1e-9


@dataclass(frozen=True)
class GradePair:
    """One run graded by a human and by a judge model (the latest grade of each)."""

    judge: str  # the judge model
    human_points: float
    judge_points: float
    max_points: float
    human_verdict: str
    judge_verdict: str


@dataclass(frozen=True)
class Agreement:
    """Agreement of one judge model with the humans, over the runs both graded."""

    judge: str
    count: int
    mean_abs_diff: float | None  # points
    mean_diff: float | None  # points, judge minus human: > 0 the judge is the more lenient
    exact_match_rate: float | None  # same points
    kappa: float | None  # linearly weighted Cohen's kappa on verdicts; None when undefined

    def as_dict(self) -> dict[str, object]:
        return {
            "judge": self.judge,
            "count": self.count,
            "mean_abs_diff_points": self.mean_abs_diff,
            "mean_diff_points": self.mean_diff,
            "exact_match_rate": self.exact_match_rate,
            "weighted_kappa": self.kappa,
        }


def weighted_kappa(
    pairs: Iterable[tuple[str, str]], categories: Sequence[str] = ORDERED_VERDICTS
) -> float | None:
    """Cohen's kappa with linear weights over ordered categories; None when it is undefined
    (no pairs, or both raters put everything in one category, so chance agreement is total)."""
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    table = [[0] * k for _ in range(k)]
    n = 0
    for a, b in pairs:
        table[index[a]][index[b]] += 1
        n += 1
    if n == 0 or k < 2:
        return None
    weight = [[1 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    rows = [sum(table[i]) / n for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) / n for j in range(k)]
    observed = sum(weight[i][j] * table[i][j] / n for i in range(k) for j in range(k))
    expected = sum(weight[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    if expected >= 1 - _EPS:
        return None
    return (observed - expected) / (1 - expected)


def agreement(judge: str, pairs: Sequence[GradePair]) -> Agreement:
    """The figures for one judge model over its pairs."""
    if not pairs:
        return Agreement(judge, 0, None, None, None, None)
    diffs = [p.judge_points - p.human_points for p in pairs]
    return Agreement(
        judge=judge,
        count=len(pairs),
        mean_abs_diff=sum(abs(d) for d in diffs) / len(pairs),
        mean_diff=sum(diffs) / len(pairs),
        exact_match_rate=sum(abs(d) < 1e-6 for d in diffs) / len(pairs),
        kappa=weighted_kappa((p.human_verdict, p.judge_verdict) for p in pairs),
    )


def agreement_by_judge(pairs: Iterable[GradePair]) -> list[Agreement]:
    """One Agreement per judge model, in name order."""
    groups: dict[str, list[GradePair]] = defaultdict(list)
    for p in pairs:
        groups[p.judge].append(p)
    return [agreement(judge, groups[judge]) for judge in sorted(groups)]
