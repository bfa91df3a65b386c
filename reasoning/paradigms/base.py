"""What every paradigm shares: the run context and the log of finished steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from reasoning.events import RunSettings, Step, StepKind, StopReason, Transcript
from reasoning.prompts import Prompts
from reasoning.session import Session


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


@dataclass
class RunContext:
    prompt: str
    session: Session
    settings: RunSettings
    prompts: Prompts
    log: RunLog
    transcript: Transcript | None = None


def now() -> float:
    return time.time()
