"""`ponder solve` and `ponder resume`: run the engine headless, streaming to the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from typing import TYPE_CHECKING, Any

from ponder.common import (
    MAX_ATTEMPTS,
    RunFailed,
    UsageError,
    limits_from_args,
    open_store,
    out,
    run_async,
)
from ponder.text import SafeStream, json_text, safe_text
from ponder.words import usd
from store.recorder import StoreFull

if TYPE_CHECKING:
    import sqlite_utils

    from reasoning.events import Event, RunSettings
    from workbench.attempts import Attempts
    from workbench.drive import Driven, Driver


def run(args: argparse.Namespace) -> int:
    if args.command == "resume":
        return _resume(args)
    return _solve(args)


# ---- inputs --------------------------------------------------------------------------------


def _read_prompt(args: argparse.Namespace, db: Any) -> tuple[str, int | None]:
    """The problem text and its stored problem id, from PROMPT, stdin or --problem."""
    if args.problem:
        dataset, key = _problem_ref(args)
        from store.problems import ensure_bundled, get_problem, list_datasets

        ensure_bundled(db)
        problem = get_problem(db, dataset, key)
        if problem is None:
            if not any(d["name"] == dataset for d in list_datasets(db)):
                raise UsageError(f"no dataset {dataset!r} (see ponder datasets)")
            raise UsageError(f"no problem {key!r} in dataset {dataset!r}")
        return problem.text, problem.id
    if args.prompt is None:
        raise UsageError("give a PROMPT, - to read it from stdin, or --problem DATASET:KEY")
    text = _read_stdin() if args.prompt == "-" else args.prompt
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text, None


def _problem_ref(args: argparse.Namespace) -> tuple[str, str]:
    """--problem's DATASET and KEY, checked as far as they can be without the store."""
    if args.no_store:
        raise UsageError("--problem needs the store (drop --no-store)")
    dataset, sep, key = args.problem.partition(":")
    if not sep or not dataset or not key:
        raise UsageError(f"--problem wants DATASET:KEY, got {args.problem!r}")
    if args.prompt:
        raise UsageError("give either PROMPT or --problem, not both")
    return dataset, key


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
    max_time, timeout = limits_from_args(args)
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
        wall_time_s=max_time,
        timeout_s=timeout,
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


def confirm_size(args: argparse.Namespace, prompt: str, spec: Any) -> None:
    """A prompt above LARGE_PROMPT_TOKENS (the TUI asks first) is sent only with --yes."""
    from reasoning.events import Usage
    from reasoning.providers.endpoint import LARGE_PROMPT_TOKENS, estimate_tokens
    from reasoning.providers.pricing import cost

    tokens = estimate_tokens(prompt)
    if tokens <= LARGE_PROMPT_TOKENS or args.yes:
        return
    usd = cost(spec.model, Usage(input_tokens=tokens))
    price = f"about ${usd:.4f} of input a call" if usd is not None else "its price unknown"
    raise UsageError(
        f"the prompt is about {tokens:,} tokens ({len(prompt):,} characters), {price} with"
        f" {spec.model}: add --yes to send it"
    )


def resolve_provider(provider: str | None, model: str | None, base_url: str | None) -> Any:
    """The ProviderSpec the flags name, or UsageError with the one-line reason."""
    from reasoning.providers import NoProvider, resolve_spec

    try:
        return resolve_spec(provider=provider, model=model, base_url=base_url)
    except (NoProvider, ValueError) as exc:
        raise UsageError(str(exc)) from exc


def provider_notice(message: str) -> None:
    """A provider's retry or fallback: one line on stderr."""
    sys.stderr.write(f"ponder: {safe_text(message)}\n")


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
                from reasoning.events import reward_band

                bits.append(f"reward {step.reward:g} ({reward_band(step.reward)})")
            if step.backtrack:
                bits.append("backtrack")
            self._newline()
            if bits:
                self.write(f"{self.prefix}   [{' · '.join(bits)}]\n")
        elif isinstance(event, Notice):
            self._newline()
            # What the engine did (an answer refused before min_steps...): a note, not an error.
            sys.stderr.write(f"{self.prefix}note: {safe_text(event.message)}\n")
        elif isinstance(event, RunFinished):
            r = event.result
            self._newline()
            self.write(f"{self.prefix}══ {r.status} ({r.stop_reason}) ══\n")
            if r.answer is not None:
                self.write(f"{self.prefix}answer: {safe_text(r.answer)}\n")
            if r.final_reward is not None:
                self.write(f"{self.prefix}final reward: {r.final_reward:g}\n")
            cost = usd(r.cost_usd, "unknown")
            self.write(
                f"{self.prefix}{r.usage.input_tokens} in / {r.usage.output_tokens} out tokens"
                f" ({r.usage.cache_read_tokens} cached), {r.calls} call{'' if r.calls == 1 else 's'}, cost {cost}, {r.elapsed_s:.1f} s\n"
            )
            if r.error:
                sys.stderr.write(f"ponder: {self.prefix}{safe_text(r.error)}\n")

    def _header(self, kind: str, index: int) -> str:
        return f"{self.prefix}── {kind.replace('_', ' ')} {index} ──\n"

    def _newline(self) -> None:
        if not self.at_line_start:
            self.write("\n")


