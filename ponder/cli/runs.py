"""`ponder runs` (the history, newest first) and `ponder show RUN` (one run in full)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from ponder.common import UsageError, open_store, out
from ponder.text import json_text, safe_text
from ponder.words import usd

if TYPE_CHECKING:
    from store.calls import StoredCall
    from store.grades import StoredGrade
    from store.queries import RunDetail, RunSummary


def run(args: argparse.Namespace) -> int:
    return _show(args) if args.command == "show" else _runs(args)


def _runs(args: argparse.Namespace) -> int:
    from store.queries import NO_FILTER, RunFilter, list_runs

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    db = open_store(args)
    more = RunFilter(
        model=getattr(args, "only_model", None),
        paradigm=getattr(args, "paradigm", None),
        status=getattr(args, "status", None),
        bench=getattr(args, "bench", None),
    )
    dataset = getattr(args, "dataset", None)
    runs = list_runs(db, limit=args.limit, search=args.search, dataset=dataset, more=more)
    if more.status in ("running", "interrupted"):
        # Stored 'running': whether its process still lives decides which it reads as.
        runs = [r for r in runs if r.status == more.status]
    if args.json:
        out(json_text([r.as_json() for r in runs]))
        return 0
    if not runs:
        narrowed = args.search or dataset or more != NO_FILTER
        out("no runs match" if narrowed else "no runs yet (try: ponder solve 'your problem')")
        return 0
    _print_runs(runs)
    return 0


def _show(args: argparse.Namespace) -> int:
    from store.calls import run_calls
    from store.grades import effective_grade, grade_history
    from store.queries import NoSuchRun, get_run, run_record

    db = open_store(args)
    if args.json:
        try:
            obj = run_record(db, args.run)
        except NoSuchRun as exc:
            raise UsageError(str(exc)) from None
        history = grade_history(db, args.run)
        effective = effective_grade(db, args.run)
        obj["grade"] = None if effective is None else _grade_json(effective)
        obj["grades"] = [_grade_json(g) for g in history]
        if args.calls:
            obj["calls"] = [_call_json(c) for c in run_calls(db, args.run)]
        out(json_text(obj))
        return 0
    detail = get_run(db, args.run)
    if detail is None:
        raise UsageError(f"no run {args.run}")
    _print_detail(detail, effective_grade(db, args.run), grade_history(db, args.run))
    if args.calls:
        _print_calls(run_calls(db, args.run))
    return 0


def _call_json(c: StoredCall) -> dict[str, Any]:
    """A call for `show --calls --json`: the request as the object it was sent as."""
    import json

    request: Any = c.request
    if c.request is not None:
        try:
            request = json.loads(c.request)
        except ValueError:
            pass  # kept as the text it is
    return {
        "idx": c.idx,
        "attempt": c.attempt,
        "request": request,
        "response": c.response,
        "stop_reason": c.stop_reason,
        "input_tokens": c.input_tokens,
        "output_tokens": c.output_tokens,
        "status": c.status,
        "error": c.error,
        "started_at": c.started_at,
        "elapsed_s": c.elapsed_s,
    }


def _print_calls(calls: list[StoredCall]) -> None:
    out(f"\ncalls ({len(calls)}):")
    for c in calls:
        head = f"call {c.idx}" + (f", attempt {c.attempt}" if c.attempt and c.attempt > 1 else "")
        facts = [c.stop_reason or "", f"{c.input_tokens or 0:,} in, {c.output_tokens or 0:,} out"]
        out(f"  {head}: {', '.join(f for f in facts if f)}")
        out("    request: " + safe_text(c.request if c.request is not None else "(not recorded)"))
        if c.response is not None:
            out("    reply:")
            out(_indent(c.response, "      "))
        if c.error:
            out(f"    error: {safe_text(c.error)}")


def _grade_json(g: StoredGrade) -> dict[str, Any]:
    return {
        "score": g.score,
        "verdict": g.verdict,
        "points": g.points,
        "max_points": g.max_points,
        "grader": g.grader,
        "grader_name": g.grader_name,
        "note": g.note,
        "extracted": g.extracted,
        "created_at": g.created_at,
    }


# ---- formatting ----------------------------------------------------------------------------


def _one_line(text: str | None, width: int) -> str:
    """The first non-empty line of model text, safe for a terminal, cut to `width`."""
    if not text:
        return ""
    lines = [ln.strip() for ln in safe_text(text).splitlines() if ln.strip()]
    first = " ".join(lines[0].split()) if lines else ""
    more = len(lines) > 1
    if len(first) > width or (more and len(first) + 1 > width):
        return first[: max(0, width - 1)] + "…"
    return first + ("…" if more else "")


def _quoted(text: str | None, width: int) -> str:
    """A free prompt's first words in quotes, so it is not taken for a DATASET:KEY."""
    head = _one_line(text, width - 2)
    return f'"{head}"' if head else ""


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return safe_text(iso)


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "" if value is None else fmt.format(value)


