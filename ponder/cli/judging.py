"""`ponder grade [DATASET] --judge` and `ponder scores DATASET --agreement`: the LLM judge."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from ponder.common import RunFailed, UsageError, out, run_async
from ponder.score_text import spend_text
from ponder.text import json_text, safe_text

if TYPE_CHECKING:
    import sqlite_utils

    from workbench.judge import JudgeProgress, JudgeResult


def _one(text: str | None, width: int) -> str:
    flat = " ".join(safe_text(text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{round(x, 2):g}"


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def judge_cost_line(db: sqlite_utils.Database, dataset: str | None) -> str | None:
    """Under the score table: what the LLM judge's grading of these runs cost, if it graded any."""
    from store.judge import judge_spend

    spend = judge_spend(db, dataset)
    if not spend.calls:
        return None
    calls = "1 call" if spend.calls == 1 else f"{spend.calls:,} calls"
    return f"(LLM judge: {calls}, {spend_text(spend)}; not in the cost column)"


def result_line(r: JudgeResult) -> str:
    """One line per judged run: verdict, points, the start of the feedback or the reason."""
    g = r.grade
    mark = f"{_num(g.points)}/{_num(g.max_points)}" if g.points is not None else "-"
    first = (g.note or "").strip().splitlines()[0] if (g.note or "").strip() else ""
    return f"run {r.run_id}: {g.verdict} {mark}  {_one(first, 70)}".rstrip()


def judge_command(db: sqlite_utils.Database, args: argparse.Namespace) -> int:
    """Judge every finished proof / free-text / needs-human run of a dataset (or one run)."""
    from store.judge import judge_targets
    from workbench.judge import Judge, JudgeError, JudgeSettings, read_rubric, resolve_judge

    if args.verdict is not None:
        raise UsageError("--judge takes a DATASET (or a RUN), not a verdict")
    if args.note or args.by:
        raise UsageError("--note and --by are for a human grade, not --judge")
    if args.auto:
        raise UsageError("use --auto and --judge one after the other, not together")
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    limits: dict[str, Any] = {}
    if args.max_tokens is not None:
        if args.max_tokens < 1:
            raise UsageError("--max-tokens must be at least 1")
        limits["max_tokens"] = args.max_tokens
    if args.max_time is not None:
        if not args.max_time > 0 or args.max_time == float("inf"):
            raise UsageError("--max-time must be a positive number of seconds")
        limits["max_time_s"] = args.max_time
    dataset, run_id = _target(db, args.target)
    live = _Live()
    try:
        settings = JudgeSettings(
            provider=getattr(args, "provider", None),
            model=getattr(args, "model", None),
            base_url=getattr(args, "base_url", None),
            rubric=read_rubric(args.rubric) if args.rubric else None,
            prompts_dir=args.prompts,
            concurrency=args.concurrency,
            **limits,
        )
        spec = resolve_judge(settings)
        judge = Judge(spec, settings, on_notice=_notice, on_progress=live.show)
    except JudgeError as exc:
        raise UsageError(str(exc)) from None
    if run_id is not None:
        run_ids = [run_id]
    else:
        run_ids = judge_targets(db, dataset, judge_model=spec.model, redo=args.redo)
    scope = f" in {safe_text(dataset)}" if dataset else ""
    if not run_ids:
        again = "" if args.redo else " (--redo judges them again)"
        out(
            f"no runs to judge{scope}: every finished proof or text run has a grade by"
            f" {safe_text(spec.model)}{again}"
        )
        return 0
    out(f"judging {_runs(len(run_ids))}{scope} with {safe_text(spec.model)} ({spec.name})")

    async def main() -> object:
        from workbench.judge import judge_runs

        try:
            return await judge_runs(
                db,
                run_ids,
                judge,
                on_result=live.done,
                redo=args.redo or run_id is not None,
            )
        finally:
            await judge.aclose()

    summary = run_async(main())
    from workbench.judge import JudgeSummary

    assert isinstance(summary, JudgeSummary)
    n = len(summary.results)
    out(
        f"judged {_runs(n)}{scope} with {safe_text(summary.judge)}: {summary.count('full')} full,"
        f" {summary.count('partial')} partial, {summary.count('zero')} zero,"
        f" {summary.count('needs_human')} need a human · {spend_text(summary.spend)}"
    )
    if summary.skipped:
        out(
            f"({_runs(summary.skipped)} judged by {safe_text(summary.judge)} in another pass"
            " meanwhile: not judged again)"
        )
    if summary.stopped is not None:
        raise RunFailed(
            f"the judge failed on its first calls, {summary.not_started} runs not sent:"
            f" {summary.stopped}"
        )
    if n and all(r.error is not None for r in summary.results):
        raise RunFailed(f"every judge call failed: {summary.results[-1].error}")
    return 0


