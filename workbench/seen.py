"""What a run produced, as its events went by: the SPEC §6 object of `solve --json` is built from
this, stored or not, so `--no-store` prints the same object as a stored run (steps included).

`Seen` folds the events as the recorder does (store/recorder.py): a step's text as streamed until
it finishes, the totals of the last UsageUpdate, and on a cancel the call cut off estimated at
about 4 characters a token and priced at the model's price."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reasoning.events import (
    CallFinished,
    CallStarted,
    Event,
    Price,
    RunFinished,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
    estimated_usage,
    request_chars,
    with_cut_off_call,
)
from store.clock import now_iso

if TYPE_CHECKING:
    from store.recorder import Keeping


@dataclass
class _Open:
    """A step started and not finished: its text so far."""

    kind: str
    title: str | None
    parts: list[str]


class Seen:
    """Every event of one run, folded into what its record holds; `handle` each event, `end` a
    run cut short outside the engine, `as_json` for the object."""

    def __init__(
        self, keeping: Keeping | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if keeping is None:
            from workbench.keeping import KEEPING

            keeping = KEEPING
        self.keeping = keeping
        self.clock = clock
        self.started: RunStarted | None = None
        self.started_at: str | None = None
        self._t0 = 0.0
        self._price: Price | None = None
        self._steps: dict[int, Step | _Open] = {}
        self._done: set[int] = set()
        self._totals: tuple[Usage, int, float | None] = (Usage(), 0, 0.0)
        self._counted = False  # totals reported (else the record's cost is unknown, NULL)
        self._in_flight: int | None = None  # characters the call in flight sent
        self._in_flight_chars = 0
        self._end: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self._end is not None

    def handle(self, event: Event) -> None:
        if self._end is not None:
            return
        if isinstance(event, RunStarted):
            self.started, self.started_at, self._t0 = event, now_iso(), self.clock()
            self._price = self.keeping.price(event.model)
        elif self.started is None:
            return
        elif isinstance(event, TextDelta):
            self._on_delta(event)
        elif isinstance(event, StepStarted):
            self._steps[event.index] = _Open(event.kind, event.title, [])
        elif isinstance(event, StepFinished):
            self._steps[event.step.index] = event.step
            self._done.add(event.step.index)
        elif isinstance(event, CallStarted):
            self._in_flight, self._in_flight_chars = request_chars(event.request), 0
        elif isinstance(event, CallFinished):
            self._in_flight = None
        elif isinstance(event, UsageUpdate):
            self._totals, self._counted = (event.usage, event.calls, event.cost_usd), True
        elif isinstance(event, RunFinished):
            r = event.result
            for step in r.steps:
                if step.index not in self._done:
                    self._steps[step.index] = step
                    self._done.add(step.index)
            self._totals, self._counted = (r.usage, r.calls, r.cost_usd), True
            self._end = {
                "status": r.status,
                "stop_reason": r.stop_reason,
                "answer": r.answer,
                "final_reward": r.final_reward,
                "error": r.error,
                "elapsed_s": r.elapsed_s,
            }

    def _on_delta(self, ev: TextDelta) -> None:
        step = self._steps.get(ev.index)
        if not isinstance(step, _Open):
            if ev.index in self._done:
                return  # a late delta does not reopen a finished step
            step = self._steps[ev.index] = _Open("step", None, [])
        self._in_flight_chars += len(ev.text)
        step.parts.append(ev.text)

    def end(self, status: str, error: str | None = None) -> None:
        """The run was cancelled, or broke outside the engine (`error` says why)."""
        if self._end is not None or self.started is None:
            return
        stop_reason = "cancelled" if status == "cancelled" else None
        if self._in_flight is not None:  # the call cut off: estimated, as the recorder does
            estimate = estimated_usage(self._in_flight, self._in_flight_chars)
            self._totals = with_cut_off_call(self._totals, estimate, self._price)
            self._counted = True
            self._in_flight = None
        self._end = {
            "status": status,
            "stop_reason": stop_reason,
            "answer": None,
            "final_reward": None,
            "error": error,
            "elapsed_s": self.clock() - self._t0,
        }

    @property
    def totals(self) -> tuple[Usage, int, float | None]:
        """Usage, calls and cost so far (after a cancel, with the call cut off estimated)."""
        return self._totals

    def steps(self) -> list[Step]:
        """The steps in order, an unfinished one with the text it had."""
        out = []
        for index in sorted(self._steps):
            s = self._steps[index]
            if isinstance(s, _Open):
                s = Step(index, s.kind, "".join(s.parts), title=s.title)  # type: ignore[arg-type]
            out.append(s)
        return out

    def as_json(
        self,
        run_id: int | None,
        problem: str | None,
        *,
        paradigm: str,
        provider: str,
        model: str | None,
        reinforce: str = "self",
    ) -> dict[str, Any]:
        """The SPEC §6 object; `paradigm`, `provider` and `model` are told for a run cancelled
        before it started (the run's own are used once it has)."""
        from store.queries import run_object

        redact = self.keeping.redactor()

        def kept(text: str | None) -> str | None:
            return None if text is None else redact(text)

        end = self._end or {
            "status": "cancelled",
            "stop_reason": "cancelled",
            "answer": None,
            "final_reward": None,
            "error": None,
            "elapsed_s": 0.0,
        }
        usage, calls, cost = self._totals
        st = self.started
        return run_object(
            run_id=run_id,
            status=end["status"],
            stop_reason=end["stop_reason"],
            paradigm=st.paradigm if st else paradigm,
            provider=st.provider if st else provider,
            model=st.model if st else model,
            steps=[
                replace(s, title=kept(s.title), content=redact(s.content)) for s in self.steps()
            ],
            answer=kept(end["answer"]),
            final_reward=end["final_reward"],
            reinforce=st.settings.reinforce if st else reinforce,
            usage=usage,
            calls=calls,
            cost_usd=cost if self._counted else None,
            elapsed_s=end["elapsed_s"],
            problem=problem,
            error=kept(end["error"]),
            started_at=self.started_at or now_iso(),
        )
