"""Running one problem: the provider, the recorder and the engine, with cancel and failure handled
once. The Solve screen, `ponder solve` (with `--attempts`), `ponder resume` and the bench all run
their problems through `drive`; it is the only place that loops engine events into the recorder."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, ParamSpec

from reasoning.events import (
    Event,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Transcript,
    UsageUpdate,
)
from workbench.seen import Seen

if TYPE_CHECKING:
    import sqlite_utils

    from reasoning.providers.base import Provider, ProviderSpec
    from store.recorder import RunRecorder
    from store.writer import DbWriter, ThreadedRecorder

P = ParamSpec("P")

# What the caller sees of each event: the event, and the run's stored id once it has one.
OnEvent = Callable[[Event, int | None], None]


@dataclass(frozen=True)
class Driven:
    """How a driven run ended (cancelled runs raise instead, after being recorded)."""

    run_id: int | None  # None without a store, or when recording could not start
    status: Literal["done", "failed", "cancelled"]
    result: RunResult | None  # None when the run broke outside the engine
    error: str | None = None  # why it failed, one line


class Driver:
    """One run of one problem; `run_id` is readable from the start of the run, `await run()`
    runs it. Use `drive()` unless the run id is needed while the run goes (Ctrl+C)."""

    def __init__(
        self,
        prompt: str,
        provider: Provider | ProviderSpec,
        settings: RunSettings,
        *,
        db: sqlite_utils.Database | None = None,
        problem_id: int | None = None,
        attempt_group: str | None = None,
        bench_id: str | None = None,
        transcript: Transcript | None = None,
        resume_run: int | None = None,
        on_event: OnEvent | None = None,
        on_notice: Callable[[str], None] | None = None,
        writer: DbWriter | None = None,
    ) -> None:
        self.prompt = prompt
        self.provider = provider
        self.settings = settings
        self.transcript = transcript
        self.resume_run = resume_run
        self.on_event = on_event
        self.on_notice = on_notice
        self.recorder: RunRecorder | ThreadedRecorder | None = None
        self._threaded = False  # the recorder writes in the writer's thread
        self.seen = Seen()  # what the run produced, in memory: the --json object, stored or not
        self._store_error: BaseException | None = None
        from workbench.keeping import KEEPING

        options: dict[str, Any] = {
            "keeping": KEEPING,
            "problem_id": problem_id,
            "attempt_group": attempt_group,
            "bench_id": bench_id,
            "run_id": resume_run,
        }
        if writer is not None and writer.threaded:
            from store.writer import ThreadedRecorder

            self.recorder = ThreadedRecorder(writer, **options)
            self._threaded = True
        elif writer is not None or db is not None:
            from store.recorder import RunRecorder

            store = writer.db if writer is not None else db
            assert store is not None
            self.recorder = RunRecorder(store, **options)
        self._recorder_seen: RunRecorder | ThreadedRecorder | None = self.recorder
        self._run_id: int | None = resume_run

    @property
    def run_id(self) -> int | None:
        """The run's stored id: known from the start on resume, else once the run has started
        (with a writer thread, a moment after RunStarted: the insert is not waited for)."""
        if self._run_id is None and self._recorder_seen is not None:
            self._run_id = self._recorder_seen.run_id
        return self._run_id

    async def run(self) -> Driven:
        """Run it to the end. A cancelled run is recorded as cancelled (its partial text and the
        estimated tokens of a call cut off kept) and CancelledError propagates. The store failing
        ends the run too, and its error propagates (StoreFull: the run is kept interrupted)."""
        from reasoning.engine import solve

        provider, owned = self._provider()
        result: RunResult | None = None
        try:
            # Closed here, in this task, when the loop is left early (the store failed): left to
            # the loop's shutdown, the engine's generators were closed all at once, each nested
            # one twice ("aclose(): asynchronous generator is already running").
            from graders.extract import final_answer

            events = solve(
                self.prompt,
                provider,
                self.settings,
                transcript=self.transcript,
                extract=final_answer,
            )
            async with contextlib.aclosing(events):  # type: ignore[type-var]
                async for event in events:
                    self._record(event)
                    if isinstance(event, RunStarted) and self.recorder is not None:
                        self._run_id = self.recorder.run_id
                    elif isinstance(event, RunFinished):
                        result = event.result
                        if self._threaded:  # recorded before the result is returned (and graded)
                            await self._settle()
                    self._tell(event)
        except asyncio.CancelledError:
            await self._end_record("cancelled")
            recorder = self.recorder or self._recorder_seen
            totals = recorder.totals if recorder is not None else None
            if totals is not None:  # the sidebar shows what the store keeps
                with contextlib.suppress(Exception):
                    self._tell(UsageUpdate(*totals))
            raise
        except Exception as exc:
            if exc is self._store_error:
                raise
            # The engine reports failures as RunFinished: this is a bug (or an observer's).
            error = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            await self._end_record("failed", error)
            return Driven(self.run_id, "failed", None, error)
        finally:
            if owned:
                with contextlib.suppress(Exception):  # a broken connection must not hide the end
                    await provider.aclose()
        if result is None:
            error = "the run ended without a result"
            await self._end_record("failed", error)
            return Driven(self.run_id, "failed", None, error)
        status: Literal["done", "failed", "cancelled"] = (
            "done"
            if result.status == "done"
            else "cancelled"
            if result.status == "cancelled"
            else "failed"
        )
        return Driven(self.run_id, status, result, result.error)

    def record_cancelled(self) -> None:
        """Keep the run as cancelled if it is not recorded as ended yet (Ctrl+C outside the loop)."""
        self._end_now("cancelled")

    def _provider(self) -> tuple[Provider, bool]:
        """The provider to use, and whether this run built it (and so closes it)."""
        from reasoning.providers.base import ProviderSpec

        if isinstance(self.provider, ProviderSpec):
            from dataclasses import replace

            from reasoning.providers import build_provider

            spec = self.provider
            if self.settings.timeout_s is not None:  # --timeout
                spec = replace(spec, timeout_s=self.settings.timeout_s)
            return build_provider(spec, on_notice=self.on_notice), True
        return self.provider, False

    def _tell(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event, self.run_id)

    def _record(self, event: Event) -> None:
        """Record one event; the store failing ends the run (StoreFull has kept it interrupted,
        any other error is recorded as the run's failure if the store still takes it)."""
        self.seen.handle(event)
        if self.recorder is None:
            return
        try:
            self.recorder.handle(event)
        except Exception as exc:
            self._record_failed(exc)

    def _record_failed(self, exc: BaseException | None) -> None:
        """The store failed: end the recording (the run kept as failed, or interrupted by
        StoreFull) and raise the error, which ends the run."""
        if exc is None:
            return
        from store.recorder import StoreFull

        self._store_error = exc
        recorder, self.recorder = self.recorder, None
        if recorder is not None and not isinstance(exc, StoreFull):
            with contextlib.suppress(Exception):
                recorder.finish_failed(f"the store failed: {type(exc).__name__}: {exc}")
        raise exc

    async def _settle(self) -> None:
        """With a writer thread: wait for what was posted; a write that failed ends the run."""
        recorder = self.recorder
        if recorder is None:
            return
        await recorder.writer.settle()  # type: ignore[union-attr]
        self._record_failed(recorder.error)  # type: ignore[union-attr]

    async def _end_record(self, status: str, error: str | None = None) -> None:
        recorder = self.recorder
        self._end_now(status, error)
        if self._threaded and recorder is not None:
            with contextlib.suppress(BaseException):  # cancelled again: the write still happens
                await recorder.writer.settle()  # type: ignore[union-attr]

    def _end_now(self, status: str, error: str | None = None) -> None:
        self.seen.end(status, error or (None if status == "cancelled" else status))
        recorder = self.recorder
        if recorder is None:
            return
        try:
            if status == "cancelled":
                recorder.finish_cancelled()
            else:
                recorder.finish_failed(error or status)
        except Exception:
            pass  # the run's outcome is already known to the caller; the store will mark it


def shared_provider(spec: ProviderSpec, on_notice: Callable[[str], None] | None = None) -> Provider:
    """One provider for runs made at once (attempts): pass it to each Driver; the caller closes
    it once they have ended."""
    from reasoning.providers import build_provider

    return build_provider(spec, on_notice=on_notice)


def _run_to_its_end(driver: Callable[P, Driver]) -> Callable[P, Coroutine[Any, Any, Driven]]:
    """`drive` from `Driver`: the same arguments, the run awaited to its end."""

    async def drive(*args: P.args, **kwargs: P.kwargs) -> Driven:
        """Run one problem and record it in `db` (if given): the result with its run id.

        `provider` is a built provider (shared, left open) or a spec (built here with `on_notice`
        for its retries, and closed at the end). `on_event` sees every engine event after it is
        recorded. `resume_run` with `transcript` continues a stored run under the same id."""
        return await driver(*args, **kwargs).run()

    return drive


# Driver's arguments, written once: a run started and awaited to its end.
drive = _run_to_its_end(Driver)
