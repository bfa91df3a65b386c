"""`ponder solve` and `ponder resume`: run the engine headless, streaming to the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from typing import TYPE_CHECKING, Any

from store.recorder import StoreFull
from tui.commands.common import MAX_ATTEMPTS, UsageError, open_store, out
from tui.text import SafeStream, json_text, safe_text

if TYPE_CHECKING:
    from reasoning.events import Event, RunResult, RunSettings
    from store.recorder import RunRecorder


def run(args: argparse.Namespace) -> int:
    if args.command == "resume":
        return _resume(args)
    return _solve(args)


# ---- inputs --------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace, db: Any) -> tuple[str, int | None]:
    """The problem text and its stored problem id, from PROMPT, stdin or --problem."""
    if args.problem:
        if db is None:
            raise UsageError("--problem needs the store (drop --no-store)")
        dataset, sep, key = args.problem.partition(":")
        if not sep or not dataset or not key:
            raise UsageError(f"--problem wants DATASET:KEY, got {args.problem!r}")
        from store.problems import ensure_bundled, get_problem

        ensure_bundled(db)
        problem = get_problem(db, dataset, key)
        if problem is None:
            raise UsageError(f"no problem {key!r} in dataset {dataset!r}")
        if args.prompt:
            raise UsageError("give either PROMPT or --problem, not both")
        return problem.text, problem.id
    if args.prompt is None:
        raise UsageError("give a PROMPT, - to read it from stdin, or --problem DATASET:KEY")
    text = _read_stdin() if args.prompt == "-" else args.prompt
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text, None


def _read_stdin() -> str:
    """The prompt from stdin as UTF-8, whatever the locale; other bytes are a usage error."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text-only stream (an embedding program's): already decoded
        return sys.stdin.read()
    data = buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"stdin is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def settings_from_args(args: argparse.Namespace) -> RunSettings:
    from reasoning.events import RunSettings

    for name in ("budget", "min_steps", "max_steps", "max_tokens", "attempts"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.attempts > MAX_ATTEMPTS:
        raise UsageError(f"--attempts must be at most {MAX_ATTEMPTS}")
    if args.temperature is not None and not 0 <= args.temperature <= 2:
        raise UsageError("--temperature must be between 0 and 2")
    if args.prompts:
        _check_prompt_dir(args.prompts)
    # An explicit --max-steps is a hard cap, below the default --min-steps too (the cap wins).
    if (
        args.min_steps is not None
        and args.max_steps is not None
        and args.min_steps > args.max_steps
    ):
        raise UsageError(f"--min-steps ({args.min_steps}) is above --max-steps ({args.max_steps})")
    defaults = RunSettings()
    min_steps = defaults.min_steps if args.min_steps is None else args.min_steps
    max_steps = max(defaults.max_steps, min_steps + 1) if args.max_steps is None else args.max_steps
    return RunSettings(
        paradigm=args.paradigm,
        budget=args.budget,
        reinforce=args.reinforce,
        min_steps=min_steps,
        max_steps=max_steps,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
        prompt_dir=args.prompts,
    )


def _check_prompt_dir(folder: str) -> None:
    """The user's prompt folder exists and the prompt files in it are readable UTF-8 text."""
    from pathlib import Path

    from reasoning.prompts import bundled_prompt_dir

    if not Path(folder).is_dir():
        raise UsageError(f"prompt folder not found: {folder}")
    ours = {p.name for p in bundled_prompt_dir().glob("*.txt")}
    for path in sorted(Path(folder).glob("*.txt")):
        if path.name not in ours or not path.is_file():
            continue
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read prompt file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"prompt file {path} is not UTF-8 text (byte 0x{data[exc.start]:02x}"
                f" at offset {exc.start})"
            ) from None


def make_provider(provider: str | None, model: str | None, base_url: str | None) -> Any:
    """Resolve and build the provider, or raise UsageError with the one-line reason."""
    from reasoning.providers import NoProvider, build_provider, resolve_spec

    try:
        spec = resolve_spec(provider=provider, model=model, base_url=base_url)
    except NoProvider as exc:
        raise UsageError(str(exc)) from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc

    def notice(message: str) -> None:
        sys.stderr.write(f"ponder: {safe_text(message)}\n")

    return build_provider(spec, on_notice=notice)


# ---- output --------------------------------------------------------------------------------


