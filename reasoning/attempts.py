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


Candidate = tuple[str | None, float | None]  # (answer, final reward) of one attempt


def _by_reward(candidates: list[Candidate | None]) -> int | None:
    ok = [(i, c) for i, c in enumerate(candidates) if c is not None and c[0] is not None]
    if not ok:
        return None
    # Highest final reward wins; an unknown reward ranks lowest; ties go to the earliest.
    return max(ok, key=lambda ic: (ic[1][1] if ic[1][1] is not None else -1, -ic[0]))[0]


def normalise_for_vote(answer: str) -> str:
    """The answer in a canonical form, so equal answers written differently vote together."""
    try:
        from graders import infer_kind, normalize_answer

        normal = normalize_answer(answer, infer_kind(answer))
    except Exception:
        normal = None
    return normal if normal is not None else " ".join(answer.lower().split()).rstrip(".")


def choose(
    candidates: list[Candidate | None], how: Literal["reward", "vote"]
) -> tuple[int | None, str]:
    """The index of the selected attempt among (answer, final reward) pairs, and why."""
    if how == "reward":
        best = _by_reward(candidates)
        if best is None:
            return None, "no attempt produced an answer"
        return best, f"highest final reward ({candidates[best][1]})"  # type: ignore[index]
    keys = {
        i: normalise_for_vote(c[0])
        for i, c in enumerate(candidates)
        if c is not None and c[0] is not None
    }
    if not keys:
        return None, "no attempt produced an answer"
    counts = Counter(keys.values())
    top = max(counts.values())
    winners = {k for k, n in counts.items() if n == top}
    group = [c if keys.get(i) in winners else None for i, c in enumerate(candidates)]
    return _by_reward(group), f"majority vote: {top} of {len(keys)} answers agree"


def select(
    results: list[RunResult | None], how: Literal["reward", "vote"]
) -> tuple[int | None, str]:
    """The index of the selected run result, and one line saying why."""
    return choose([None if r is None else (r.answer, r.final_reward) for r in results], how)


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
