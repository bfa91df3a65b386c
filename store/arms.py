"""A run's arm in SQL: its paradigm, or 'dcot+guided' for dcot run with guided reinforcement
(reasoning.events.arm_of, written once for the queries that group or count by arm)."""

from __future__ import annotations

from reasoning.events import GUIDED_ARM


def arm_sql(run: str = "r") -> str:
    """The SQL expression of the arm of the run row `run` (its reinforce is in its params)."""
    return (
        f"(case when {run}.paradigm = 'dcot'"
        f" and json_extract({run}.params, '$.reinforce') = 'guided'"
        f" then '{GUIDED_ARM}' else {run}.paradigm end)"
    )
