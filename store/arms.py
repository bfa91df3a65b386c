"""A run's arm in SQL: its paradigm, or 'dcot+guided' for dcot run with guided reinforcement
(reasoning.events.arm_of, written once for the queries that group or count by arm)."""

from __future__ import annotations

from reasoning.events import GUIDED_ARM


def reinforce_sql(run: str = "r") -> str:
    """The SQL expression of a run's reinforcement, from its params ('self' when not said; a
    params text that is not JSON is read as nothing, not an error)."""
    return (
        f"coalesce(case when json_valid({run}.params)"
        f" then json_extract({run}.params, '$.reinforce') end, 'self')"
    )


def arm_sql(run: str = "r") -> str:
    """The SQL expression of the arm of the run row `run` (its reinforce is in its params)."""
    return (
        f"(case when {run}.paradigm = 'dcot' and {reinforce_sql(run)} = 'guided'"
        f" then '{GUIDED_ARM}' else {run}.paradigm end)"
    )
