"""One closed, documented set of run statuses and stop reasons, used by every paradigm."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from reasoning.events import RUN_STATUSES, STOP_REASONS, RunStatus, StopReason

REASONING = Path(__file__).resolve().parents[2] / "reasoning"


def test_every_stop_reason_is_documented_and_every_documented_one_is_a_stop_reason():
    assert set(get_args(StopReason)) == set(STOP_REASONS)
    assert all(len(why) > 10 for why in STOP_REASONS.values())


def test_every_run_status_is_documented():
    assert set(get_args(RunStatus)) == set(RUN_STATUSES)


def test_the_engine_sets_no_stop_reason_outside_the_set():
    said = set()
    for path in REASONING.rglob("*.py"):
        text = path.read_text()
        said |= set(re.findall(r'LimitReached\(\s*"(\w+)"', text))
        said |= set(re.findall(r'stop_reason\s*=\s*"(\w+)"', text))
    assert said and said <= set(STOP_REASONS)
