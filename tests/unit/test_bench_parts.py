"""The bench's parts on their own: the breaker's typed reasons and the cost cap's decisions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workbench.bench.breaker import BREAKER_RUNS, Breaker
from workbench.bench.costcap import CostCap


@dataclass
class Flying:
    model: str = "m"
    paradigm: str = "dcot"
    problem_id: int = 1
    cost: float | None = 0.0
    estimate_cost: float | None = None
    counted: bool = False


def test_the_breaker_leaves_a_model_out_after_its_first_runs_fail_the_same_way() -> None:
    breaker = Breaker()
    tripped = [breaker.record("m", "failed", "401 bad key") for _ in range(BREAKER_RUNS)]
    assert tripped[:-1] == [None] * (BREAKER_RUNS - 1)
    assert tripped[-1] is not None and tripped[-1].why == "provider_failing"
    assert "m" in breaker and breaker.lines() == ("every run of m failed: 401 bad key",)


@pytest.mark.parametrize(
    "outcomes",
    [
        [("failed", "a")] * (BREAKER_RUNS - 1) + [("failed", "b")],  # mixed errors
        [("failed", "a")] * (BREAKER_RUNS - 1) + [("done", None)],  # one run answered
    ],
)
def test_the_breaker_stays_closed_on_mixed_outcomes(outcomes) -> None:
    breaker = Breaker()
    assert [breaker.record("m", s, e) for s, e in outcomes] == [None] * len(outcomes)
    assert "m" not in breaker


def test_an_unknown_price_is_a_typed_reason_whatever_its_words() -> None:
    breaker = Breaker()
    breaker.leave_out("gpt-x", "price_unknown")
    assert breaker.reasons() == {"price_unknown"}
    assert "price of gpt-x is unknown" in breaker.lines()[0]


def test_without_a_cap_every_run_starts() -> None:
    assert CostCap(None).decide("m", "dcot", 1, [Flying()]) == "start"


def test_under_a_cap_one_probe_run_goes_until_a_cost_is_known() -> None:
    cap = CostCap(1.0)
    assert cap.decide("m", "dcot", 1, []) == "start"
    assert cap.decide("m", "dcot", 2, [Flying()]) == "wait"
    cap.seen("m", "dcot", 0.4)
    cap.runs_cost = 0.4
    assert cap.decide("m", "dcot", 2, []) == "start"  # 0.4 + 0.4 <= 1


@pytest.mark.parametrize(
    ("spent", "in_flight", "live", "decision"),
    [
        (0.2, None, 0, "start"),  # 0.2 + 0.4 fits under 1
        (0.7, None, 0, "halt"),  # 0.7 + 0.4 passes 1, nothing to wait for
        (0.3, None, 1, "wait"),  # 0.3 + a run in flight (0.4) + 0.4 passes 1: wait for it
        (0.1, 0.9, 1, "wait"),  # the call streaming counts at its estimate
    ],
)
def test_the_cap_decides_from_spend_and_estimates(spent, in_flight, live, decision) -> None:
    cap = CostCap(1.0)
    cap.seen("m", "dcot", 0.4)
    cap.runs_cost = spent
    flying = [Flying(estimate_cost=in_flight) for _ in range(live)]
    assert cap.decide("m", "dcot", 9, flying) == decision


def test_a_call_in_flight_passes_the_cap_before_it_ends() -> None:
    cap = CostCap(1.0)
    cap.runs_cost = 0.5
    assert not cap.passed([Flying(cost=0.1, estimate_cost=0.3)])
    assert cap.passed([Flying(cost=0.1, estimate_cost=0.7)])  # 0.5 + 0.1 + 0.6 in flight