class Printer:
    """Streams steps to the terminal as they come: headers, text, rewards. Model text is sanitised.

    `whole_steps`: print each step once it is finished instead of streaming it, so that the
    output of several runs at once (attempts) does not interleave mid-line."""

    def __init__(self, stream: Any = None, prefix: str = "", *, whole_steps: bool = False) -> None:
        self.stream = stream or sys.stdout
        self.prefix = prefix
        self.whole_steps = whole_steps
        self.at_line_start = True
        self.closed = False  # the reader of the stream went away
        self.text = SafeStream()

    def write(self, text: str) -> None:
        if text:
            self.stream.write(text)
            self.at_line_start = text.endswith("\n")
            self.stream.flush()

    def handle(self, event: Event) -> None:
        from reasoning.events import Notice, RunFinished, StepFinished, StepStarted, TextDelta

        if isinstance(event, TextDelta):
            if not self.whole_steps:
                self.write(self.text.feed(event.text))
            return
        self.write(self.text.flush())
        if isinstance(event, StepStarted):
            if not self.whole_steps:
                self._newline()
                self.write(self._header(event.kind, event.index))
        elif isinstance(event, StepFinished):
            step = event.step
            if self.whole_steps:
                self.write(self._header(step.kind, step.index))
                for line in safe_text(step.content.strip()).splitlines():
                    self.write(f"{self.prefix}   {line}".rstrip() + "\n")
            bits = []
            if step.title:
                bits.append(f"title: {safe_text(step.title)}")
            if step.kind == "step" and step.budget_left is not None:
                bits.append(f"budget left {step.budget_left}")
            if step.reward is not None:
                from reasoning.paradigms.dcot import band

                bits.append(f"reward {step.reward:g} ({band(step.reward)})")
            if step.backtrack:
                bits.append("backtrack")
            self._newline()
            if bits:
                self.write(f"{self.prefix}   [{' · '.join(bits)}]\n")
        elif isinstance(event, Notice):
            self._newline()
            sys.stderr.write(f"ponder: {self.prefix}{safe_text(event.message)}\n")
        elif isinstance(event, RunFinished):
            r = event.result
            self._newline()
            self.write(f"{self.prefix}══ {r.status} ({r.stop_reason}) ══\n")
            if r.answer is not None:
                self.write(f"{self.prefix}answer: {safe_text(r.answer)}\n")
            if r.final_reward is not None:
                self.write(f"{self.prefix}final reward: {r.final_reward:g}\n")
            cost = "unknown" if r.cost_usd is None else f"${r.cost_usd:.4f}"
            self.write(
                f"{self.prefix}{r.usage.input_tokens} in / {r.usage.output_tokens} out tokens"
                f" ({r.usage.cache_read_tokens} cached), {r.calls} calls, cost {cost}, {r.elapsed_s:.1f} s\n"
            )
            if r.error:
                sys.stderr.write(f"ponder: {self.prefix}{safe_text(r.error)}\n")

    def _header(self, kind: str, index: int) -> str:
        return f"{self.prefix}── {kind.replace('_', ' ')} {index} ──\n"

    def _newline(self) -> None:
        if not self.at_line_start:
            self.write("\n")


def result_json(
    result: RunResult, run_id: int | None, paradigm: str, provider: str, model: str
) -> dict[str, Any]:
    """The SPEC §6 object for a run that was not stored (same fields as store.queries.run_json)."""
    import datetime as dt

    # Built as the run ends: its start is now minus its elapsed time.
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=result.elapsed_s)
    return {
        "run_id": run_id,
        "status": result.status,
        "stop_reason": result.stop_reason,
        "paradigm": paradigm,
        "provider": provider,
        "model": model,
        "steps": [
            {
                "index": s.index,
                "kind": s.kind,
                "title": s.title,
                "content": s.content,
                "reward": s.reward,
                "budget_left": s.budget_left,
                "backtrack": s.backtrack,
            }
            for s in result.steps
        ],
        "answer": result.answer,
        "final_reward": result.final_reward,
        "usage": {
            "input_tokens": result.usage.input_tokens,
            "output_tokens": result.usage.output_tokens,
            "cache_read_tokens": result.usage.cache_read_tokens,
            "calls": result.calls,
            "cost_usd": result.cost_usd,
        },
        "elapsed_s": result.elapsed_s,
        "problem": None,  # --problem needs the store
        "error": result.error,
        "started_at": started.isoformat(timespec="seconds"),
    }


