"""`ponder bench DATASET`: run a dataset across paradigms and models, live progress, score table."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import time
from typing import IO, TYPE_CHECKING

from ponder.common import (
    MAX_ATTEMPTS,
    RunFailed,
    UsageError,
    limits_from_args,
    open_store,
    out,
    store_path,
)
from ponder.text import safe_text
from ponder.words import usd

if TYPE_CHECKING:
    import sqlite_utils

    from workbench.bench import BenchProgress, BenchSummary
    from workbench.bench.plan import BenchPlan

PLAIN_EVERY_S = 2.0  # a plain progress line at most this often when stdout is not a terminal
DRAW_EVERY_S = 0.1


def run(args: argparse.Namespace) -> int:
    from workbench.bench import run_bench
    from workbench.bench.plan import BenchBusy, BenchError

    plan = plan_from_args(args)
    db = open_store(args, write=True)
    display = Progress(sys.stdout, tty=sys.stdout.isatty())
    summary: BenchSummary | None = None

    async def main() -> BenchSummary:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def on_sigint() -> None:
            if stop.is_set() and task is not None:
                task.cancel()  # a second Ctrl+C: stop waiting for anything
                return
            stop.set()

        handled = True
        try:
            loop.add_signal_handler(signal.SIGINT, on_sigint)
        except (NotImplementedError, RuntimeError, ValueError):
            handled = False  # not the main thread, or no signals here: Ctrl+C cancels the task
        try:
            return await run_bench(db, plan, display.update, stop=stop)
        finally:
            if handled:
                loop.remove_signal_handler(signal.SIGINT)

    try:
        summary = asyncio.run(main())
    except BenchBusy as exc:  # another process drives it: not a usage error
        display.close()
        raise RunFailed(safe_text(str(exc))) from None
    except BenchError as exc:
        display.close()
        raise UsageError(safe_text(str(exc))) from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        display.close()
        sys.stderr.write(
            "ponder: bench cancelled; runs in flight kept as cancelled."
            f" Continue with: {resume_command(args)}\n"
        )
        return 130
    display.close()
    report(db, summary, max_cost=args.max_cost)
    if summary.stopped == "cancelled":
        sys.stderr.write(f"ponder: bench stopped. Continue with: {resume_command(args)}\n")
        return 130
    if summary.stopped == "store_full":
        sys.stderr.write(
            f"ponder: database {store_path(args)} is full: bench stopped, runs kept."
            f" Free some space, then: {resume_command(args)}\n"
        )
        return 1
    if summary.nothing_ran:
        why = summary.left_out[0] if summary.left_out else "every run failed"
        sys.stderr.write(f"ponder: nothing could run: {safe_text(why)}\n")
        return 1
    if summary.failed or summary.cancelled or summary.not_started:
        # Exit 0 means every run of the bench ended done.
        counts = [f"{summary.done} done", f"{summary.failed} failed"]
        if summary.cancelled:
            counts.append(f"{summary.cancelled} cancelled")
        if summary.not_started:
            counts.append(f"{summary.not_started} not started")
        sys.stderr.write(
            f"ponder: not every run ended done: {', '.join(counts)}."
            f" Finish with: {resume_command(args)}\n"
        )
        return 1
    return 0


def plan_from_args(args: argparse.Namespace) -> BenchPlan:
    """The runner's plan from the command line, or UsageError naming the bad flag."""
    from reasoning.events import RunSettings
    from workbench.bench.plan import BenchPlan, arms

    models = args.model if isinstance(args.model, list) else [args.model] if args.model else []
    resume = args.resume is not False
    given = {
        "paradigms": bool(args.paradigm),
        "models": bool(models),
        "limit": args.limit is not None,
        "attempts": args.attempts is not None,
        "provider": getattr(args, "provider", None) is not None,
        "base_url": getattr(args, "base_url", None) is not None,
        "judge": getattr(args, "judge", None) is not None,
        "batch": getattr(args, "batch", None) is not None,
    }
    attempts = args.attempts if args.attempts is not None else 1
    for name in (
        "concurrency",
        "attempts",
        "limit",
        "budget",
        "max_tokens",
        "provider_concurrency",
    ):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if attempts > MAX_ATTEMPTS:
        raise UsageError(f"--attempts must be at most {MAX_ATTEMPTS}")
    if args.max_cost is not None and not args.max_cost > 0:
        raise UsageError("--max-cost must be a positive amount of USD")
    max_time, timeout = limits_from_args(args)
    return BenchPlan(
        dataset=args.dataset,
        # On resume, what is not given comes from the resumed bench's own plan.
        paradigms=arms(
            args.paradigm or ([] if resume else ["dcot"]), getattr(args, "reinforce", None) or ()
        ),
        models=tuple(dict.fromkeys(models)),
        provider=getattr(args, "provider", None),
        base_url=getattr(args, "base_url", None),
        concurrency=args.concurrency,
        limit=args.limit,
        attempts=attempts,
        resume=resume,
        resume_id=args.resume if isinstance(args.resume, str) else None,
        inherit=frozenset(name for name, known in given.items() if resume and not known),
        max_cost=args.max_cost,
        settings=RunSettings(
            budget=args.budget, max_tokens=args.max_tokens, wall_time_s=max_time, timeout_s=timeout
        ),
        provider_concurrency=getattr(args, "provider_concurrency", None),
        judge=getattr(args, "judge", None),
        batch=getattr(args, "batch", None),
        resubmit_expired=getattr(args, "resubmit_expired", False),
    )


