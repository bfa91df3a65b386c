"""Statistics of the score table, on cases small enough to compute by hand (store/stats.py)."""

from __future__ import annotations

import itertools
from math import comb

import pytest

from graders.scoring import stats
from graders.scoring.stats import (
    auroc,
    bootstrap_interval,
    calibration,
    paired,
    sign_flip_p_value,
    wilson_interval,
)

Z2 = stats.Z95**2


# ---- the interval of a mean -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([1.0], (1 / (1 + Z2), 1.0)),  # n = 1: all right, low = n / (n + z²)
        ([0.0], (0.0, Z2 / (1 + Z2))),  # n = 1: all wrong, high = z² / (n + z²)
        ([1.0] * 3, (3 / (3 + Z2), 1.0)),  # all equal: still an interval, not a point
        ([1.0] * 5 + [0.0] * 5, (0.2366, 0.7634)),  # the textbook Wilson interval of 5/10
        ([1.0, 0.0], (0.0945, 0.9055)),
        ([0.5, 0.5, 0.5, 0.5], wilson_interval([1.0, 1.0, 0.0, 0.0])),  # partial credit
    ],
)
def test_wilson_interval(scores, expected):
    low, high = wilson_interval(scores)
    assert (low, high) == pytest.approx(expected, abs=1e-4)
    assert low <= sum(scores) / len(scores) <= high


def test_wilson_interval_of_nothing_is_none():
    assert wilson_interval([]) is None


# ---- the bootstrap interval of a paired difference ------------------------------------------


def test_bootstrap_needs_two_problems():
    assert bootstrap_interval([]) is None
    assert bootstrap_interval([0.5]) is None


def test_bootstrap_of_equal_values_is_that_value():
    assert bootstrap_interval([0.0] * 40) == (0.0, 0.0)
    assert bootstrap_interval([1.0, 1.0]) == (1.0, 1.0)


def test_bootstrap_of_two_values_spans_both():
    # Resampled means are 0, 0.5 or 1 with chances 1/4, 1/2, 1/4: the 2.5 % and 97.5 % points
    # are the ends.
    assert bootstrap_interval([1.0, 0.0]) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # 3 draws from {1, 0, 0}: P(sum = 3) = 1/27 < 2.5 %, so the top is 3/3 only past 96.3 %
        ([1.0, 0.0, 0.0], (0.0, 1.0)),
        # 4 draws from {1, 1, 1, 0}: P(sum = 0) = 1/256 < 2.5 % <= P(sum <= 1) = 13/256
        ([1.0, 1.0, 1.0, 0.0], (0.25, 1.0)),
        ([0.5, -0.5], (-0.5, 0.5)),
    ],
)
def test_bootstrap_is_computed_exactly_on_a_grid(values, expected):
    assert bootstrap_interval(values) == pytest.approx(expected)


def test_bootstrap_off_a_grid_resamples_with_a_fixed_seed():
    values = [1 / 3, 0.0, 2 / 3, 1.0, 0.1234567] * 4
    first = bootstrap_interval(values)
    assert first == bootstrap_interval(values)
    low, high = first
    assert 0.2 < low < sum(values) / len(values) < high < 0.65


def test_bootstrap_is_deterministic_and_brackets_the_mean():
    values = [1.0] * 12 + [0.0] * 30 + [-1.0] * 6
    first = bootstrap_interval(values)
    assert first == bootstrap_interval(values)
    low, high = first
    mean = sum(values) / len(values)
    assert low < mean < high
    # about ± 1.96 standard errors of the mean
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    assert high - low == pytest.approx(2 * 1.96 * sd / len(values) ** 0.5, rel=0.15)


# ---- the paired test ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diffs", "p"),
    [
        ([0.0, 0.0, 0.0], 1.0),  # no difference at all
        ([1.0], 1.0),  # n = 1: both signs are as extreme
        ([1.0] * 5, 2 / 32),
        ([1.0] * 6, 2 / 64),
        ([1.0] * 6 + [0.0] * 40, 2 / 64),  # ties do not change the test
        ([0.5, 1.0, -0.5], 6 / 8),  # partial credit: 6 of 8 sign patterns reach |sum| >= 1
        ([1.0] * 7 + [-1.0], 2 * (comb(8, 0) + comb(8, 1)) / 2**8),  # exact McNemar, b=7 c=1
    ],
)
def test_sign_flip_p_value_exact(diffs, p):
    value, exact = sign_flip_p_value(diffs)
    assert exact
    assert value == pytest.approx(p)


def test_sign_flip_equals_exact_mcnemar_on_zero_one_scores():
    b, c = 11, 4  # discordant pairs
    diffs = [1.0] * b + [-1.0] * c + [0.0] * 30
    tail = sum(comb(b + c, k) for k in range(min(b, c) + 1)) / 2 ** (b + c)
    assert sign_flip_p_value(diffs)[0] == pytest.approx(min(1.0, 2 * tail))


def test_sign_flip_falls_back_to_random_flips_when_sums_are_many(monkeypatch):
    monkeypatch.setattr(stats, "MAX_EXACT_SUMS", 4)
    monkeypatch.setattr(stats, "RANDOM_FLIPS", 4000)
    diffs = [1.0] * 3 + [0.5] * 3 + [0.0] * 4  # two sizes: not the McNemar shortcut
    value, exact = sign_flip_p_value(diffs)
    assert not exact
    assert value == sign_flip_p_value(diffs)[0]  # fixed seed
    assert value == pytest.approx(2 / 64, abs=0.015)


