"""Judge-vs-human agreement figures (graders/agreement.py), on hand-made grade sets."""

from __future__ import annotations

import pytest

from graders.scoring.agreement import GradePair, agreement, agreement_by_judge, weighted_kappa

# Human vs judge verdicts of six runs. By hand, with weights 1 - |i - j| / 2 over
# zero < partial < full:
#   observed p_o = (1 + .5 + 1 + 1 + .5 + 1) / 6 = 5/6
#   human marginals (zero, partial, full) = (2, 1, 3)/6, judge marginals = (1, 3, 2)/6
#   expected p_e = [2 * (1*1 + .5*3) + 1 * (.5*1 + 1*3 + .5*2) + 3 * (.5*3 + 1*2)] / 36 = 20/36
#   kappa = (5/6 - 5/9) / (1 - 5/9) = 5/8
SIX = [
    ("full", "full"),
    ("full", "partial"),
    ("partial", "partial"),
    ("zero", "zero"),
    ("zero", "partial"),
    ("full", "full"),
]


def test_weighted_kappa_matches_the_hand_computed_table():
    assert weighted_kappa(SIX) == pytest.approx(5 / 8)


def test_kappa_is_one_for_perfect_agreement_and_negative_for_opposite_verdicts():
    assert weighted_kappa([("full", "full"), ("zero", "zero"), ("partial", "partial")]) == 1
    assert weighted_kappa([("full", "zero"), ("zero", "full")]) == pytest.approx(-1)


def test_kappa_is_undefined_without_pairs_or_when_everything_is_one_verdict():
    assert weighted_kappa([]) is None
    assert weighted_kappa([("full", "full"), ("full", "full")]) is None


def _pair(judge, human, judged, top=10.0):
    def verdict(p):
        return "full" if p >= top else "zero" if p <= 0 else "partial"

    return GradePair(judge, human, judged, top, verdict(human), verdict(judged))


def test_count_mean_abs_difference_and_exact_match_rate():
    pairs = [_pair("m", 10, 10), _pair("m", 10, 7), _pair("m", 5, 5), _pair("m", 0, 3)]
    a = agreement("m", pairs)
    assert a.count == 4
    assert a.mean_abs_diff == pytest.approx((0 + 3 + 0 + 3) / 4)
    assert a.mean_diff == pytest.approx((0 - 3 + 0 + 3) / 4)
    assert a.exact_match_rate == pytest.approx(2 / 4)


def test_figures_are_per_judge_model():
    pairs = [_pair("big", 10, 10), _pair("small", 10, 0), _pair("big", 0, 0), _pair("small", 0, 10)]
    by = {a.judge: a for a in agreement_by_judge(pairs)}
    assert set(by) == {"big", "small"}
    assert (by["big"].count, by["big"].exact_match_rate, by["big"].kappa) == (2, 1.0, 1.0)
    assert by["small"].mean_abs_diff == 10 and by["small"].kappa == pytest.approx(-1)


def test_no_pairs_gives_no_figures():
    a = agreement("m", [])
    assert (a.count, a.mean_abs_diff, a.exact_match_rate, a.kappa) == (0, None, None, None)
