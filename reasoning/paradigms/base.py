"""What every paradigm shares: the run context and the log of finished steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reasoning.events import RunSettings, Step, StepKind, StopReason, Transcript
from reasoning.prompts import Prompts
from reasoning.session import LimitReached, Session


@dataclass
class RunLog:
    """What a run has produced so far; the engine turns it into the RunResult."""

    steps: list[Step] = field(default_factory=list)
    answer: str | None = None
    final_reward: float | None = None
    stop_reason: StopReason | None = None

    @property
    def next_index(self) -> int:
        return len(self.steps) + 1

    def count(self, kind: StepKind) -> int:
        return sum(1 for s in self.steps if s.kind == kind)


# Reads the final answer out of a model's text, None when it has none: the graders' one
# extractor, passed in by the workbench (reasoning does not import graders).
Extract = Callable[[str], str | None]


@dataclass
class RunContext:
    prompt: str
    session: Session
    settings: RunSettings
    prompts: Prompts
    log: RunLog
    transcript: Transcript | None = None
    extract: Extract | None = None

    def answer_in(self, text: str) -> str | None:
        """The answer in a text by the graders' extractor (given one), else the plain rule:
        the text after the last "Final answer:", else the whole text; None for no text."""
        from reasoning.paradigms.direct import final_answer_of

        if not text.strip():
            return None
        found = self.extract(text) if self.extract is not None else None
        return found or final_answer_of(text) or None


def now() -> float:
    return time.time()


def may_continue(ctx: RunContext, continuations: int) -> bool:
    """The continuation rule, the same for every paradigm: a reply cut short (at max_tokens,
    mid-stream, or by a retryable error) is continued with the transcript so far, at most
    max_continuations times, while the run's output budget lasts."""
    s = ctx.settings
    return (
        continuations < s.max_continuations
        and ctx.session.usage.output_tokens < s.run_output_budget
    )


def never_ended(ctx: RunContext, what: str) -> LimitReached:
    """The failure of a run whose every call was cut or errored: its partial text is kept in
    its steps, and no answer is taken from text that never came to its end."""
    reason = ctx.session.every_call_cut() or "cut"
    last = ctx.session.last
    if last is not None and last.timed_out:
        reason = "timeout"  # the server went silent mid-stream (--timeout), every time
    elif ctx.session.capped_by_budget:
        reason = "output_budget"  # continued until the run's output budget ran out
    n = ctx.session.calls
    calls = "the only call" if n == 1 else f"all {n} calls"
    how = "at max_tokens" if reason == "max_tokens" else "short"
    return LimitReached(reason, f"{what}: {calls} cut {how}, the text never came to its end")