# ---- running -------------------------------------------------------------------------------


def show(printer: Printer | None, event: Event) -> None:
    """Print an event; once the reader has gone (`ponder solve ... | head`), cancel the run the
    way Ctrl+C does, so the streams close and the run is kept as cancelled."""
    if printer is None or printer.closed:
        return
    try:
        printer.handle(event)
    except BrokenPipeError:
        printer.closed = True
        task = asyncio.current_task()
        if task is not None:
            task.cancel()


def _run_async(coro: Any, printers: list[Printer | None]) -> Any:
    """Run the drive on a fresh loop; a reader gone away is a BrokenPipeError, Ctrl+C a
    KeyboardInterrupt (either way the runs are recorded as cancelled)."""

    async def main() -> Any:
        try:
            return await coro
        except asyncio.CancelledError:
            if any(p is not None and p.closed for p in printers):
                raise BrokenPipeError from None
            raise

    return run_async(main())


def _cancelled(
    drivers: list[Driver], args: argparse.Namespace, db: Any, spec: Any, paradigm: str
) -> int:
    """Ctrl+C (or SIGTERM): the runs are kept as cancelled, one line says which, and with
    --json the object of what each produced is printed as for any other end."""
    ids = []
    for driver in drivers:
        driver.record_cancelled()
        if driver.run_id is not None:
            ids.append(str(driver.run_id))
    if args.json:
        objs = [_json(args, db, d, spec, paradigm) for d in drivers]
        top = dict(objs[0])
        if len(objs) > 1:
            top["selected"] = None  # cancelled before any selection
            top["attempts"] = objs
        out(json_text(top))
    kept = f"; run{'s' if len(ids) > 1 else ''} {', '.join(ids)} kept as cancelled" if ids else ""
    sys.stderr.write(f"ponder: cancelled{kept}\n")
    return 130


def _solve(args: argparse.Namespace) -> int:
    # Usage is checked before the store is opened: a command that fails on it creates nothing.
    settings = settings_from_args(args)
    if args.problem:
        _problem_ref(args)
    typed = None if args.problem else _read_prompt(args, None)
    spec = resolve_provider(args.provider, args.model, args.base_url)
    if settings.timeout_s is not None:
        spec.timeout_s = settings.timeout_s
    if typed is not None:
        confirm_size(args, typed[0], spec)
    db = None if args.no_store else open_store(args, write=True)
    if db is not None:
        from store.queries import mark_interrupted

        mark_interrupted(db)
    prompt, problem_id = typed or _read_prompt(args, db)
    if typed is None:
        confirm_size(args, prompt, spec)
    if args.attempts > 1:
        return _solve_attempts(args, db, prompt, problem_id, spec, settings)
    return _drive_one(args, db, spec, settings, prompt, problem_id=problem_id)


def _drive_one(
    args: argparse.Namespace, db: Any, spec: Any, settings: RunSettings, prompt: str, **options: Any
) -> int:
    """One run (`solve`, `resume`), printed as it goes or as --json at the end; Ctrl+C keeps it
    as cancelled, a full store as interrupted."""
    from workbench.drive import Driver

    printer = None if args.json else Printer()
    driver = Driver(
        prompt,
        spec,
        settings,
        db=db,
        on_event=lambda event, _: show(printer, event),
        on_notice=provider_notice,
        **options,
    )
    try:
        driven = _run_async(driver.run(), [printer])
    except KeyboardInterrupt:
        return _cancelled([driver], args, db, spec, settings.paradigm)
    except StoreFull as exc:
        _print_kept(args, db, exc)
        raise
    return _finish(args, db, driver, driven, spec, settings.paradigm)


def _print_kept(args: argparse.Namespace, db: Any, exc: StoreFull) -> None:
    """The store filled up mid-run: with --json, the object of what was kept (the caller then
    says why on stderr)."""
    if args.json and db is not None and exc.run_id is not None:
        from store.queries import run_json

        out(json_text(run_json(db, exc.run_id)))


def _finish(
    args: argparse.Namespace, db: Any, driver: Driver, driven: Driven, spec: Any, paradigm: str
) -> int:
    if args.json:
        out(json_text(_json(args, db, driver, spec, paradigm)))
        _why_failed(driven)  # the text form printed it as the run ended
    else:
        if driven.result is None:  # broke outside the engine: nothing printed it
            _why_failed(driven)
        if driven.run_id is not None:
            out(f"run {driven.run_id} stored")
    return 0 if driven.status == "done" else 1


