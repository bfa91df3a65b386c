"""The engine: runs a paradigm against a provider as an async iterator of typed events."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

from reasoning.events import (
    Event,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    RunStatus,
    Transcript,
)
from reasoning.paradigms import dcot, direct, g1
from reasoning.paradigms.base import Extract, RunContext, RunLog
from reasoning.prompts import Prompts
from reasoning.providers.base import Provider, ProviderError
from reasoning.session import LimitReached, Session

PARADIGMS: dict[str, Callable[[RunContext], AsyncIterator[Event]]] = {
    "dcot": dcot.run,
    "g1": g1.run,
    "direct": direct.run,
}


async def solve(
    prompt: str,
    provider: Provider,
    settings: RunSettings,
    *,
    transcript: Transcript | None = None,
    clock: Callable[[], float] = time.monotonic,
    extract: Extract | None = None,
) -> AsyncIterator[Event]:
    """Run one problem. Ends with exactly one RunFinished unless the consumer cancels.

    `extract` reads an answer out of text where the protocol was not followed (the graders'
    extractor, from the workbench); without it a plain "Final answer:" rule is used."""
    session = Session(provider, settings, clock=clock)
    log = RunLog()
    if transcript is not None:
        log.steps.extend(transcript.steps)
        for step in transcript.steps:
            if step.kind == "answer":
                log.answer = step.content
            if step.kind in ("answer", "final_reflection") and step.reward is not None:
                log.final_reward = step.reward
    yield RunStarted(
        settings.paradigm, provider.name, provider.model, provider.base_url, prompt, settings
    )
    error: str | None = None
    try:
        prompts = Prompts(settings.prompt_dir)
        ctx = RunContext(prompt, session, settings, prompts, log, transcript, extract=extract)
        async with aclosing(PARADIGMS[settings.paradigm](ctx)) as events:  # type: ignore[type-var]
            async for event in events:
                yield event
    except LimitReached as limit:
        log.stop_reason = limit.reason
        error = str(limit)
    except ProviderError as exc:
        log.stop_reason = "timeout" if exc.timed_out else "provider_error"
        error = exc.message
    except FileNotFoundError as exc:  # a prompt folder or file that is not there
        log.stop_reason = "provider_error"
        error = f"prompt file missing: {exc}"
    except Exception as exc:  # a bug must not lose the run: record it as a failure
        log.stop_reason = log.stop_reason or "provider_error"
        error = f"internal error: {type(exc).__name__}: {exc}"
    # An answer is a success even when a limit stopped what came after it.
    status: RunStatus = "done" if log.answer is not None else "failed"
    yield RunFinished(
        RunResult(
            status=status,
            stop_reason=log.stop_reason or ("answer" if log.answer is not None else "no_answer"),
            answer=log.answer,
            final_reward=log.final_reward,
            steps=tuple(log.steps),
            usage=session.usage,
            calls=session.calls,
            cost_usd=session.cost_usd,
            elapsed_s=round(session.elapsed, 3),
            error=error if status == "failed" or error else None,
        )
    )
