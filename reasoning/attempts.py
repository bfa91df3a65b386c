"""Multiple attempts: K independent runs at once, one selected by final reward or by vote."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal

from reasoning.events import Event, RunFinished, RunResult, RunSettings
from reasoning.providers.base import Provider


@dataclass(frozen=True)
class AttemptEvent:
    """An event of attempt `attempt` (0-based)."""

    attempt: int
    event: Event


@dataclass(frozen=True)
class Selected:
    """All attempts ended; `selected` is the index of the chosen one (None if none has an answer)."""

    selected: int | None
    results: tuple[RunResult | None, ...]
    how: str


def _by_reward(results: list[RunResult | None]) -> int | None:
    ok = [(i, r) for i, r in enumerate(results) if r is not None and r.answer is not None]
    if not ok:
        return None
    # Highest final reward wins; an unknown reward ranks lowest; ties go to the earliest.
    return max(
        ok, key=lambda ir: (ir[1].final_reward if ir[1].final_reward is not None else -1, -ir[0])
    )[0]


def normalise_for_vote(answer: str) -> str:
    """The answer in a canonical form, so equal answers written differently vote together."""
    try:
        from graders import infer_kind, normalize_answer

        normal = normalize_answer(answer, infer_kind(answer))
    except Exception:
        normal = None
    return normal if normal is not None else " ".join(answer.lower().split()).rstrip(".")


def select(
    results: list[RunResult | None], how: Literal["reward", "vote"]
) -> tuple[int | None, str]:
    """The index of the selected attempt, and one line saying why."""
    if how == "reward":
        best = _by_reward(results)
        if best is None:
            return None, "no attempt produced an answer"
        r = results[best]
        assert r is not None
        return best, f"highest final reward ({r.final_reward})"
    keys = {
        i: normalise_for_vote(r.answer)
        for i, r in enumerate(results)
        if r is not None and r.answer is not None
    }
    if not keys:
        return None, "no attempt produced an answer"
    counts = Counter(keys.values())
    top = max(counts.values())
    winners = {k for k, n in counts.items() if n == top}
    group: list[RunResult | None] = [
        r if keys.get(i) in winners else None for i, r in enumerate(results)
    ]
    best = _by_reward(group)
    return best, f"majority vote: {top} of {len(keys)} answers agree"


async def solve_attempts(
    prompt: str,
    provider: Provider,
    settings: RunSettings,
    k: int,
    how: Literal["reward", "vote"] = "reward",
    *,
    solve: Callable[..., AsyncIterator[Event]] | None = None,
) -> AsyncIterator[AttemptEvent | Selected]:
    """Run k attempts concurrently, interleaving their events, then say which is selected."""
    if solve is None:
        from reasoning.engine import solve as engine_solve

        solve = engine_solve
    queue: asyncio.Queue[AttemptEvent | None] = asyncio.Queue()
    results: list[RunResult | None] = [None] * k

    async def one(i: int) -> None:
        try:
            async for ev in solve(prompt, provider, settings):
                if isinstance(ev, RunFinished):
                    results[i] = ev.result
                await queue.put(AttemptEvent(i, ev))
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(one(i)) for i in range(k)]
    try:
        remaining = k
        while remaining:
            item = await queue.get()
            if item is None:
                remaining -= 1
            else:
                yield item
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    chosen, why = select(results, how)
    yield Selected(chosen, tuple(results), why)
