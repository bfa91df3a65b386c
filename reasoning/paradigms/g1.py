"""The g1 form: one call per JSON step, a reflection every 3 steps, final answer refused before
min_steps, a hard max_steps cap, then a separate plain-text final-answer call."""

from __future__ import annotations

from collections.abc import AsyncIterator

from reasoning.events import Event, Notice, Step, StepFinished, StepKind, StepStarted, TextDelta
from reasoning.g1json import ContentStreamer, parse_g1_step
from reasoning.paradigms.base import RunContext, now
from reasoning.paradigms.direct import final_answer_of
from reasoning.providers.base import ChatRequest, Message
from reasoning.session import LimitReached

REFLECT_EVERY = 3


async def _stream_step(
    ctx: RunContext, request: ChatRequest, kind: StepKind, *, plain: bool
) -> AsyncIterator[Event]:
    """One call shown as one step; retried from scratch (bounded) when the stream is cut."""
    s = ctx.settings
    for attempt in range(s.max_continuations + 1):
        index = ctx.log.next_index
        started = now()
        yield StepStarted(index, kind)
        streamer = ContentStreamer()

        def on_delta(
            text: str, _i: int = index, _st: ContentStreamer = streamer
        ) -> tuple[list[Event], bool]:
            shown = text if plain else _st.feed(text)
            return ([TextDelta(_i, shown)] if shown else []), False

        async for ev in ctx.session.call(request, on_delta):
            yield ev
        outcome = ctx.session.last
        assert outcome is not None
        if outcome.finish == "cut" and attempt < s.max_continuations:
            yield Notice(f"step {index} was cut mid-stream: asking again")
            # The half-streamed step is recorded as such, then replaced by the retry.
            ctx.log.steps.append(
                Step(
                    index, kind, outcome.text, title="(cut)", started_at=started, finished_at=now()
                )
            )
            yield StepFinished(ctx.log.steps[-1])
            continue
        return


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
        async for ev in _stream_step(ctx, request, next_kind, plain=False):
            yield ev
        outcome = ctx.session.last
        assert outcome is not None
        parsed = parse_g1_step(outcome.text)
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

    messages.append(Message("user", ctx.prompts.render("g1_final")))
    request = ChatRequest(
        system=system,
        messages=tuple(messages),
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        cache_prefix=s.prompt_cache,
    )
    async for ev in _stream_step(ctx, request, "answer", plain=True):
        yield ev
    outcome = ctx.session.last
    assert outcome is not None
    text = outcome.text.strip()
    if not text:
        raise LimitReached("no_answer", "the final-answer call returned no text")
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
    ctx.log.answer = final_answer_of(text)
    ctx.log.stop_reason = "max_steps" if capped else "answer"


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
