"""The g1 form: one call per JSON step, a reflection every 3 steps, final answer refused before
min_steps, a hard max_steps cap, then a separate plain-text final-answer call.

Small models bend the form: steps with a list or an object as content (shown as readable
text), JSON cut at max_tokens (read as far as it goes), a step that degenerates into repeating
one short pattern under a server's JSON mode (stopped), a final answer wrapped in JSON (its
answer field is the answer). A run none of whose steps was readable JSON ends "no_protocol".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing

from reasoning.events import Event, Notice, Step, StepFinished, StepKind, StepStarted, TextDelta
from reasoning.g1json import AnswerStreamer, ContentStreamer, answer_text, parse_g1_step
from reasoning.paradigms.base import RunContext, now
from reasoning.providers.base import ChatRequest, Message
from reasoning.session import LimitReached

REFLECT_EVERY = 3
# A JSON step whose last this-many characters repeat a pattern of at most DEGENERATE_PERIOD
# characters ("1212...", endless newlines under a JSON grammar) is stopped: it would run on to
# max_tokens saying nothing.
DEGENERATE_WINDOW = 96
DEGENERATE_PERIOD = 8


def degenerate(tail: str) -> bool:
    """Whether text ends in one short pattern repeated over the whole window."""
    if len(tail) < DEGENERATE_WINDOW:
        return False
    w = tail[-DEGENERATE_WINDOW:]
    return any(w[p:] == w[:-p] for p in range(1, DEGENERATE_PERIOD + 1))


async def _stream_step(
    ctx: RunContext, request: ChatRequest, kind: StepKind, *, plain: bool
) -> AsyncIterator[Event]:
    """One call shown as one step; retried from scratch (bounded) when the stream is cut."""
    s = ctx.settings
    for attempt in range(s.max_continuations + 1):
        index = ctx.log.next_index
        started = now()
        yield StepStarted(index, kind)
        streamer: AnswerStreamer | ContentStreamer = (
            AnswerStreamer() if plain else ContentStreamer()
        )
        tail = [""]

        def on_delta(
            text: str,
            _i: int = index,
            _st: AnswerStreamer | ContentStreamer = streamer,
            _tail: list[str] = tail,
        ) -> tuple[list[Event], bool]:
            shown = _st.feed(text)
            events: list[Event] = [TextDelta(_i, shown)] if shown else []
            if plain:
                return events, False
            _tail[0] = (_tail[0] + text)[-DEGENERATE_WINDOW:]
            return events, degenerate(_tail[0])

        async with aclosing(ctx.session.call(request, on_delta)) as call:  # type: ignore[type-var]
            async for ev in call:
                yield ev
        outcome = ctx.session.last
        assert outcome is not None
        if outcome.finish == "aborted" and degenerate(tail[0]):
            yield Notice(f"step {index} kept repeating {tail[0][-8:]!r}: stopped it there")
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
    tried = readable_steps = 0  # steps asked for in this session, and read as JSON

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
    if tried and not readable_steps:
        yield Notice("no step was readable JSON: the model did not follow the g1 protocol")
        ctx.log.stop_reason = "no_protocol"
    else:
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