def resume_command(args: argparse.Namespace) -> str:
    """The command line that continues this bench."""
    import shlex

    argv = ["ponder", "bench", args.dataset]
    for paradigm in dict.fromkeys(args.paradigm or []):
        argv += ["--paradigm", paradigm]
    for mode in dict.fromkeys(getattr(args, "reinforce", None) or []):
        argv += ["--reinforce", mode]
    models = args.model if isinstance(args.model, list) else [args.model] if args.model else []
    for model in dict.fromkeys(models):
        argv += ["--model", model]
    defaults = {"concurrency": 4, "attempts": 1, "budget": 20, "max_tokens": 4096}
    for name in (
        "provider",
        "base_url",
        "db",
        "concurrency",
        "provider_concurrency",
        "limit",
        "attempts",
        "max_cost",
        "budget",
        "max_tokens",
        "max_time",
        "timeout",
        "judge",
        "batch",
    ):
        value = getattr(args, name, None)
        if value is not None and value != defaults.get(name):
            argv += [
                f"--{name.replace('_', '-')}",
                f"{value:g}" if isinstance(value, float) else str(value),
            ]
    return safe_text(shlex.join([*argv, "--resume"]))


# ---- live progress -------------------------------------------------------------------------


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = round(seconds)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def _money(cost: float, unknown: int) -> str:
    text = usd(cost)
    return f"{text} (+{unknown} unknown)" if unknown else text


def progress_line(p: BenchProgress) -> str:
    """One line: done / failed / running / ETA / tokens / cost."""
    width = len(str(p.total))
    parts = [
        f"done {p.done}",
        f"failed {p.failed}",
        f"running {p.running}",
    ]
    if p.cancelled:
        parts.append(f"cancelled {p.cancelled}")
    if p.not_started:
        parts.append(f"not started {p.not_started}")
    parts += [
        f"ETA {_duration(p.eta_s)}",
        f"{p.tokens:,} tokens",
        _money(p.cost_usd, p.cost_unknown),
    ]
    if p.paused_s > 0:
        parts.append(f"paused {p.paused_s:.1f} s")
    if p.batches_waiting:
        parts.append(f"waiting on {p.batches_waiting} batch{'es' if p.batches_waiting > 1 else ''}")
    return f"[{p.finished:>{width}}/{p.total}] " + " · ".join(parts)


