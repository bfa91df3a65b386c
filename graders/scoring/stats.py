"""Statistics over per-problem scores: intervals, paired tests, reward calibration. Pure functions.

Methods (the README says the same):
- the 95 % interval of a mean score is the Wilson score interval. For 0/1 scores it is the usual
  Wilson interval; with partial credit the same formula is conservative, because a score in
  [0, 1] with mean m has a variance of at most m (1 − m);
- the paired with/without comparison is on the problems scored under both: the mean of the
  differences, a percentile bootstrap interval of it (resampling problems; the bootstrap
  distribution computed exactly when the scores lie on a grid, as exam grades do, else 4,000
  resamples with a fixed seed: the same data always give the same interval), and a two-sided
  sign-flip permutation p-value, exact (every sign pattern counted) while the distinct sums
  stay few, which they do for exam grades.
  With 0/1 scores that test is the exact McNemar test;
- calibration: a run is correct when it got full credit; AUROC is the probability that a correct
  run's final reward is above an incorrect one's (ties count half).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reasoning.events import REWARD_BANDS, reward_band

Z95 = 1.959963984540054  # the normal quantile of 0.975
SEED = 20240612  # the bootstrap's and the random sign-flips' seed: same data, same figures
BOOTSTRAP_RESAMPLES = 4000
MAX_EXACT_WORK = 400_000  # steps of the exact bootstrap before it falls back to resampling
RANDOM_FLIPS = 10000
# Sums of signed differences tracked exactly before falling back to random sign-flips.
MAX_EXACT_SUMS = 20_000
_UNIT = 10**6  # differences are counted in millionths, so that sums compare exactly


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def wilson_interval(scores: Sequence[float], z: float = Z95) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of the mean of scores in [0, 1]; None when there are none."""
    n = len(scores)
    if n == 0:
        return None
    p = min(1.0, max(0.0, sum(scores) / n))
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if p == 0 else max(0.0, centre - half)  # exact ends, not 5e-17
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return low, high


def bootstrap_interval(
    values: Sequence[float], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = SEED
) -> tuple[float, float] | None:
    """The 95 % percentile bootstrap interval of the mean; None for fewer than two values.

    Exact (the bootstrap distribution of the mean computed, not sampled) when the values lie on
    a grid that keeps it small, as exam grades do; else `resamples` resamples, fixed seed.
    """
    n = len(values)
    if n < 2:
        return None
    if all(v == values[0] for v in values):
        return float(values[0]), float(values[0])
    exact = _exact_bootstrap(values)
    if exact is not None:
        return exact
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    low = means[round(0.025 * (resamples - 1))]
    high = means[round(0.975 * (resamples - 1))]
    return low, high


