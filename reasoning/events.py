"""Typed records and events that flow from the engine to its consumers (CLI, TUI, store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Paradigm = Literal["dcot", "g1", "direct"]
PARADIGMS: tuple[Paradigm, ...] = ("dcot", "g1", "direct")  # the order Ctrl+T cycles them
WITH_TECHNIQUE: tuple[Paradigm, ...] = ("dcot", "g1")  # compared against the baseline
BASELINE: Paradigm = "direct"
StepKind = Literal["thinking", "step", "reflection", "answer", "final_reflection", "feedback"]
Reinforce = Literal["self", "guided"]
REINFORCE_MODES: tuple[Reinforce, ...] = ("self", "guided")

# An arm of a with/without comparison: a paradigm, and for dcot its reinforcement. Guided runs
# are their own arm, "dcot+guided", compared against direct and against plain dcot.
GUIDED_ARM = "dcot+guided"
ARMS: tuple[str, ...] = ("direct", "dcot", GUIDED_ARM, "g1")  # the order tables show them
TECHNIQUES: tuple[str, ...] = ("dcot", GUIDED_ARM, "g1")  # the arms compared against direct


def arm_of(paradigm: str, reinforce: str | None) -> str:
    """The arm a run belongs to: its paradigm, or "dcot+guided" for dcot with guided reinforcement."""
    return GUIDED_ARM if paradigm == "dcot" and reinforce == "guided" else paradigm


def split_arm(arm: str) -> tuple[Paradigm, Reinforce]:
    """The paradigm and reinforcement an arm runs with (ValueError for an unknown arm)."""
    paradigm, _, reinforce = arm.partition("+")
    if (
        paradigm not in PARADIGMS
        or reinforce not in ("", "guided")
        or (reinforce and paradigm != "dcot")
    ):
        raise ValueError(f"unknown arm {arm!r}: use {', '.join(ARMS)}")
    return paradigm, "guided" if reinforce else "self"  # type: ignore[return-value]


RunStatus = Literal["running", "done", "failed", "cancelled", "interrupted"]
# The closed set of run statuses, with what each means. Every paradigm ends a run in one of the
# last four; "running" is a run in flight (or one whose process died, until it is seen).
RUN_STATUSES: dict[RunStatus, str] = {
    "running": "in flight",
    "done": "ended with an answer (in the protocol, or taken from the text: no_protocol)",
    "failed": "ended without an answer: a fault, a limit before any answer, or every call cut",
    "cancelled": "stopped by the user (Esc, Ctrl+C, a signal); what it produced is kept",
    "interrupted": "its process died mid-run; `ponder resume RUN` continues it",
}

# Why a run stopped: one closed, documented set for every paradigm. A limit that stops a run
# after its answer leaves it "done" with that limit as the reason; before any answer, "failed".
StopReason = Literal[
    "answer",
    "no_protocol",
    "budget",
    "max_steps",
    "max_tokens",
    "max_calls",
    "wall_time",
    "cost_cap",
    "cut",
    "output_budget",
    "timeout",
    "repetition",
    "no_answer",
    "provider_error",
    "cancelled",
    "interrupted",
]
STOP_REASONS: dict[StopReason, str] = {
    "answer": "the model gave its answer in the paradigm's protocol",
    "no_protocol": "the model did not follow the protocol (no tags, no <answer>, no readable JSON "
    "step): the answer was taken from its text by the graders' extractor",
    "budget": "the step budget was used up",
    "max_steps": "the engine's cap on steps (or blocks) was reached",
    "max_tokens": "every call was cut at --max-tokens and the continuations ran out",
    "max_calls": "the call limit was reached",
    "wall_time": "the run's wall-time limit (--max-time) was reached",
    "cost_cap": "the cost cap (--max-cost) was reached",
    "output_budget": "the run's output-token budget (over all its calls) was used up",
    "timeout": "the server sent nothing for --timeout seconds, on every try",
    "repetition": "the model kept repeating itself (the same text, lines or steps): stopped",
    "cut": "every call was cut mid-stream or ended in an error: the partial text is kept",
    "no_answer": "the model returned no text to take an answer from",
    "provider_error": "the provider failed after its retries (or the request was refused)",
    "cancelled": "stopped by the user",
    "interrupted": "the process died mid-run",
}

Band = Literal["continue", "adjust", "backtrack"]
# The reward bands of SPEC §1, named by what the engine does in each.
REWARD_BANDS: tuple[tuple[Band, str], ...] = (
    ("continue", "≥ 0.8"),
    ("adjust", "0.5–0.8"),
    ("backtrack", "< 0.5"),
)
BACKTRACK_BELOW = 0.5  # a reflection's reward under this is a backtrack


def reward_band(reward: float) -> Band:
    """The band of SPEC §1: ≥ 0.8 continue, 0.5–0.8 adjust, < 0.5 backtrack."""
    if reward >= 0.8:
        return "continue"
    if reward >= BACKTRACK_BELOW:
        return "adjust"
    return "backtrack"


# How money and time are rounded wherever they are written out (JSON, CSV): a float's binary
# noise (6.434999999999999e-05) and microsecond timings tell a reader nothing.
USD_DECIMALS = 8  # a millionth of a cent: finer than the price of any one token
SECONDS_DECIMALS = 3


def round_usd(usd: float | None) -> float | None:
    """An amount of USD as written out."""
    return None if usd is None else round(usd, USD_DECIMALS)


def round_seconds(seconds: float | None) -> float | None:
    """A duration in seconds as written out (milliseconds)."""
    return None if seconds is None else round(seconds, SECONDS_DECIMALS)


@dataclass(frozen=True)
class Usage:
    """Token counts of one call, or summed over a run."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )


