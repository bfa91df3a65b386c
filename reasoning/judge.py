"""The LLM judge's protocol: the request it is sent, and a tolerant reading of its reply.

The judge is asked for `<feedback>…</feedback>` then `<points>N</points>` (SPEC §6). Models drift
from that form the way they drift from the reward tags, so the reply is read as tolerantly as a
reward is: a missing closing tag, `7/10`, `Score: 7`, `7 out of 10`. What cannot be read is
reported as such (`points is None`), never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reasoning.prompts import Prompts
from reasoning.providers.base import ChatRequest, Message

DEFAULT_MAX_POINTS = 10.0  # a problem without its own maximum is marked out of 10 (Putnam)
JUDGE_MAX_TOKENS = 2048
# A transcript longer than this is sent with its middle left out (the start sets up the
# argument, the end holds the conclusion).
MAX_SOLUTION_CHARS = 60_000
_HEAD_CHARS = 20_000
# A set's worked reference solution longer than this is cut (the judge needs its route, not all).
MAX_REFERENCE_SOLUTION_CHARS = 20_000

_NUM = r"([-+]?(?:\d+(?:\.\d+)?|\.\d+))"
_FEEDBACK_OPEN = re.compile(r"<\s*feedback\s*>", re.IGNORECASE)
_FEEDBACK_CLOSE = re.compile(r"<\s*/\s*feedback\s*>", re.IGNORECASE)
_POINTS_TAG = re.compile(
    r"<\s*points\s*>(.*?)(?:<\s*/\s*points\s*>|<\s*\w+\s*>|\Z)", re.IGNORECASE | re.DOTALL
)
_ANY_TAG = re.compile(r"<\s*/?\s*(?:feedback|points)\s*>", re.IGNORECASE)
_FRACTION = re.compile(rf"{_NUM}\s*(?:/|out of)\s*{_NUM}", re.IGNORECASE)
_LABELLED = re.compile(
    rf"\b(?:points?|score|marks?|grade)\b(?:\s+(?:awarded|given))?\s*[:=]?\s*\**\s*{_NUM}"
    rf"(?:\s*(?:/|out of)\s*{_NUM})?",
    re.IGNORECASE,
)
_BARE = re.compile(rf"^\s*\**\s*{_NUM}\s*\**\s*\.?\s*$")


@dataclass(frozen=True)
class JudgeCase:
    """What the judge is shown about one run."""

    problem: str
    reference: str | None
    answer: str | None
    steps: Sequence[tuple[str, str | None, str]] = ()  # (kind, title, content) in order
    max_points: float = DEFAULT_MAX_POINTS
    solution: str | None = None  # the set's worked reference solution (MATH, Omni-MATH...), if any


@dataclass(frozen=True)
class JudgeReply:
    """A judge's reply as read: `points` None when no mark could be read (`why` says so)."""

    points: float | None
    max_points: float
    feedback: str
    why: str | None = None

    @property
    def score(self) -> float | None:
        return None if self.points is None else self.points / self.max_points


def max_points_for(problem_max: float | None) -> float:
    """The maximum the judge marks out of: the problem's own, else 10."""
    return float(problem_max) if problem_max and problem_max > 0 else DEFAULT_MAX_POINTS


def _fmt(x: float) -> str:
    return f"{x:g}"


def solution_text(steps: Sequence[tuple[str, str | None, str]]) -> str:
    """The candidate's steps as the judge reads them; a very long one keeps its start and end."""
    parts: list[str] = []
    n = 0
    for kind, title, content in steps:
        content = (content or "").strip()
        if not content and not title:
            continue
        if kind == "step":
            n += 1
            head = f"Step {n}" + (f": {title.strip()}" if title and title.strip() else "")
        else:
            head = kind.replace("_", " ").capitalize()
            if title and title.strip():
                head += f": {title.strip()}"
        parts.append(f"[{head}]\n{content}")
    text = "\n\n".join(parts)
    if len(text) > MAX_SOLUTION_CHARS:
        tail = MAX_SOLUTION_CHARS - _HEAD_CHARS
        cut = len(text) - MAX_SOLUTION_CHARS
        text = (
            text[:_HEAD_CHARS]
            + f"\n\n[… {cut:,} characters of the middle left out …]\n\n"
            + text[-tail:]
        )
    return text