# ---- running -------------------------------------------------------------------------------


async def _consume(
    events: Any, recorder: RunRecorder | None, printer: Printer | None
) -> RunResult | None:
    from reasoning.events import RunFinished

    result = None
    try:
        async for event in events:
            if recorder is not None:
                recorder.handle(event)
            if printer is not None:
                show(printer, event)
            if isinstance(event, RunFinished):
                result = event.result
    except asyncio.CancelledError:
        if recorder is not None:
            recorder.finish_cancelled()
        if printer is not None and printer.closed:
            raise BrokenPipeError from None
        raise
    return result


def show(printer: Printer, event: Event) -> None:
    """Print an event; once the reader has gone (`ponder solve ... | head`), cancel the run the
    way Ctrl+C does, so the streams close and the run is kept as cancelled."""
    if printer.closed:
        return
    try:
        printer.handle(event)
    except BrokenPipeError:
        printer.closed = True
        task = asyncio.current_task()
        if task is not None:
            task.cancel()


def _run_async(coro: Any) -> Any:
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt:
        raise


def _cancelled(recorders: list[Any]) -> int:
    """Ctrl+C: the runs are kept as cancelled, and one line says which."""
    ids = []
    for rec in recorders:
        if rec is not None and rec.run_id is not None:
            rec.finish_cancelled()
            ids.append(str(rec.run_id))
    kept = f"; run{'s' if len(ids) > 1 else ''} {', '.join(ids)} kept as cancelled" if ids else ""
    sys.stderr.write(f"ponder: cancelled{kept}\n")
    return 130


def _solve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    db = None if args.no_store else open_store(args, write=True)
    if db is not None:
        from store.queries import mark_interrupted

        mark_interrupted(db)
    prompt, problem_id = _read_prompt(args, db)
    provider = make_provider(args.provider, args.model, args.base_url)
    if args.attempts > 1:
        return _solve_attempts(args, db, prompt, problem_id, provider, settings)

    from reasoning.engine import solve

    recorder = None
    if db is not None:
        from store.recorder import RunRecorder

        recorder = RunRecorder(db, problem_id=problem_id)
    printer = None if args.json else Printer()

    async def main() -> RunResult | None:
        try:
            return await _consume(solve(prompt, provider, settings), recorder, printer)
        finally:
            await provider.aclose()

    try:
        result = _run_async(main())
    except KeyboardInterrupt:
        return _cancelled([recorder])
    except StoreFull as exc:
        _print_kept(args, db, exc)
        raise
    assert result is not None
    return _finish(
        args, db, result, recorder.run_id if recorder else None, provider, settings.paradigm
    )


def _print_kept(args: argparse.Namespace, db: Any, exc: StoreFull) -> None:
    """The store filled up mid-run: with --json, the object of what was kept (the caller then
    says why on stderr)."""
    if args.json and db is not None and exc.run_id is not None:
        from store.queries import run_json

        out(json_text(run_json(db, exc.run_id)))


def _finish(
    args: argparse.Namespace,
    db: Any,
    result: RunResult,
    run_id: int | None,
    provider: Any,
    paradigm: str,
) -> int:
    if args.json:
        if db is not None and run_id is not None:
            from store.queries import run_json

            obj = run_json(db, run_id)
        else:
            obj = result_json(result, run_id, paradigm, provider.name, provider.model)
        out(json_text(obj))
        _why_failed(result, run_id)  # the text form printed it as the run ended
    elif run_id is not None:
        out(f"run {run_id} stored")
    return 0 if result.status == "done" else 1


def _why_failed(result: RunResult | None, run_id: int | None) -> None:
    """One line on stderr for a run that ends in exit code 1."""
    if result is None or result.status == "done":
        return
    what = f"run {run_id}" if run_id is not None else "the run"
    why = safe_text(result.error or result.stop_reason or "no answer")
    sys.stderr.write(f"ponder: {what} {result.status}: {why}\n")