def _exact_bootstrap(values: Sequence[float]) -> tuple[float, float] | None:
    """The 2.5 % and 97.5 % points of the mean of n draws (with replacement) from the values,
    by convolving their distribution n times; None when that would be too much work."""
    n = len(values)
    units = [round(v * _UNIT) for v in values]
    step = math.gcd(*units)
    if step == 0:
        return None
    counts: dict[int, int] = {}
    for u in units:
        counts[u // step] = counts.get(u // step, 0) + 1
    lo, hi = min(counts), max(counts)
    if n * (hi - lo) * n * len(counts) > MAX_EXACT_WORK:
        return None
    draws = [(k - lo, c / n) for k, c in counts.items()]
    dist = [1.0]  # dist[i]: probability that the sum of the draws so far is i (+ lo per draw)
    for _ in range(n):
        grown = [0.0] * (len(dist) + hi - lo)
        for i, p in enumerate(dist):
            if p:
                for k, q in draws:
                    grown[i + k] += p * q
        dist = grown

    def quantile(q: float) -> float:
        total = 0.0
        for i, p in enumerate(dist):
            total += p
            if total >= q - 1e-12:
                return (i + n * lo) * step / _UNIT / n
        return hi * step / _UNIT

    return quantile(0.025), quantile(0.975)


def sign_flip_p_value(differences: Sequence[float], seed: int = SEED) -> tuple[float, bool]:
    """Two-sided paired sign-flip permutation test of a zero mean difference: (p, exact).

    Exact while the distinct sums of the signed differences stay under MAX_EXACT_SUMS, else
    estimated from RANDOM_FLIPS random sign patterns.
    """
    units = [abs(round(d * _UNIT)) for d in differences]
    signed = sum(round(d * _UNIT) for d in differences)
    units = [u for u in units if u]
    if not units:
        return 1.0, True
    observed = abs(signed)
    # Differences of one size are a binomial: count the sign patterns size by size, then
    # combine the few sizes (0/1 scores have one, exam grades a handful).
    counts: dict[int, int] = {0: 1}
    for u, c in sorted(Counter(units).items()):
        grown: dict[int, int] = {}
        for b in range(c + 1):
            ways_b, step = math.comb(c, b), u * (2 * b - c)
            for total, ways in counts.items():
                grown[total + step] = grown.get(total + step, 0) + ways * ways_b
        counts = grown
        if len(counts) > MAX_EXACT_SUMS:
            return _random_flips(units, observed, seed), False
    extreme = sum(ways for total, ways in counts.items() if abs(total) >= observed)
    return min(1.0, extreme / 2 ** len(units)), True


def _random_flips(units: list[int], observed: int, seed: int) -> float:
    rng = random.Random(seed)
    extreme = 0
    for _ in range(RANDOM_FLIPS):
        total = sum(u if rng.random() < 0.5 else -u for u in units)
        extreme += abs(total) >= observed
    return (1 + extreme) / (1 + RANDOM_FLIPS)


@dataclass(frozen=True)
class Paired:
    """With technique minus without, on the problems scored under both."""

    n: int  # problems scored under both
    mean_diff: float | None
    ci95: tuple[float, float] | None
    p_value: float | None
    exact: bool  # the p-value counts every sign pattern (else random ones)

    @property
    def detectable(self) -> bool:
        """The interval excludes 0 and p < 0.05 (with very few problems they can disagree)."""
        if self.ci95 is None or self.p_value is None:
            return False
        low, high = self.ci95
        return not low <= 0 <= high and self.p_value < 0.05

    def verdict(self, technique: str = "the technique") -> str:
        """One plain sentence a reader can act on."""
        if self.n == 0:
            return "no problem scored under both"
        if not self.detectable:
            return f"no detectable difference on {_problems(self.n)}"
        assert self.mean_diff is not None
        better = "better" if self.mean_diff > 0 else "worse"
        return f"{technique} scores {better} on {_problems(self.n)}"


def _problems(n: int) -> str:
    return f"{n} problem" if n == 1 else f"{n} problems"


def paired(with_scores: Sequence[float], without_scores: Sequence[float]) -> Paired:
    """Paired comparison of two score lists, problem by problem (same order, same length)."""
    if len(with_scores) != len(without_scores):
        raise ValueError("paired scores must come in pairs")
    diffs = [w - wo for w, wo in zip(with_scores, without_scores, strict=True)]
    if not diffs:
        return Paired(0, None, None, None, True)
    p, exact = sign_flip_p_value(diffs)
    return Paired(len(diffs), sum(diffs) / len(diffs), bootstrap_interval(diffs), p, exact)


# ---- reward calibration ---------------------------------------------------------------------


@dataclass(frozen=True)
class BandAccuracy:
    """Runs whose final reward fell in one band, and how many of them were correct."""

    band: str  # "continue" (≥ 0.8) | "adjust" (0.5–0.8) | "backtrack" (< 0.5)
    label: str
    runs: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.runs if self.runs else None


@dataclass(frozen=True)
class Calibration:
    """How well the final self-assigned reward predicts a correct (full credit) answer."""

    runs: int  # graded runs with a final reward
    correct: int
    auroc: float | None  # None unless there are both correct and incorrect runs
    mean_reward_correct: float | None
    mean_reward_incorrect: float | None
    bands: tuple[BandAccuracy, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "runs": self.runs,
            "correct": self.correct,
            "auroc": self.auroc,
            "mean_reward_correct": self.mean_reward_correct,
            "mean_reward_incorrect": self.mean_reward_incorrect,
            "bands": [
                {"band": b.label, "runs": b.runs, "correct": b.correct, "accuracy": b.accuracy}
                for b in self.bands
            ],
        }


def is_correct(score: float) -> bool:
    return score >= 1.0


def auroc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """P(a positive's value > a negative's) + half the ties (Mann–Whitney); None if a side is empty."""
    if not positives or not negatives:
        return None
    values = sorted([(v, 1) for v in positives] + [(v, 0) for v in negatives])
    rank_sum = 0.0
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j][0] == values[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2  # ranks i+1 .. j share their mean
        rank_sum += average_rank * sum(label for _, label in values[i:j])
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def calibration(runs: Sequence[tuple[float, float]]) -> Calibration:
    """Calibration of (final reward, score) pairs: AUROC, mean rewards, accuracy per band."""
    correct = [reward for reward, score in runs if is_correct(score)]
    incorrect = [reward for reward, score in runs if not is_correct(score)]
    bands = []
    for band, label in REWARD_BANDS:
        inside = [score for reward, score in runs if reward_band(reward) == band]
        bands.append(BandAccuracy(band, label, len(inside), sum(map(is_correct, inside))))
    return Calibration(
        runs=len(runs),
        correct=len(correct),
        auroc=auroc(correct, incorrect),
        mean_reward_correct=mean(correct),
        mean_reward_incorrect=mean(incorrect),
        bands=tuple(bands),
    )