class _Live:
    """The judge calls in flight, on stderr: on a terminal one line rewritten in place (every run
    being judged: its tokens so far and seconds), elsewhere a line per run every LOG_EVERY_S of
    its streaming."""

    LOG_EVERY_S = 10.0

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.calls: dict[int, JudgeProgress] = {}
        self.logged: dict[int, float] = {}
        self.shown = 0  # characters of the line on screen

    def show(self, p: JudgeProgress) -> None:
        self.calls[p.run_id] = p
        if self.tty:
            self._draw()
        elif p.elapsed_s - self.logged.setdefault(p.run_id, p.elapsed_s) >= self.LOG_EVERY_S:
            # Every LOG_EVERY_S of streaming: a short reply (however long its wait) says nothing.
            self.logged[p.run_id] = p.elapsed_s
            sys.stderr.write(f"ponder: {_progress(p)}\n")
            sys.stderr.flush()

    def done(self, r: JudgeResult) -> None:
        """A run judged: its line on stdout, and the run out of the live line."""
        self._clear()
        out(result_line(r))
        self.calls.pop(r.run_id, None)
        if self.tty and self.calls:
            self._draw()

    def _draw(self) -> None:
        text = " · ".join(_progress(p) for p in list(self.calls.values())[:4])
        self._clear()
        sys.stderr.write(text)
        sys.stderr.flush()
        self.shown = len(text)

    def _clear(self) -> None:
        if self.tty and self.shown:
            sys.stderr.write("\r" + " " * self.shown + "\r")
            sys.stderr.flush()
            self.shown = 0


def _progress(p: JudgeProgress) -> str:
    return f"judging run {p.run_id}: ≈{p.output_tokens:,} tokens, {p.elapsed_s:.0f} s"


def _notice(message: str) -> None:
    sys.stderr.write(f"ponder: {safe_text(message)}\n")
    sys.stderr.flush()


def _target(db: sqlite_utils.Database, target: str | None) -> tuple[str | None, int | None]:
    """(dataset, None) or (None, run id) from `ponder grade TARGET --judge`."""
    if target is None:
        return None, None
    from store.queries import dataset_exists, run_status

    if dataset_exists(db, target):
        return target, None
    if target.isascii() and target.isdigit() and int(target) <= 2**63 - 1:
        status = run_status(db, int(target))
        if status is not None:
            if status != "done":
                raise UsageError(f"run {target} is {status}: only finished runs are judged")
            return None, int(target)
    raise UsageError(f"no dataset or run {target!r} (see: ponder datasets, ponder runs)")


def agreement_command(db: sqlite_utils.Database, args: argparse.Namespace) -> int:
    """`ponder scores DATASET --agreement`: per judge model, its agreement with human grades."""
    from store.judge import judge_spend
    from workbench.judge import agreement_table

    if args.csv:
        raise UsageError("--agreement prints a table or --json, not --csv")
    table = agreement_table(db, args.dataset)
    if args.json:
        rows = []
        for a in table:
            d = a.as_dict()
            spend = judge_spend(db, args.dataset, model=a.judge)
            d["judge_cost_usd"] = None if spend.cost_unknown == spend.calls else spend.cost_usd
            d["judge_calls"] = spend.calls
            rows.append(d)
        out(json_text({"dataset": args.dataset, "agreement": rows}))
        return 0
    scope = f" on {safe_text(args.dataset)}" if args.dataset else ""
    if not table:
        out(
            f"no run{scope} has both a human grade and a judge grade yet:"
            " ponder grade DATASET --judge, and grade some of the same runs by hand"
        )
        return 0
    from ponder.cli.grading import _print_table

    out(f"LLM judge against human grades{scope} (runs graded by both):")
    _print_table(
        ("judge", "runs", "mean |diff|", "judge - human", "exact", "weighted kappa", "judge cost"),
        [
            (
                a.judge,
                a.count,
                f"{_num(a.mean_abs_diff)} pts",
                f"{'+' if (a.mean_diff or 0) >= 0 else ''}{_num(a.mean_diff)} pts",
                "-" if a.exact_match_rate is None else f"{a.exact_match_rate:.0%}",
                "-" if a.kappa is None else f"{a.kappa:.2f}",
                spend_text(judge_spend(db, args.dataset, model=a.judge)).split(", ", 1)[1],
            )
            for a in table
        ],
        right={1, 2, 3, 4, 5},
    )
    out("(weighted kappa on zero < partial < full: 1 is full agreement, 0 is chance)")
    return 0