def reference_text(reference: str | None, solution: str | None) -> str:
    """The judge's "Reference" section: the reference answer, and the set's worked solution
    when it has one (it is one correct route, not the only one)."""
    answer = (reference or "").strip()
    worked = (solution or "").strip()
    if len(worked) > MAX_REFERENCE_SOLUTION_CHARS:
        cut = len(worked) - MAX_REFERENCE_SOLUTION_CHARS
        worked = worked[:MAX_REFERENCE_SOLUTION_CHARS] + f"\n[… {cut:,} more characters left out …]"
    if not worked or worked == answer:
        return answer or "(none given: judge the argument on its own)"
    if not answer:
        return f"Worked solution:\n{worked}"
    return f"Answer: {answer}\n\nWorked solution:\n{worked}"


def render_rubric(rubric: str, max_points: float) -> str:
    """A rubric text with {max_points} filled in (other braces, LaTeX's included, left alone)."""
    return rubric.replace("{max_points}", _fmt(max_points)).strip()


def build_judge_request(
    case: JudgeCase,
    prompts: Prompts,
    *,
    rubric: str | None = None,
    max_tokens: int = JUDGE_MAX_TOKENS,
) -> ChatRequest:
    """The judge's request: problem, reference, rubric (the bundled one unless given), solution."""
    top = _fmt(case.max_points)
    rubric_text = (
        render_rubric(rubric, case.max_points)
        if rubric is not None
        else prompts.render("judge_rubric", max_points=top)
    )
    solution = solution_text(case.steps) or "(no steps were recorded)"
    answer = (case.answer or "").strip() or "(the candidate gave no separate final answer)"
    reference = reference_text(case.reference, case.solution)
    user = prompts.render(
        "judge_user",
        problem=case.problem.strip(),
        reference=reference,
        rubric=rubric_text,
        solution=solution,
        answer=answer,
        max_points=top,
    )
    system = prompts.render("judge_system", max_points=top)
    return ChatRequest(
        system=system, messages=(Message("user", user),), max_tokens=max_tokens, temperature=None
    )


def _mark(num: str, den: str | None, max_points: float) -> float | None:
    """Points out of max_points from "7" or "7/10" (a fraction of another scale is rescaled)."""
    try:
        value = float(num)
        if den is not None:
            scale = float(den)
            if scale <= 0:
                return None
            value = value / scale * max_points
    except ValueError:
        return None
    if value < 0 or value > max_points + 1e-9:
        return None
    return round(min(value, max_points), 2)


def parse_judge_reply(text: str, max_points: float) -> JudgeReply:
    """Read `<feedback>…</feedback><points>N</points>` and its usual variants out of a reply."""
    raw = text or ""
    feedback, rest = _split_feedback(raw)
    if m := _POINTS_TAG.search(raw):
        inner = m.group(1).strip()
        if f := _FRACTION.search(inner):
            points = _mark(f.group(1), f.group(2), max_points)
        elif n := re.search(_NUM, inner):
            points = _mark(n.group(1), None, max_points)
        else:
            points = None
        if points is None:
            why = f"the judge's points {_short(inner)!r} are not a mark out of {_fmt(max_points)}"
            return JudgeReply(None, max_points, feedback, why)
        return JudgeReply(points, max_points, feedback, None)
    points = _loose_points(rest, max_points)
    if points is None and rest is not raw:
        points = _loose_points(feedback, max_points)  # "… so I award 7/10." inside the feedback
    if points is None:
        return JudgeReply(None, max_points, feedback, "the judge's reply has no readable points")
    return JudgeReply(points, max_points, feedback, None)


def _split_feedback(raw: str) -> tuple[str, str]:
    """(feedback, the text outside it); without a feedback tag, the whole reply is both."""
    opened = _FEEDBACK_OPEN.search(raw)
    if opened is None:
        cleaned = _ANY_TAG.sub("", _POINTS_TAG.sub("", raw)).strip()
        return cleaned, raw
    body = raw[opened.end() :]
    closed = _FEEDBACK_CLOSE.search(body)
    if closed is not None:
        return body[: closed.start()].strip(), raw[: opened.start()] + body[closed.end() :]
    # No closing tag: the feedback runs to the points tag, or to the end.
    points = re.search(r"<\s*points\s*>", body, re.IGNORECASE)
    end = points.start() if points else len(body)
    return body[:end].strip(), raw[: opened.start()] + body[end:]


def _loose_points(text: str, max_points: float) -> float | None:
    """The last "Score: 7" / "Points: 7/10" / "7 out of 10" (out of the maximum) in the text."""
    labelled = list(_LABELLED.finditer(text))
    if labelled:
        m = labelled[-1]
        return _mark(m.group(1), m.group(2), max_points)
    fractions = [f for f in _FRACTION.finditer(text) if abs(float(f.group(2)) - max_points) < 1e-9]
    if fractions:
        return _mark(fractions[-1].group(1), None, max_points)
    if bare := _BARE.match(text):
        return _mark(bare.group(1), None, max_points)
    return None


def _short(text: str, width: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
