"""The baseline, "without technique": the problem alone, one call."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from reasoning.events import Event, Notice, Step, StepFinished, StepStarted, TextDelta
from reasoning.paradigms.base import RunContext, now
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
    s = ctx.settings
    request = ChatRequest(
        system="",
        messages=(Message("user", ctx.prompts.render("direct_user", problem=ctx.prompt)),),
        max_tokens=s.max_tokens,
        temperature=s.temperature,
    )
    for attempt in range(s.max_continuations + 1):
        index = ctx.log.next_index
        started = now()
        yield StepStarted(index, "answer")

        def on_delta(text: str, _i: int = index) -> tuple[list[Event], bool]:
            return [TextDelta(_i, text)], False

        async for ev in ctx.session.call(request, on_delta):
            yield ev
        outcome = ctx.session.last
        assert outcome is not None
        text = outcome.text.strip()
        cut = outcome.finish == "cut"
        hit_max_tokens = outcome.finish == "length"
        step = Step(
            index,
            "answer",
            text,
            title="(cut)" if cut else None,
            started_at=started,
            finished_at=now(),
        )
        ctx.log.steps.append(step)
        yield StepFinished(step)
        if cut and attempt < s.max_continuations:
            yield Notice("the answer was cut mid-stream: asking again")
            continue
        break
    if not text:
        raise LimitReached("no_answer", "the model returned no text")
    if hit_max_tokens and not FINAL_LINE.search(text):
        # Cut mid-reasoning: its last line is not an answer (and could grade as one by chance).
        raise LimitReached(
            "max_tokens", f"the answer hit max_tokens ({s.max_tokens}) before a final answer"
        )
    ctx.log.answer = final_answer_of(text)
    ctx.log.stop_reason = "answer"