def _json(
    args: argparse.Namespace, db: Any, driver: Driver, spec: Any, paradigm: str
) -> dict[str, Any]:
    """SPEC §6's object for a run, from what its events showed (the same object stored or not,
    `--no-store` too); a resumed run's is its stored record, earlier part and all."""
    if driver.resume_run is not None and db is not None:
        from store.queries import run_json

        return run_json(db, driver.resume_run)
    problem = args.problem if getattr(args, "problem", None) and db is not None else None
    return driver.seen.as_json(
        driver.run_id,
        problem,
        paradigm=paradigm,
        provider=spec.name,
        model=spec.model,
        reinforce=driver.settings.reinforce,
    )


def _why_failed(driven: Driven) -> None:
    """One line on stderr for a run that ends in exit code 1."""
    if driven.status == "done":
        return
    what = f"run {driven.run_id}" if driven.run_id is not None else "the run"
    r = driven.result
    why = safe_text(driven.error or (r.stop_reason if r else None) or "no answer")
    sys.stderr.write(f"ponder: {what} {driven.status}: {why}\n")


def _solve_attempts(
    args: argparse.Namespace,
    db: Any,
    prompt: str,
    problem_id: int | None,
    spec: Any,
    settings: RunSettings,
) -> int:
    from workbench.attempts import drive_attempts
    from workbench.drive import Driver, shared_provider

    k = args.attempts
    group = uuid.uuid4().hex[:12]
    printers = [
        None if args.json else Printer(prefix=f"[{i + 1}] ", whole_steps=True) for i in range(k)
    ]
    provider = shared_provider(spec, provider_notice)  # one for all the attempts
    drivers = [
        Driver(
            prompt,
            provider,
            settings,
            db=db,
            problem_id=problem_id,
            attempt_group=group,
            on_event=lambda event, _, pr=pr: show(pr, event),  # type: ignore[misc]
        )
        for pr in printers
    ]

    async def main() -> Attempts:
        try:
            return await drive_attempts(drivers, args.select, db=db, group=group)
        finally:
            await provider.aclose()

    try:
        attempts = _run_async(main(), list(printers))
    except KeyboardInterrupt:
        return _cancelled(drivers, args, db, spec, settings.paradigm)
    except StoreFull as exc:
        _print_kept(args, db, exc)
        raise
    chosen = attempts.selected if attempts.selected is not None else 0
    driven = attempts.driven[chosen]
    if args.json:
        every = [_json(args, db, d, spec, settings.paradigm) for d in drivers]
        top = dict(every[chosen])
        top["selected"] = attempts.selected  # its index in "attempts"; None: none answered
        top["selected_by"] = args.select
        top["selection"] = attempts.how
        top["attempts"] = every  # every attempt, the selected one included
        out(json_text(top))
        _why_failed(driven)
    else:
        out(f"selected attempt {chosen + 1} of {k}: {attempts.how}")
        if driven.result is not None and driven.result.answer is not None:
            out(f"answer: {safe_text(driven.result.answer)}")
    return 0 if driven.status == "done" else 1


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


def _driven_by(db: sqlite_utils.Database, run: int) -> str:
    """The process that drives a run, in words, and how to free the run if it is stuck."""
    import time

    from store.owner import describe, driver_of

    pid, host, beat = driver_of(db, run)
    quiet = "" if beat is None else f", silent for {max(0, round(time.time() - beat))} s"
    return f"{describe(pid, host)}{quiet}: end that process (or let it finish) and resume again"


def _resume(args: argparse.Namespace) -> int:
    from store.queries import get_run, load_transcript, mark_interrupted

    db = open_store(args, write=True)
    mark_interrupted(db)
    detail = get_run(db, args.run)
    if detail is None:
        raise UsageError(f"no run {args.run}")
    status = detail.status
    if status == "running":  # its process is alive (if stopped): it stays the run's one owner
        raise RunFailed(f"run {args.run} is still running in {_driven_by(db, args.run)}")
    if status == "done":
        raise UsageError(f"run {args.run} is already done")
    settings = detail.settings()
    provider_name = getattr(args, "provider", None) or detail.summary.provider
    spec = resolve_provider(
        provider_name,
        getattr(args, "model", None) or detail.summary.model,
        getattr(args, "base_url", None)
        or _stored_base_url(args.run, detail.base_url, provider_name),
    )
    transcript = load_transcript(db, args.run)
    return _drive_one(
        args, db, spec, settings, transcript.prompt, transcript=transcript, resume_run=args.run
    )
