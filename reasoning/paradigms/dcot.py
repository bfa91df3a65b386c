"""Dynamic CoT + reflection + verbal reinforcement, in the tag protocol.

One streaming call per segment. A segment that ends without <answer> (stop, length or a cut
stream) is continued with the transcript so far. With reinforce="guided" the engine stops at
each </reward> and answers with verbal feedback chosen by the reward band.

Models that ignore the tags (small ones do) still end with an answer: a complete segment with no
tag at all, an untagged segment that repeats the one before, or continuations that run out
without <answer> end the run "done" with stop reason "no_protocol", the answer taken from the
text the way `direct` takes it; a tagged segment that repeats the one before, or a stream
stopped in a loop, end it the same way with stop reason "repetition".
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass

from reasoning.events import (
    BACKTRACK_BELOW,
    Event,
    Notice,
    Step,
    StepFinished,
    StepKind,
    StepStarted,
    StopReason,
    TextDelta,
    reward_band,
)
from reasoning.paradigms.base import RunContext, may_continue, never_ended, now
from reasoning.paradigms.direct import FINAL_LINE, final_answer_of
from reasoning.parse import Closed, Opened, Outside, ParseEvent, TagParser, Text, Value
from reasoning.providers.base import ChatRequest, Message
from reasoning.repetition import same_text
from reasoning.session import LimitReached

REWARD_STOP = "</reward>"
RUNAWAY_FACTOR = 4  # blocks of any kind allowed per --max-steps
_STEP_OPEN = re.compile(r"<\s*step\s*>", re.IGNORECASE)
_ANY_TAG = re.compile(
    r"<\s*/?\s*(?:thinking|step|count|reflection|reward|answer)\s*>", re.IGNORECASE
)
NO_PROTOCOL_TITLE = "Answer taken from the text (the model wrote no <answer>)"


@dataclass
class _Block:
    index: int
    kind: StepKind
    started_at: float
    content: str = ""
    closed: bool = False
    reward: float | None = None
    budget_left: int | None = None
    implicit: bool = False  # text outside tags, kept as thinking


class StepBuilder:
    """Turns parser events into engine events, attaching <count>/<reward> to the block before them."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.log = ctx.log
        self.budget = ctx.settings.budget
        self.steps_taken = self.log.count("step")
        self.answered = self.log.answer is not None
        self.block: _Block | None = None  # open, or closed and waiting for a trailing value
        self.over_budget = False
        self.over_max_steps = False
        self.last_reward: float | None = None
        self.reward_unreadable = False
        self.tags_in_segment = 0  # protocol tags read since new_segment()
        self.tags_in_run = 0

    def new_segment(self) -> list[Event]:
        """A call ended: text outside tags does not run on into the next call's text (a model
        that ignores the tags would have its segments glued together)."""
        self.tags_in_segment = 0
        out: list[Event] = []
        if self.block is not None and self.block.implicit:
            self._emit_held(out)
        return out

    @property
    def budget_left(self) -> int:
        return max(self.budget - self.steps_taken, 0)

    def handle(self, events: list[ParseEvent]) -> list[Event]:
        out: list[Event] = []
        for ev in events:
            if self.over_budget or self.over_max_steps:
                break
            if not isinstance(ev, Text | Outside):
                self.tags_in_segment += 1
                self.tags_in_run += 1
            if isinstance(ev, Opened):
                self._open(ev.kind, out)
            elif isinstance(ev, Text):
                if self.block is not None and not self.block.closed:
                    self.block.content += ev.text
                    out.append(TextDelta(self.block.index, ev.text))
            elif isinstance(ev, Outside):
                self._outside(ev.text, out)
            elif isinstance(ev, Closed):
                self._close(ev.content, out)
            elif isinstance(ev, Value):
                self._value(ev, out)
        return out

    def finish(self) -> list[Event]:
        """Emit the block still held (end of run)."""
        out: list[Event] = []
        self._emit_held(out)
        return out

    # -- internals -------------------------------------------------------------------------

    def _open(self, kind: str, out: list[Event], implicit: bool = False) -> None:
        self._emit_held(out)
        # Runaway guard: the budget bounds <step>s; this bounds all blocks (thinking loops...).
        if len(self.log.steps) >= RUNAWAY_FACTOR * self.ctx.settings.max_steps:
            self.over_max_steps = True
            return
        final = kind == "reflection" and self.answered
        step_kind: StepKind = "final_reflection" if final else kind  # type: ignore[assignment]
        if step_kind == "step":
            if self.steps_taken >= self.budget and not self.answered:
                self.over_budget = True
                return
            self.steps_taken += 1
        self.block = _Block(self.log.next_index, step_kind, now(), implicit=implicit)
        out.append(StepStarted(self.block.index, step_kind))

    def _outside(self, text: str, out: list[Event]) -> None:
        block = self.block
        if block is not None and block.implicit and not block.closed:
            block.content += text
            out.append(TextDelta(block.index, text))
        elif text.strip():
            self._open("thinking", out, implicit=True)
            if self.block is not None:
                self.block.content += text
                out.append(TextDelta(self.block.index, text))

    def _close(self, content: str, out: list[Event]) -> None:
        block = self.block
        if block is None or block.closed:
            return
        if block.implicit:  # an implicit block only closes when a tag opens
            return
        block.content = content
        block.closed = True
        if block.kind == "answer":
            self.answered = True
            self.log.answer = content

    def _value(self, ev: Value, out: list[Event]) -> None:
        block = self.block
        if block is not None and block.implicit:
            self._emit_held(out)
            block = None
        if ev.name == "count":
            if block is not None and block.kind == "step":
                block.budget_left = self.budget_left
            return
        if ev.value is None:
            self.reward_unreadable = True
            out.append(Notice(f"could not read the reward {ev.raw[:40]!r}; kept as text"))
            return
        self.reward_unreadable = False
        self.last_reward = ev.value
        if block is None:
            out.append(Notice(f"a reward ({ev.value:g}) with nothing before it to belong to"))
            return
        block.reward = ev.value
        if block.kind in ("answer", "final_reflection"):
            self.log.final_reward = ev.value

    def _emit_held(self, out: list[Event]) -> None:
        block = self.block
        if block is None:
            return
        self.block = None
        content = block.content.strip()
        if block.implicit and not content:
            return
        budget_left = block.budget_left if block.budget_left is not None else self.budget_left
        step = Step(
            index=block.index,
            kind=block.kind,
            content=content,
            title=_title(content) if block.kind == "step" else None,
            reward=block.reward,
            budget_left=budget_left,
            backtrack=block.kind == "reflection"
            and block.reward is not None
            and block.reward < BACKTRACK_BELOW,
            started_at=block.started_at,
            finished_at=now(),
        )
        self.log.steps.append(step)
        out.append(StepFinished(step))