def _print_runs(runs: list[RunSummary]) -> None:
    from ponder.cli.table import table_lines, terminal_width

    headers = ["id", "status", "paradigm", "model", "problem", "answer", "reward", "grade"]
    headers.append("started")
    rows = [
        [
            str(r.run_id),
            r.status,
            r.paradigm or "",
            _one_line(r.model, 28),
            _one_line(r.problem, 24) if r.problem else _quoted(r.prompt, 24),
            _one_line(r.answer, 60),
            _num(r.final_reward),
            _num(r.grade),
            _local_time(r.started_at),
        ]
        for r in runs
    ]
    right = {0, headers.index("reward"), headers.index("grade")}
    for line in table_lines(headers, rows, right, terminal_width()):
        out(line)


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else "" for line in safe_text(text).splitlines())


def _grade_line(g: StoredGrade) -> str:
    """One grade: score and verdict, points, who, when, the note."""
    bits = [g.verdict.replace("_", " ") if g.score is None else f"{g.score:.2f} ({g.verdict})"]
    if g.points is not None and g.max_points is not None:
        bits.append(f"{g.points:g}/{g.max_points:g}")
    who = g.grader + (f" {g.grader_name}" if g.grader_name else "")
    bits.append(f"by {who}, {_local_time(g.created_at)}")
    if g.note:
        bits.append(f'"{_one_line(g.note, 80)}"')
    return safe_text(" · ".join(bits))


def _print_detail(d: RunDetail, effective: StoredGrade | None, grades: list[StoredGrade]) -> None:
    s = d.summary
    head = [f"run {s.run_id}", s.status + (f" ({s.stop_reason})" if s.stop_reason else "")]
    head.append(s.paradigm or "?")
    head.append(safe_text(f"{s.provider or '?'}/{s.model or '?'}"))
    if s.problem:
        head.append("problem " + safe_text(s.problem))
    out(" · ".join(head))
    facts = [f"started {_local_time(s.started_at)}"]
    if d.elapsed_s is not None:
        facts.append(f"{d.elapsed_s:.1f} s")
    u = d.usage
    facts.append(f"{d.calls} call{'s' if d.calls != 1 else ''}")
    tokens = f"{u.input_tokens:,} in / {u.output_tokens:,} out"
    if u.cache_read_tokens:
        tokens += f" ({u.cache_read_tokens:,} cached)"
    facts.append(tokens)
    facts.append(usd(d.cost_usd, "cost unknown"))
    out(" · ".join(facts))
    if effective is not None:
        out("grade " + _grade_line(effective))
    out()
    out("Prompt")
    out(_indent(d.prompt))
    out()
    out(f"Steps ({len(d.steps)})" if d.steps else "Steps: none")
    answer = (s.answer or "").strip()
    for step in d.steps:
        bits = [f"{step.index}. {step.kind}"]
        if step.title:
            bits.append(_one_line(step.title, 80))
        if step.reward is not None:
            bits.append(f"reward {step.reward:.2f}")
        if step.budget_left is not None:
            bits.append(f"budget {step.budget_left}")
        if step.backtrack:
            bits.append("backtrack")
        if step.index in d.partial_steps:
            bits.append("unfinished")
        out("  " + " · ".join(bits))
        content = step.content.strip()
        if content and content == answer:
            # A reply without the protocol is its own answer: shown once, under Answer.
            out("      (the answer, below)")
        elif content:
            out(_indent(content, "      "))
    out()
    out("Answer" + (f" (final reward {s.final_reward:.2f})" if s.final_reward is not None else ""))
    out(_indent(s.answer) if s.answer else "    (none)")
    if len(grades) > 1:
        out()
        out(f"Grades, oldest first ({len(grades)})")
        for g in grades:
            out("    " + _grade_line(g))
    if d.error:
        out()
        out("Error")
        out(_indent(d.error))
