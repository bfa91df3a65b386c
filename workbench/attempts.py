"""Multiple attempts: K runs of one problem at once, one selected by final reward or by vote.

The selection is made here only: `ponder solve --attempts` selects among the runs it holds, the
bench among a group's stored runs, both with `choose` (ties go to the earliest attempt)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from workbench.drive import Driven, Driver

if TYPE_CHECKING:
    import sqlite_utils


Candidate = tuple[str | None, float | None]  # (answer, final reward) of one attempt


def _by_reward(candidates: list[Candidate | None]) -> int | None:
    ok = [(i, c) for i, c in enumerate(candidates) if c is not None and c[0] is not None]
    if not ok:
        return None
    # Highest final reward wins; an unknown reward ranks lowest; ties go to the earliest.
    return max(ok, key=lambda ic: (ic[1][1] if ic[1][1] is not None else -1, -ic[0]))[0]


def normalise_for_vote(answer: str) -> str | None:
    """The value the grader reads in an answer, in canonical form, so answers it would find
    equivalent ("32", "The answer is 32.", "x = 32") vote together; None for no value."""
    try:
        from graders import infer_kind, normalize_answer
        from graders.extract import final_answer

        value = final_answer(answer) or answer
        normal = normalize_answer(value, infer_kind(value))
    except Exception:
        value, normal = answer, None
    if normal is not None:
        return normal
    plain = " ".join(value.lower().split()).strip(" .")
    return plain or None


def choose(
    candidates: list[Candidate | None], how: Literal["reward", "vote"]
) -> tuple[int | None, str]:
    """The index of the selected attempt among (answer, final reward) pairs, and why."""
    if how == "reward":
        best = _by_reward(candidates)
        if best is None:
            return None, "no attempt produced an answer"
        return best, f"highest final reward ({candidates[best][1]})"  # type: ignore[index]
    voted = {
        i: normalise_for_vote(c[0])
        for i, c in enumerate(candidates)
        if c is not None and c[0] is not None
    }
    keys = {i: k for i, k in voted.items() if k is not None}
    if not keys:
        best = _by_reward(candidates)
        if best is None:
            return None, "no attempt produced an answer"
        return best, "no answer had a value to vote on: highest final reward"
    counts = Counter(keys.values())
    top = max(counts.values())
    winners = {k for k, n in counts.items() if n == top}
    group = [c if keys.get(i) in winners else None for i, c in enumerate(candidates)]
    return _by_reward(group), f"majority vote: {top} of {len(keys)} answers agree"


@dataclass(frozen=True)
class Attempts:
    """K attempts at one problem, all ended; `selected` indexes the one that counts (None if no
    attempt produced an answer), `how` says why in one line."""

    driven: tuple[Driven, ...]
    selected: int | None
    how: str


def _candidate(driven: Driven) -> Candidate | None:
    r = driven.result
    return (r.answer, r.final_reward) if r is not None and driven.status == "done" else None


async def drive_attempts(
    drivers: Sequence[Driver],
    how: Literal["reward", "vote"] = "reward",
    *,
    db: sqlite_utils.Database | None = None,
    group: str | None = None,
) -> Attempts:
    """Run the attempts at once, select one, and mark it in the store's attempt `group`.

    Cancelling cancels every attempt (each is recorded as cancelled)."""
    driven = tuple(await asyncio.gather(*(d.run() for d in drivers)))
    chosen, why = choose([_candidate(d) for d in driven], how)
    if db is not None and group is not None:
        from store.attempts import mark_selected

        mark_selected(db, group, driven[chosen].run_id if chosen is not None else None)
    return Attempts(driven, chosen, why)


def settle_attempt_group(
    db: sqlite_utils.Database, group: str, how: Literal["reward", "vote"] = "reward"
) -> int | None:
    """Select among a stored attempt group once none is running (the bench's attempts end one by
    one): mark it and return its run id; None while an attempt runs or none has an answer."""
    from store.attempts import attempt_outcomes, mark_selected

    rows = attempt_outcomes(db, group)
    if not rows or any(o.status == "running" for o in rows):
        return None
    candidates = [(o.answer, o.final_reward) if o.status == "done" else None for o in rows]
    index, _ = choose(candidates, how)
    chosen = rows[index].run_id if index is not None else None
    mark_selected(db, group, chosen)
    return chosen