def _title(content: str) -> str | None:
    """A heading-like first line ("**Set up the equation**", "### Step 2: ...") as the title."""
    first, _, rest = content.partition("\n")
    first = first.strip()
    if not rest.strip() or not first or len(first) > 80:
        return None
    if first.startswith(("#", "**")) or first.endswith(":"):
        return first.strip("#* :").strip() or None
    return None


FEEDBACK_TITLE = "Engine feedback"


def feedback_step(ctx: RunContext, feedback: str, builder: StepBuilder) -> list[Event]:
    """The engine's verbal reinforcement after a reward, as a step of its own kind: streamed,
    shown and stored like the model's steps (guided reinforcement only)."""
    held = builder.finish()  # the reflection its reward belongs to comes first
    band = None if builder.last_reward is None else reward_band(builder.last_reward)
    step = Step(
        index=ctx.log.next_index,
        kind="feedback",
        content=feedback.strip(),
        title=f"{FEEDBACK_TITLE}: {band}" if band else FEEDBACK_TITLE,
        budget_left=builder.budget_left,
        started_at=now(),
        finished_at=now(),
    )
    ctx.log.steps.append(step)
    return [
        *held,
        StepStarted(step.index, "feedback", step.title),
        TextDelta(step.index, step.content),
        StepFinished(step),
    ]


def render_transcript(steps: list[Step]) -> str:
    """Steps written back in the tag protocol, to continue a run from its record (the
    engine's own feedback steps are not the model's text and are left out)."""
    parts = []
    for s in steps:
        if s.kind == "feedback":
            continue
        tag = "reflection" if s.kind == "final_reflection" else s.kind
        parts.append(f"<{tag}>\n{s.content}\n</{tag}>")
        if s.kind == "step" and s.budget_left is not None:
            parts.append(f"<count>{s.budget_left}</count>")
        if s.reward is not None:
            parts.append(f"<reward>{s.reward:g}</reward>")
    return "\n".join(parts)


