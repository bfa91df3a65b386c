"""The g1 form: one call per JSON step, a reflection every 3 steps, final answer refused before
min_steps, a hard max_steps cap, then a separate plain-text final-answer call.

Small models bend the form: steps with a list or an object as content (shown as readable
text), JSON cut at max_tokens (read as far as it goes), a final answer wrapped in JSON (its
answer field is the answer). They also break it, and the engine stops them early rather than
at the call limit: a few unreadable steps in a row end the run "no_protocol", a few steps that
say again what an earlier one said (or one that loops within itself) end it "repetition", the
answer taken from the text either way. A step cut mid-stream is asked again with a backoff, a
bounded number of times; then the run fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from reasoning.events import (
    Event,
    Notice,
    Step,
    StepFinished,
    StepKind,
    StepStarted,
    StopReason,
    TextDelta,
)
from reasoning.g1json import AnswerStreamer, ContentStreamer, answer_text, parse_g1_step
from reasoning.paradigms.base import RunContext, now
from reasoning.paradigms.dcot import answer_from_steps
from reasoning.providers.base import ChatRequest, Message
from reasoning.repetition import same_text
from reasoning.session import LimitReached, cut_every_time

REFLECT_EVERY = 3
# Unreadable steps in a row after which the model is taken not to write the JSON steps at all
# (SmolLM2 without a JSON mode writes prose every time: 41 calls for one problem otherwise).
UNREADABLE_IN_A_ROW = 3
# Steps that say again what an earlier step said (same_text), or that loop within themselves
# (stopped by the session), after which the run stops: a model that does it twice is not going
# anywhere (SmolLM2 repeated 5 of 6 steps).
REPEATED_STEPS = 2


async def _stream_step(
    ctx: RunContext, request: ChatRequest, kind: StepKind, *, plain: bool
) -> AsyncIterator[Event]:
    """One call shown as one step; asked again (with the session's backoff, a bounded number of
    times) when the stream is cut, and the run fails once every try was cut."""
    s = ctx.settings
    tries = s.max_continuations + 1
    for attempt in range(tries):
        index = ctx.log.next_index
        started = now()
        yield StepStarted(index, kind)
        streamer: AnswerStreamer | ContentStreamer = (
            AnswerStreamer() if plain else ContentStreamer()
        )

        def on_delta(
            text: str, _i: int = index, _st: AnswerStreamer | ContentStreamer = streamer
        ) -> tuple[list[Event], bool]:
            shown = _st.feed(text)
            return ([TextDelta(_i, shown)] if shown else []), False

        async with aclosing(ctx.session.call(request, on_delta)) as call:  # type: ignore[type-var]
            async for ev in call:
                yield ev
        outcome = ctx.session.last
        assert outcome is not None
        if outcome.finish != "cut":
            return
        # The half-streamed step is recorded as such, then replaced by the next try.
        ctx.log.steps.append(
            Step(index, kind, outcome.text, title="(cut)", started_at=started, finished_at=now())
        )
        yield StepFinished(ctx.log.steps[-1])
        if attempt + 1 < tries:
            yield Notice(f"step {index} was cut mid-stream: asking again")
    assert outcome is not None
    raise cut_every_time(outcome, tries)


async def run(ctx: RunContext) -> AsyncIterator[Event]:
    s = ctx.settings
    system = ctx.prompts.render("g1_system", min_steps=s.min_steps)
    messages: list[Message] = [
        Message("user", ctx.prompt),
        Message("assistant", ctx.prompts.render("g1_assistant_start")),
        Message("user", ctx.prompts.render("g1_continue")),
    ]
    if ctx.transcript is not None:
        for step in ctx.transcript.steps:
            if step.kind in ("step", "reflection"):
                messages.append(Message("assistant", _as_json(step)))
                messages.append(Message("user", ctx.prompts.render("g1_continue")))
    taken = ctx.log.count("step") + ctx.log.count("reflection")
    next_kind: StepKind = "step"
    capped = False
    tried = readable_steps = 0  # steps asked for in this session, and read as JSON
    unreadable_run = repeated = 0  # unreadable steps in a row; steps that said it again
    said: list[str] = []  # what each step said, to find one said again

    while True:
        if taken >= s.max_steps:
            capped = True
            yield Notice(f"step cap of {s.max_steps} reached: asking for the final answer")
            break
        request = ChatRequest(
            system=system,
            messages=tuple(messages),
            max_tokens=s.max_tokens,
            temperature=s.temperature,
            json_mode=True,
            cache_prefix=s.prompt_cache,
        )
        streamed = _stream_step(ctx, request, next_kind, plain=False)
        async with aclosing(streamed) as stream:  # type: ignore[type-var]
            async for ev in stream:
                yield ev
        outcome = ctx.session.last
        assert outcome is not None
        parsed = parse_g1_step(outcome.text)
        tried += 1
        readable_steps += parsed.ok
        unreadable_run = 0 if parsed.ok else unreadable_run + 1
        if parsed.problem:
            yield Notice(f"step {ctx.log.next_index}: {parsed.problem}")
        kind: StepKind = (
            "reflection" if next_kind == "reflection" or parsed.next_action == "reflect" else "step"
        )
        step = Step(
            index=ctx.log.next_index,
            kind=kind,
            content=parsed.content,
            title=parsed.title,
            reward=parsed.confidence,
            backtrack=kind == "reflection"
            and parsed.confidence is not None
            and parsed.confidence < 0.5,
            started_at=now(),
            finished_at=now(),
        )
        ctx.log.steps.append(step)
        yield StepFinished(step)
        taken += 1
        if parsed.confidence is not None:
            ctx.log.final_reward = parsed.confidence
        looped = outcome.limit == "repetition"  # stopped by the session mid-stream
        if looped or any(same_text(step.content, before) for before in said):
            repeated += 1
            if repeated >= REPEATED_STEPS:
                why = f"{repeated} steps said again what an earlier step said"
                for ev in _from_the_text(ctx, "repetition", why):
                    yield ev
                return
        said.append(step.content)
        if unreadable_run >= UNREADABLE_IN_A_ROW:
            why = f"{unreadable_run} steps in a row were not readable JSON"
            for ev in _from_the_text(ctx, "no_protocol", why):
                yield ev
            return
        messages.append(Message("assistant", outcome.text.strip() or "{}"))

        refused = parsed.next_action == "final_answer"
        if refused:
            if taken >= s.min_steps:
                break
            yield Notice(f"final answer refused at step {taken}: min_steps is {s.min_steps}")
        parts = []
        if refused:
            parts.append(
                ctx.prompts.render("g1_refuse_final", steps=taken, more=s.min_steps - taken)
            )
        if taken % REFLECT_EVERY == 0:
            parts.append(ctx.prompts.render("g1_reflect", min_steps=s.min_steps))
            next_kind = "reflection"
        else:
            next_kind = "step"
        if not parts:
            parts.append(ctx.prompts.render("g1_continue"))
        messages.append(Message("user", "\n\n".join(parts)))

    if messages[-1].role == "user":
        # The step cap came before the step that turn asked for: the final request replaces
        # it, so the conversation still alternates (never two user turns in a row).
        messages.pop()
    messages.append(Message("user", ctx.prompts.render("g1_final")))
    request = ChatRequest(
        system=system,
        messages=tuple(messages),
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        cache_prefix=s.prompt_cache,
    )
    async with aclosing(_stream_step(ctx, request, "answer", plain=True)) as stream:  # type: ignore[type-var]
        async for ev in stream:
            yield ev
    outcome = ctx.session.last
    assert outcome is not None
    text, wrapped = answer_text(outcome.text)
    if not text:
        raise LimitReached("no_answer", "the final-answer call returned no text")
    if wrapped:
        yield Notice("the final answer came wrapped in JSON: its answer field is the answer")
    step = Step(
        ctx.log.next_index,
        "answer",
        text,
        title="Final answer",
        started_at=now(),
        finished_at=now(),
    )
    ctx.log.steps.append(step)
    yield StepFinished(step)
    ctx.log.answer = ctx.answer_in(text)
    if outcome.limit == "repetition":
        ctx.log.stop_reason = "repetition"  # the final answer looped: cut there, kept
    elif tried and not readable_steps:
        yield Notice("no step was readable JSON: the model did not follow the g1 protocol")
        ctx.log.stop_reason = "no_protocol"
    else:
        ctx.log.stop_reason = "max_steps" if capped else "answer"


def _from_the_text(ctx: RunContext, reason: StopReason, why: str) -> list[Event]:
    """End the run early with the answer taken from the steps' text (`reason`: no_protocol or
    repetition); with no text at all the run has no answer."""
    answer = answer_from_steps(ctx.log.steps, ctx)
    if answer is None:
        raise LimitReached("no_answer", f"{why}, and no text to take an answer from")
    step = Step(
        ctx.log.next_index,
        "answer",
        answer,
        title=TAKEN_TITLE,
        started_at=now(),
        finished_at=now(),
    )
    ctx.log.steps.append(step)
    ctx.log.answer = answer
    ctx.log.stop_reason = reason
    return [
        Notice(f"{why}: stopped; the answer is taken from the text"),
        StepStarted(step.index, "answer", step.title),
        StepFinished(step),
    ]


TAKEN_TITLE = "Answer taken from the text (the run was stopped before a final answer)"


def _as_json(step: Step) -> str:
    import json

    return json.dumps(
        {
            "title": step.title,
            "content": step.content,
            "next_action": "continue",
            "confidence": step.reward,
        }
    )
