"""What a bench tells its caller: a snapshot while it runs, a summary when it ends, and the tally
both are made from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

# Why a bench stopped starting runs before its plan was through (None: it was not stopped).
StopReason = Literal["cancelled", "max_cost", "provider_failing", "price_unknown", "store_full"]


@dataclass(frozen=True)
class BenchProgress:
    """A snapshot for a progress display; `note` is the one-line event that caused it, if any."""

    bench_id: str
    dataset: str
    jobs: int  # jobs in the plan, done earlier ones included
    skipped: int  # jobs already done (resume) or running in another process
    total: int  # runs to make now
    done: int
    failed: int
    cancelled: int
    running: int
    not_started: int  # left out: cost cap, provider failing, stop
    graded: int
    tokens: int
    cost_usd: float  # known part of the spend, the judge's included (what --max-cost counts)
    cost_unknown: int  # runs whose price is unknown
    elapsed_s: float
    eta_s: float | None
    paused_s: float  # a rate-limit pause in force, seconds left
    note: str | None = None
    # Estimated from the text of the calls streaming now (about 4 characters a token), on top of
    # `tokens` and `cost_usd` until those calls end with the provider's figures.
    in_flight_tokens: int = 0
    in_flight_cost: float = 0.0
    batches_waiting: int = 0  # batch mode: batches submitted and not ended yet

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled


@dataclass(frozen=True)
class BenchSummary:
    """How a bench invocation ended; `configs` covers every run of the bench (resumes included)."""

    bench_id: str
    dataset: str
    jobs: int
    skipped: int
    running_elsewhere: int  # jobs skipped because another process is running them
    total: int
    done: int
    failed: int
    cancelled: int
    not_started: int
    stopped: StopReason | None
    left_out: tuple[str, ...]  # why some models got no runs started, one line each
    tokens: int
    cost_usd: float
    cost_unknown: int
    elapsed_s: float
    failures: tuple[str, ...]  # one line per failed run
    run_ids: tuple[int, ...]
    configs: tuple[Any, ...]  # store.benchq.ConfigTotals
    judge: str | None = None  # the judge model, when the plan has one
    judged: tuple[Any, ...] = ()  # workbench.judge.JudgeResult of each run judged
    not_judged: int = 0  # runs the judge was not asked about: it would have passed --max-cost
    judge_cost_usd: float = 0.0  # known part of the judge's spend (cost_usd is the runs')

    @property
    def nothing_ran(self) -> bool:
        """Runs were planned and none of them produced an answer."""
        return self.total > 0 and self.done == 0


ProgressFn = Callable[[BenchProgress], None]

RunStatus = Literal["done", "failed", "cancelled"]


@dataclass
class Tally:
    """The runs of this invocation that have ended, counted as they end."""

    done: int = 0
    failed: int = 0
    cancelled: int = 0
    not_started: int = 0
    graded: int = 0
    tokens: int = 0
    cost: float = 0.0  # known part of the runs' spend
    cost_unknown: int = 0  # runs whose price is unknown
    failures: list[str] = field(default_factory=list)  # one line per failed run
    run_ids: list[int] = field(default_factory=list)

    def count(
        self, status: str, tokens: int, cost: float | None, run_id: int | None, failure: str
    ) -> str | None:
        """Count one ended run; a failed one's line (`failure`) is returned for the progress."""
        if run_id is not None:
            self.run_ids.append(run_id)
        self.tokens += tokens
        if cost is None:
            self.cost_unknown += 1
        else:
            self.cost += cost
        if status == "done":
            self.done += 1
        elif status == "cancelled":
            self.cancelled += 1
        else:
            self.failed += 1
            self.failures.append(failure)
            return f"failed: {failure}"
        return None