def answer_from_steps(steps: list[Step], ctx: RunContext | None = None) -> str | None:
    """The answer of a run that wrote no <answer>: read from the model's text by the graders'
    extractor when the run has it, else the last "Final answer: ..." in the text, else the last
    step (or untagged text) in full."""
    said = [s for s in steps if s.content.strip() and s.kind not in ("answer", "feedback")]
    if ctx is not None and ctx.extract is not None and said:
        found = ctx.extract("\n\n".join(_ANY_TAG.sub(" ", s.content) for s in said))
        if found:
            return found
    for s in reversed(said):
        if FINAL_LINE.search(s.content):
            return final_answer_of(s.content)
    for kinds in (("step", "thinking"), ("step", "thinking", "reflection", "final_reflection")):
        for s in reversed(said):
            if s.kind in kinds:
                return final_answer_of(_ANY_TAG.sub(" ", s.content)) or None
    return None


async def run(ctx: RunContext) -> AsyncIterator[Event]:
    """The dcot loop: segments, continuation, guided feedback, engine-enforced budget."""
    s = ctx.settings
    system = ctx.prompts.render("dcot_system", budget=s.budget, budget_minus_one=s.budget - 1)
    messages: list[Message] = [Message("user", ctx.prompts.render("dcot_user", problem=ctx.prompt))]
    builder = StepBuilder(ctx)
    if ctx.transcript is not None and ctx.transcript.steps:
        messages.append(Message("assistant", render_transcript(ctx.transcript.steps)))
        messages.append(
            Message("user", ctx.prompts.render("dcot_continue", budget_left=builder.budget_left))
        )
    parser = TagParser()
    guided = s.reinforce == "guided"
    continuations = 0
    budget_warned = False
    previous: str | None = None  # the text of the segment before

    def on_delta(text: str) -> tuple[list[Event], bool]:
        events = builder.handle(parser.feed(text))
        return events, builder.over_budget or builder.over_max_steps

    def no_protocol(why: str, reason: StopReason = "no_protocol") -> list[Event]:
        """End the run with the answer taken from its text, marked as such (`reason`:
        no_protocol, or repetition when the model looped); a run whose every call was cut
        short fails instead (its text kept in its steps): text that never once came to its
        end ("Working it out, the answe") is not an answer, repeated or not."""
        out = builder.handle(parser.flush()) + builder.finish()
        if ctx.session.every_call_cut():
            raise never_ended(ctx, f"no <answer> ({why})")
        answer = answer_from_steps(ctx.log.steps, ctx)
        if answer is None:
            raise LimitReached("no_answer", f"{why}, and no text to take an answer from")
        step = Step(
            index=ctx.log.next_index,
            kind="answer",
            content=answer,
            title=NO_PROTOCOL_TITLE,
            budget_left=builder.budget_left,
            started_at=now(),
            finished_at=now(),
        )
        ctx.log.steps.append(step)
        ctx.log.answer = answer
        ctx.log.stop_reason = reason
        said = "the tag protocol was not followed" if reason == "no_protocol" else "it looped"
        return [
            *out,
            Notice(f"{why}: the answer is taken from the text ({said})"),
            StepStarted(step.index, "answer", step.title),
            StepFinished(step),
        ]

    while True:
        request = ChatRequest(
            system=system,
            messages=tuple(messages),
            max_tokens=s.max_tokens,
            temperature=s.temperature,
            stop=(REWARD_STOP,) if guided else (),
            cache_prefix=s.prompt_cache and len(messages) > 1,
        )
        async with aclosing(ctx.session.call(request, on_delta)) as call:  # type: ignore[type-var]
            async for ev in call:
                yield ev
        outcome = ctx.session.last
        assert outcome is not None
        text = outcome.text
        # OpenAI-style APIs say "stop" for a stop sequence too: a text ending inside <reward>
        # is how a guided segment that hit </reward> looks there.
        hit_reward_stop = guided and (
            outcome.finish == "stop_sequence"
            or (outcome.finish == "stop" and parser.current == "reward")
        )
        if outcome.finish in ("stop", "other") and not builder.over_budget and not hit_reward_stop:
            # The model ended its message: whatever tag is still open is closed now.
            for ev in builder.handle(parser.flush()):
                yield ev
        if outcome.limit == "repetition":
            # Stopped in a loop: whatever it answered stands, else the answer is in the text.
            for ev in builder.handle(parser.flush()):
                yield ev
            if builder.answered:
                for ev in builder.finish():
                    yield ev
                ctx.log.stop_reason = "repetition"
                return
            for ev in no_protocol(f"call {ctx.session.calls} kept repeating itself", "repetition"):
                yield ev
            return
        untagged = builder.tags_in_segment == 0 and not hit_reward_stop
        repeated = same_text(text, previous)
        if text.strip():
            previous = text
        for ev in builder.new_segment():
            yield ev

        if builder.over_max_steps:
            for ev in builder.finish():
                yield ev
            raise LimitReached(
                "max_steps", f"block limit reached ({RUNAWAY_FACTOR} x {s.max_steps} blocks)"
            )

        if builder.over_budget:
            if budget_warned:
                for ev in builder.finish():
                    yield ev
                raise LimitReached("budget", f"step budget used up ({s.budget}) without an answer")
            budget_warned = True
            builder.over_budget = False
            # Drop the step that went over budget; ask for the answer instead.
            cut = [m.start() for m in _STEP_OPEN.finditer(text)]
            text = text[: cut[-1]] if cut else text
            parser = TagParser()
            for ev in builder.finish():
                yield ev
            if text.strip():
                messages.append(Message("assistant", text.rstrip()))
            messages.append(Message("user", ctx.prompts.render("dcot_budget_exhausted")))
            yield Notice(f"step budget of {s.budget} used up: asking for the answer")
            continue

        if not builder.answered and repeated:
            why = f"call {ctx.session.calls} repeated the one before"
            # Untagged text said twice is a model ignoring the protocol; tagged, a loop.
            reason: StopReason = "repetition" if builder.tags_in_run else "no_protocol"
            for ev in no_protocol(why, reason):
                yield ev
            return

        if hit_reward_stop:
            for ev in builder.handle(parser.feed(REWARD_STOP)):
                yield ev
            messages.append(Message("assistant", (text + REWARD_STOP).strip()))
            if builder.answered:
                break
            if builder.reward_unreadable or builder.last_reward is None:
                feedback = ctx.prompts.render(
                    "dcot_feedback_unreadable", budget_left=builder.budget_left
                )
            else:
                feedback = ctx.prompts.render(
                    f"dcot_feedback_{reward_band(builder.last_reward)}",
                    reward=f"{builder.last_reward:g}",
                    budget_left=builder.budget_left,
                )
            messages.append(Message("user", feedback))
            for ev in feedback_step(ctx, feedback, builder):
                yield ev
            continue

        if builder.answered and outcome.finish in ("stop", "stop_sequence", "other"):
            break
        if builder.answered and outcome.finish in ("length", "cut"):
            # The answer is in; only the final reflection was cut. Good enough to stop.
            yield Notice("the final reflection was cut short")
            break

        if (
            untagged
            and builder.tags_in_run == 0
            and text.strip()
            and outcome.finish in ("stop", "stop_sequence", "other")
        ):
            # A whole message without a single tag: the model ignores the protocol, and
            # asking it to continue only brings the same text again.
            for ev in no_protocol("the model wrote no tags"):
                yield ev
            return

        # No answer yet: continue the segment, under the rule every paradigm shares.
        if not may_continue(ctx, continuations):
            for ev in no_protocol(f"no <answer> after {continuations} continuations"):
                yield ev
            return
        continuations += 1
        why = {"length": "hit max_tokens", "cut": "was cut"}.get(outcome.finish, "ended")
        yield Notice(
            f"segment {why} without an answer: continuing ({continuations}/{s.max_continuations})"
        )
        if text.strip():
            messages.append(Message("assistant", text.rstrip()))
            messages.append(
                Message(
                    "user", ctx.prompts.render("dcot_continue", budget_left=builder.budget_left)
                )
            )
        # With no text at all, the same request is simply sent again.

    for ev in builder.handle(parser.flush()) + builder.finish():
        yield ev
    ctx.log.stop_reason = "answer"