def _solve_attempts(
    args: argparse.Namespace,
    db: Any,
    prompt: str,
    problem_id: int | None,
    provider: Any,
    settings: RunSettings,
) -> int:
    from reasoning.attempts import AttemptEvent, Selected, solve_attempts

    k = args.attempts
    group = uuid.uuid4().hex[:12]
    recorders: list[Any] = [None] * k
    if db is not None:
        from store.recorder import RunRecorder

        recorders = [RunRecorder(db, problem_id=problem_id, attempt_group=group) for _ in range(k)]
    printers = [
        None if args.json else Printer(prefix=f"[{i + 1}] ", whole_steps=True) for i in range(k)
    ]
    selected: Selected | None = None

    async def main() -> Selected | None:
        nonlocal selected
        try:
            async for item in solve_attempts(prompt, provider, settings, k, args.select):
                if isinstance(item, AttemptEvent):
                    rec, pr = recorders[item.attempt], printers[item.attempt]
                    if rec is not None:
                        rec.handle(item.event)
                    if pr is not None:
                        show(pr, item.event)
                else:
                    selected = item
        except asyncio.CancelledError:
            for rec in recorders:
                if rec is not None and rec.run_id is not None:
                    rec.finish_cancelled()
            if any(pr is not None and pr.closed for pr in printers):
                raise BrokenPipeError from None
            raise
        finally:
            await provider.aclose()
        return selected

    try:
        _run_async(main())
    except KeyboardInterrupt:
        return _cancelled(recorders)
    except StoreFull as exc:
        _print_kept(args, db, exc)
        raise
    assert selected is not None
    if db is not None:
        from store.attempts import settle_attempt_group

        settle_attempt_group(db, group, args.select)
    chosen = selected.selected if selected.selected is not None else 0
    run_ids = [rec.run_id if rec is not None else None for rec in recorders]

    def obj(i: int) -> dict[str, Any]:
        r, run_id = selected.results[i], run_ids[i]
        if db is not None and run_id is not None:
            from store.queries import run_json

            return run_json(db, run_id)
        assert r is not None
        return result_json(r, None, settings.paradigm, provider.name, provider.model)

    result = selected.results[chosen]
    if args.json:
        top = obj(chosen)
        top["selected_by"] = args.select
        top["selection"] = selected.how
        top["attempts"] = [obj(i) for i in range(k) if i != chosen]
        out(json_text(top))
        _why_failed(result, run_ids[chosen])
    else:
        out(f"selected attempt {chosen + 1} of {k}: {selected.how}")
        if result is not None and result.answer is not None:
            out(f"answer: {safe_text(result.answer)}")
    return 0 if result is not None and result.status == "done" else 1


def _stored_base_url(run: int, stored: str | None, provider: str | None) -> str | None:
    """The run's base URL for a resume. One that held a password was stored without it: the
    provider preset may still have the whole URL, else the user must give it again."""
    if not stored or "***" not in stored:
        return stored
    from reasoning.providers import NoProvider, resolve_spec
    from reasoning.providers.errors import public_url

    try:
        preset_url = resolve_spec(provider=provider).base_url
    except (NoProvider, ValueError):
        preset_url = None
    if preset_url is not None and public_url(preset_url) == stored:
        return None  # the preset's URL, password included
    raise UsageError(
        f"run {run} used a base URL with a password, which is not stored:"
        " give it again with --base-url"
    )


def _resume(args: argparse.Namespace) -> int:
    from reasoning.engine import solve
    from store.queries import get_run, load_transcript, mark_interrupted
    from store.recorder import RunRecorder

    db = open_store(args, write=True)
    mark_interrupted(db)
    detail = get_run(db, args.run)
    if detail is None:
        raise UsageError(f"no run {args.run}")
    status = detail.status
    if status == "running":
        raise UsageError(f"run {args.run} is still running in another process")
    if status == "done":
        raise UsageError(f"run {args.run} is already done")
    settings = detail.settings()
    provider_name = getattr(args, "provider", None) or detail.summary.provider
    provider = make_provider(
        provider_name,
        getattr(args, "model", None) or detail.summary.model,
        getattr(args, "base_url", None)
        or _stored_base_url(args.run, detail.base_url, provider_name),
    )
    transcript = load_transcript(db, args.run)
    recorder = RunRecorder(db, run_id=args.run)
    printer = None if args.json else Printer()

    async def main() -> RunResult | None:
        try:
            return await _consume(
                solve(transcript.prompt, provider, settings, transcript=transcript),
                recorder,
                printer,
            )
        finally:
            await provider.aclose()

    try:
        result = _run_async(main())
    except KeyboardInterrupt:
        return _cancelled([recorder])
    except StoreFull as exc:
        _print_kept(args, db, exc)
        raise
    assert result is not None
    return _finish(args, db, result, args.run, provider, settings.paradigm)