class Progress:
    """A progress line rewritten in place on a terminal; plain lines, now and then, otherwise."""

    def __init__(self, stream: IO[str], *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self.header = False
        self.drawn = False
        self.last = 0.0
        self.last_finished = -1

    def update(self, p: BenchProgress) -> None:
        if not self.header:
            self.header = True
            self._clear()
            already = f", {p.skipped} of {p.jobs} jobs already done" if p.skipped else ""
            out(f"bench {p.bench_id} on {safe_text(p.dataset)}: {p.total} runs{already}")
        if p.note:
            self._clear()
            sys.stderr.write(f"ponder: {safe_text(p.note)}\n")
            sys.stderr.flush()
        now = time.monotonic()
        if self.tty:
            last_one = p.finished == p.total and p.finished != self.last_finished
            if p.note or last_one or now - self.last >= DRAW_EVERY_S:
                self._draw(progress_line(p))
                self.last, self.last_finished = now, p.finished
        elif p.finished != self.last_finished and (
            now - self.last >= PLAIN_EVERY_S or p.finished == p.total
        ):
            out(progress_line(p))
            self.last, self.last_finished = now, p.finished

    def _draw(self, line: str) -> None:
        columns = shutil.get_terminal_size((100, 20)).columns
        if len(line) >= columns:
            line = line[: max(0, columns - 2)] + "…"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def _clear(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


# ---- the report ----------------------------------------------------------------------------


def report(db: sqlite_utils.Database, s: BenchSummary, max_cost: float | None = None) -> None:
    """What the bench did, its spend per configuration, then the score table of the dataset."""
    from graders.scoring.counted import Rule
    from ponder.cli.grading import _print_comparison, _print_scores, _print_table
    from workbench.scores import comparison, score_table

    bits = [f"{s.done} done", f"{s.failed} failed"]
    if s.cancelled:
        bits.append(f"{s.cancelled} cancelled")
    if s.not_started:
        bits.append(f"{s.not_started} not started")
    out(f"bench {s.bench_id}: {s.total} runs in {_duration(s.elapsed_s)}: {', '.join(bits)}")
    if s.skipped:
        out(
            f"({s.skipped - s.running_elsewhere} of {s.jobs} jobs were already done, not run again)"
        )
    if s.running_elsewhere:
        out(f"({s.running_elsewhere} of them are running in another process right now)")
    if s.stopped == "max_cost":
        cap = f" ${max_cost:g}" if max_cost is not None else ""
        out(
            f"stopped by --max-cost{cap}: spent ${s.cost_usd + s.judge_cost_usd:.4f}, the calls"
            " in flight counted as they streamed and cancelled at the cap (within one call of"
            " it); --resume with a higher cap to finish"
        )
    if s.not_judged:
        out(
            f"{s.not_judged} runs not judged: the judge would have passed --max-cost"
            f" (ponder grade {safe_text(s.dataset)} --judge --model {safe_text(s.judge or '')}"
            " judges them later)"
        )
    for why in s.left_out:
        out(f"not started: {safe_text(why)}")
    if s.failures:
        out("failed runs:")
        for line in s.failures[:20]:
            out(f"  {safe_text(line)}")
        if len(s.failures) > 20:
            out(f"  … and {len(s.failures) - 20} more (ponder runs --search or the History screen)")
    if s.cost_unknown:
        out(f"cost unknown for {s.cost_unknown} runs: their model has no price in the table")
    if s.configs:
        out()
        out(f"bench {s.bench_id}, per configuration (every run, failed ones included):")
        _print_table(
            ("model", "paradigm", "runs", "done", "failed", "stopped", "tokens", "cost"),
            [
                (
                    c.model,
                    c.paradigm,
                    c.runs,
                    c.done,
                    c.failed,
                    c.stopped,
                    f"{c.tokens:,}",
                    "?" if c.cost_usd is None else _money(c.cost_usd, 0),
                )
                for c in s.configs
            ],
            right={2, 3, 4, 5, 6, 7},
        )
    if s.judge is not None:
        _report_judge(db, s)
    rule = Rule(bench=s.bench_id)  # this bench's own runs, whatever other runs exist
    rows = score_table(db, s.dataset, rule)
    out()
    if not rows:
        out(f"no finished runs on {safe_text(s.dataset)} yet")
        return
    _print_scores(rows, rule)
    pairs = comparison(db, s.dataset, rows)
    if any(c.paired_dcot or c.paired_g1 for c in pairs):
        out()
        _print_comparison(pairs, rows)


def _report_judge(db: sqlite_utils.Database, s: BenchSummary) -> None:
    """What the judge did in this bench: its verdicts and what it cost."""
    from ponder.score_text import spend_text
    from store.judge import judge_spend

    verdicts = [r.grade.verdict for r in s.judged]
    spend = judge_spend(db, grade_ids=[r.grade.id for r in s.judged])
    out(
        f"judge {safe_text(s.judge or '')}: {len(verdicts)} runs judged:"
        f" {verdicts.count('full')} full, {verdicts.count('partial')} partial,"
        f" {verdicts.count('zero')} zero, {verdicts.count('needs_human')} need a human"
        f" · {spend_text(spend)}"
    )