def test_sign_flip_with_differences_of_one_size_is_the_exact_mcnemar_test():
    # 0/1 scores on thousands of problems: counted by the binomial, not pattern by pattern.
    value, exact = sign_flip_p_value([1.0] * 60 + [-1.0] * 40 + [0.0] * 3000)
    assert exact and value == pytest.approx(0.05688793364098078, rel=1e-12)
    assert sign_flip_p_value([1.0, -1.0]) == (1.0, True)


@pytest.mark.parametrize(
    "differences",
    [
        [1.0, 0.5, -0.5, 0.25, 1.0, -1.0, 0.75],
        [0.5, 0.5, 0.5, -0.25, 1.0],
        [-1.0, -0.5, -0.5, 0.0, 0.25, 0.25, 0.25, 1.0],
    ],
)
def test_sign_flip_counted_size_by_size_equals_every_pattern(differences):
    nonzero = [d for d in differences if d]
    observed = abs(sum(differences))
    extreme = sum(
        abs(sum(s * d for s, d in zip(signs, nonzero, strict=True))) >= observed - 1e-9
        for signs in itertools.product((1, -1), repeat=len(nonzero))
    )
    assert sign_flip_p_value(differences) == (pytest.approx(extreme / 2 ** len(nonzero)), True)


def test_paired_comparison_n_0_and_n_1():
    none = paired([], [])
    assert (none.n, none.mean_diff, none.ci95, none.p_value) == (0, None, None, None)
    assert none.verdict() == "no problem scored under both"
    one = paired([1.0], [0.0])
    assert (one.n, one.mean_diff, one.ci95, one.p_value) == (1, 1.0, None, 1.0)
    assert one.verdict("dcot") == "no detectable difference on 1 problem"


def test_paired_comparison_all_equal():
    same = paired([1.0] * 48, [1.0] * 48)
    assert (same.mean_diff, same.ci95, same.p_value) == (0.0, (0.0, 0.0), 1.0)
    assert same.verdict() == "no detectable difference on 48 problems"


def test_a_difference_needs_the_interval_off_zero_and_a_small_p():
    clear = paired([1.0] * 10, [0.0] * 10)
    assert clear.ci95 == (1.0, 1.0) and clear.p_value == pytest.approx(2 / 1024)
    assert clear.detectable and clear.verdict("dcot") == "dcot scores better on 10 problems"
    # Two problems: every resample favours dcot, but the exact test cannot tell (p = 0.5).
    tiny = paired([1.0, 1.0], [0.0, 0.0])
    assert tiny.ci95 == (1.0, 1.0) and tiny.p_value == 0.5 and not tiny.detectable
    worse = paired([0.0] * 10, [1.0] * 8 + [0.5] * 2)
    assert worse.detectable and worse.verdict("g1") == "g1 scores worse on 10 problems"


def test_the_original_writeup_one_question_difference_is_not_detectable():
    # 40/48 with the technique against 39/48 without: one more right, nothing else differing.
    with_ = [1.0] * 40 + [0.0] * 8
    without = [1.0] * 39 + [0.0] * 9
    result = paired(with_, without)
    assert result.mean_diff == pytest.approx(1 / 48)
    assert result.p_value == 1.0 and not result.detectable
    assert result.verdict() == "no detectable difference on 48 problems"


def test_paired_refuses_unpaired_lists():
    with pytest.raises(ValueError):
        paired([1.0], [])


# ---- reward calibration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("positives", "negatives", "expected"),
    [
        ([0.9, 0.8], [0.3, 0.1], 1.0),
        ([0.3, 0.1], [0.9, 0.8], 0.0),
        ([0.5, 0.5], [0.5], 0.5),  # ties count half
        ([0.9, 0.6], [0.85, 0.2], 0.75),
        ([0.9, 0.5, 0.5], [0.5, 0.2], (2 + 1 + 0.5 + 1 + 0.5) / 6),
        ([0.9], [], None),
        ([], [0.1], None),
    ],
)
def test_auroc(positives, negatives, expected):
    assert auroc(positives, negatives) == (None if expected is None else pytest.approx(expected))


def test_calibration_on_constructed_runs():
    runs = [
        (0.95, 1.0),
        (0.8, 1.0),  # 0.8 is in the top band
        (0.8, 0.0),
        (0.79, 1.0),  # 0.79 is not
        (0.5, 0.5),  # partial credit is not correct
        (0.49, 0.0),
        (0.1, 0.0),
    ]
    cal = calibration(runs)
    assert (cal.runs, cal.correct) == (7, 3)
    assert cal.mean_reward_correct == pytest.approx((0.95 + 0.8 + 0.79) / 3)
    assert cal.mean_reward_incorrect == pytest.approx((0.8 + 0.5 + 0.49 + 0.1) / 4)
    assert [(b.label, b.runs, b.correct) for b in cal.bands] == [
        ("≥ 0.8", 3, 2),
        ("0.5–0.8", 2, 1),
        ("< 0.5", 2, 0),
    ]
    assert [b.accuracy for b in cal.bands] == pytest.approx([2 / 3, 1 / 2, 0.0])
    # correct 0.95, 0.8, 0.79 vs incorrect 0.8, 0.5, 0.49, 0.1: 4 + (0.5 + 3) + 3 wins of 12
    assert cal.auroc == pytest.approx(10.5 / 12)


def test_calibration_with_one_class_has_no_auroc_and_empty_bands_have_no_accuracy():
    cal = calibration([(0.9, 1.0), (0.85, 1.0)])
    assert cal.auroc is None and cal.mean_reward_incorrect is None
    assert [b.accuracy for b in cal.bands] == [1.0, None, None]