def estimated_usage(sent_chars: int, received_chars: int) -> Usage:
    """About 4 characters a token: what a call that never reported its usage sent and got."""
    return Usage(input_tokens=-(-sent_chars // 4), output_tokens=-(-received_chars // 4))


def request_chars(request: dict[str, Any]) -> int:
    """The characters a CallStarted's request sends: its system text and its messages."""
    sent = request.get("messages") or []
    return len(str(request.get("system") or "")) + sum(
        len(str(m.get("content", ""))) for m in sent if isinstance(m, dict)
    )


@dataclass(frozen=True)
class Price:
    """USD per million tokens; a missing cache price falls back to the input price."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None

    def cost(self, usage: Usage) -> float:
        """USD for `usage` at this price."""
        read = self.input if self.cache_read is None else self.cache_read
        write = self.input if self.cache_write is None else self.cache_write
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_read_tokens * read
            + usage.cache_write_tokens * write
        ) / 1_000_000


def with_cut_off_call(
    totals: tuple[Usage, int, float | None], estimate: Usage, price: Price | None
) -> tuple[Usage, int, float | None]:
    """A run's usage, calls and cost with a call cut off added: its estimated usage, one call
    more, its cost at `price` (the cost is unknown without a price, or if it already was)."""
    usage, calls, spent = totals
    extra = None if price is None else price.cost(estimate)
    return usage + estimate, calls + 1, None if spent is None or extra is None else spent + extra


@dataclass(frozen=True)
class Step:
    """One finished step of a run, in the words of SPEC §4."""

    index: int
    kind: StepKind
    content: str
    title: str | None = None
    reward: float | None = None
    budget_left: int | None = None
    backtrack: bool = False
    started_at: float = 0.0
    finished_at: float = 0.0


# The limits' defaults (SPEC §1, Limits). A run is bounded even when nothing else stops it: a
# server that streams forever, or a model that loops.
DEFAULT_MAX_TIME_S = 1800.0  # --max-time: a run's wall time (a 40-step g1 run is minutes)
DEFAULT_TIMEOUT_S = 60.0
# The run's output tokens over all its calls when not set: 4 x the default max_tokens, so that
# a g1 run of many short steps is not starved by a small --max-tokens.
DEFAULT_OUTPUT_BUDGET = 16_384  # --timeout: a call's wait for its first byte, and for each next one


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides how a run is made; recorded with the run."""

    paradigm: Paradigm = "dcot"
    budget: int = 20
    reinforce: Reinforce = "self"
    min_steps: int = 15
    max_steps: int = 40
    max_tokens: int = 4096
    temperature: float | None = None
    max_calls: int = 60
    max_continuations: int = 3  # the continuation rule, the same for every paradigm
    # The run's wall time (--max-time); None: no limit.
    wall_time_s: float | None = DEFAULT_MAX_TIME_S
    cost_cap_usd: float | None = None
    # Output tokens over all the run's calls; None: see run_output_budget.
    output_budget: int | None = None
    # A call's wait for its first byte and each next one (--timeout); None: the provider's own
    # (its preset's, the config's [limits], else DEFAULT_TIMEOUT_S).
    timeout_s: float | None = None
    prompt_dir: str | None = None  # a folder of the user's own prompt files
    prompt_cache: bool = True  # mark the stable prefix cacheable in multi-call paradigms

    @property
    def run_output_budget(self) -> int:
        """The output tokens the whole run may make (every paradigm alike): the setting, else
        a reply and its continuations at max_tokens, and never less than the default."""
        if self.output_budget is not None:
            return self.output_budget
        return max(DEFAULT_OUTPUT_BUDGET, self.max_tokens * (self.max_continuations + 1))

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass(frozen=True)
class RunResult:
    """How a run ended."""

    status: RunStatus
    stop_reason: StopReason | None
    answer: str | None
    final_reward: float | None
    steps: tuple[Step, ...]
    usage: Usage
    calls: int
    cost_usd: float | None
    elapsed_s: float
    error: str | None = None


# ---- events -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunStarted:
    paradigm: str
    provider: str
    model: str
    base_url: str | None
    prompt: str
    settings: RunSettings


@dataclass(frozen=True)
class StepStarted:
    index: int
    kind: StepKind
    title: str | None = None


@dataclass(frozen=True)
class TextDelta:
    """Text appended to the step that is open (index), as it streams."""

    index: int
    text: str


@dataclass(frozen=True)
class StepFinished:
    step: Step


@dataclass(frozen=True)
class CallStarted:
    """A provider request is about to be sent (messages and parameters, never a key)."""

    call_index: int
    request: dict[str, Any]


@dataclass(frozen=True)
class CallFinished:
    call_index: int
    response_text: str
    stop_reason: str | None
    usage: Usage
    elapsed_s: float
    error: str | None = None
    status: int | None = None  # the HTTP status of a failed call


@dataclass(frozen=True)
class CallRetried:
    """An attempt of call `call_index` failed before any text; the call is tried again."""

    call_index: int
    attempt: int  # 1 for the first try
    status: int | None
    error: str
    elapsed_s: float
    wait_s: float


@dataclass(frozen=True)
class UsageUpdate:
    """Totals so far in the run."""

    usage: Usage
    calls: int
    cost_usd: float | None


@dataclass(frozen=True)
class UsageEstimate:
    """Totals so far with the call in flight estimated (about 4 characters a token) while it
    streams, for a live display: the next UsageUpdate, with the provider's figures, replaces
    it. Not a record: a consumer that stores usage keeps to UsageUpdate."""

    usage: Usage
    calls: int
    cost_usd: float | None


@dataclass(frozen=True)
class Notice:
    """Something the user should know that does not end the run (a retry, a parse problem)."""

    message: str


@dataclass(frozen=True)
class RunFinished:
    """Terminal event: result.status tells done / failed / cancelled."""

    result: RunResult


Event = (
    RunStarted
    | StepStarted
    | TextDelta
    | StepFinished
    | CallStarted
    | CallFinished
    | CallRetried
    | UsageUpdate
    | UsageEstimate
    | Notice
    | RunFinished
)


@dataclass
class Transcript:
    """What the engine needs to continue a run: the steps so far and the raw model text."""

    prompt: str
    steps: list[Step] = field(default_factory=list)
    raw: str = ""
