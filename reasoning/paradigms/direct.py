"""The baseline, "without technique": the problem alone, one call."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing

from reasoning.events import Event, Notice, Step, StepFinished, StepStarted, TextDelta
from reasoning.paradigms.base import RunContext, may_continue, never_ended, now
from reasoning.providers.base import ChatRequest, Message
from reasoning.session import LimitReached

FINAL_LINE = re.compile(r"final\s+answer\s*(?:is)?\s*[:：]?\s*(.+)", re.IGNORECASE)


def final_answer_of(text: str) -> str:
    """The text after the last "Final answer:" if there is one, else the whole response."""
    matches = list(FINAL_LINE.finditer(text))
    if matches:
        tail = text[matches[-1].start(1) :].strip()
        if tail:
            return tail.strip("*").strip()
    return text.strip()


async def run(ctx: RunContext) -> AsyncIterator[Event]:
    """One reply; cut short, it is continued under the same rule as every paradigm's."""
    s = ctx.settings
    messages = [Message("user", ctx.prompts.render("direct_user", problem=ctx.prompt))]
    parts: list[str] = []
    continuations = 0
    while True:
        request = ChatRequest(
            system="",
            messages=tuple(messages),
            max_tokens=s.max_tokens,
            temperature=s.temperature,
        )
        index = ctx.log.next_index
        started = now()
        yield StepStarted(index, "answer")

        def on_delta(text: str, _i: int = index) -> tuple[list[Event], bool]:
            return [TextDelta(_i, text)], False

        async with aclosing(ctx.session.call(request, on_delta)) as call:  # type: ignore[type-var]
            async for ev in call:
                yield ev
        outcome = ctx.session.last
        assert outcome is not None
        text = outcome.text
        step = Step(
            index,
            "answer",
            text.strip(),
            title="(cut)" if outcome.cut_short else None,
            started_at=started,
            finished_at=now(),
        )
        ctx.log.steps.append(step)
        yield StepFinished(step)
        parts.append(text)
        if not outcome.cut_short:
            break
        if not may_continue(ctx, continuations):
            raise never_ended(ctx, "the reply was never finished")
        continuations += 1
        why = "hit max_tokens" if outcome.finish == "length" else "was cut"
        yield Notice(f"the reply {why}: continuing ({continuations}/{s.max_continuations})")
        if text.strip():
            messages.append(Message("assistant", text.rstrip()))
            messages.append(Message("user", ctx.prompts.render("direct_continue")))
        # With no text at all, the same request is simply sent again.
    whole = "".join(parts).strip()
    if not whole:
        raise LimitReached("no_answer", "the model returned no text")
    ctx.log.answer = ctx.answer_in(whole)
    # Stopped in a loop (the session's repetition watch): the answer is what the text says.
    ctx.log.stop_reason = "repetition" if outcome.limit == "repetition" else "answer"
