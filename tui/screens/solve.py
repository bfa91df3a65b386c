"""The Solve screen: a chat pane of runs streaming live, a sidebar, and the prompt box."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from ponder.text import safe_text
from reasoning.events import (
    Event,
    Notice,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    StepFinished,
    StepStarted,
    TextDelta,
    UsageEstimate,
    UsageUpdate,
)
from tui.screens.ask import AskModal, Field
from tui.widgets.calm_footer import CalmFooter
from tui.widgets.prompt_box import PromptBox
from tui.widgets.run_cells import one_line
from tui.widgets.run_view import RunView
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_line import StatusInfo, StatusLine
from tui.widgets.step_block import StepBlock, StepHeader
from tui.widgets.step_list import StepList

if TYPE_CHECKING:
    import sqlite_utils

    from store.queries import RunDetail
    from tui.app import PonderApp

FRAME_S = 1 / 30  # deltas reach the screen at most this often: smooth at 2,000 tokens/s
PARADIGM_HELP = {
    "dcot": "dynamic CoT + reflection + reward, one stream",
    "g1": "one JSON step per call, a reflection every 3 steps",
    "direct": "no technique: the baseline, one call",
}
REINFORCE_HELP = {
    "self": "the model rewards itself in one stream",
    "guided": "the engine stops at each reward and answers by band",
}
WELCOME = (
    "Type a problem below and press Enter. Each step streams in with its reflection and reward; "
    "Esc cancels.\n\n"
    "The line above shows what the next run uses. F2 picks the model, F3 the provider (or an "
    "OpenAI-compatible base URL), Ctrl+T the paradigm: dcot → g1 → direct. F6 solves a "
    "stored problem, F10 imports a problem set; Ctrl+L empties the prompt box (Ctrl+Z brings "
    "it back). Every command, with its key, is in the palette: Ctrl+P."
)


def grade_words(
    verdict: str, score: float | None, extracted: str | None, reference: str | None
) -> str:
    """A stored problem's run's automatic grade for its end line: the verdict, the answer read
    from the run and the reference it was checked against."""
    if verdict == "needs_human":
        said = "needs a human grade (Ctrl+G)"
    else:
        said = f"graded {verdict} {score:.2f}" if score is not None else f"graded {verdict}"
    parts = [said]
    if extracted:
        parts.append(f"answer read: {one_line(extracted, 60)}")
    parts.append(f"reference: {one_line(reference, 60)}" if reference else "no reference")
    return ", ".join(parts)


class SolveScreen(Screen[None]):
    """Solve one problem at a time with the current paradigm and provider; runs stack up."""

    # The Footer shows the keys a first run needs; the rest are in the palette (Ctrl+P).
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),  # only while a run goes: else the next one
        Binding("escape", "focus_prompt", "Prompt", show=False),
        Binding("ctrl+n", "new", "New"),
        Binding("ctrl+r", "rerun", "Re-run", show=False),
        Binding("ctrl+t", "paradigm", "Paradigm"),
        Binding("f2", "model", "Model"),
        Binding("f3", "provider", "Provider", show=False),
        Binding("f4", "budget", "Budget", show=False),
        Binding("f5", "reinforce", "Reinforce", show=False),
        Binding("ctrl+o", "open_run", "Open"),
        Binding("f7", "copy", "Copy"),  # the prompt box gives its F7 (select all) way
        # Priority: the prompt box (a TextArea) has its own F6, select line.
        Binding("f6", "pick_problem", "Problem", show=False, priority=True),
        Binding("f8", "copy_answer", "Copy answer", show=False),
        Binding("f9", "toggle_math", "LaTeX", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="solve")
        self.view: RunView | None = None  # the run on show in the sidebar
        self.running = False
        self.state = "idle"
        self.last_prompt: str | None = None
        self.last_problem_id: int | None = None  # the stored problem of the last prompt, if any
        self._problem_shown: str | None = None  # its "dataset:key", in the live run's header
        self.last_answer: str | None = None
        self._worker: Worker[None] | None = None
        self._dirty: set[StepBlock] = set()
        self._ticker: Timer | None = None
        self._started_at = 0.0
        self._last_elapsed_shown = 0.0
        self._follow = False  # anchor the chat as soon as the live run overflows it
        self._cancelling = False  # Esc (or Ctrl+N) asked the live run to stop
        self._reported_calls = 0  # calls in the last totals with the provider's own figures

    @property
    def ponder(self) -> PonderApp:
        return self.app  # type: ignore[return-value]

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusLine(self._status_info(), id="status")
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                yield Static("", id="provider-banner", markup=False)
                with VerticalScroll(id="chat"):
                    yield Static(Content(WELCOME), id="welcome", markup=False)
                yield PromptBox(prompts=self._stored_prompts(), id="prompt")
            yield Sidebar(id="sidebar")
        yield CalmFooter()

    def on_mount(self) -> None:
        self.watch(self.app, "session", self._refresh_status, init=False)
        self.watch(self.app, "provider_state", self._on_provider_state, init=True)
        self.watch(self.app, "math", self._on_math, init=False)
        self._ticker = self.set_interval(FRAME_S, self._tick, pause=True)
        self.query_one(PromptBox).focus()

    def _stored_prompts(self) -> list[str]:
        """Earlier prompts from the store, oldest first, for ↑ in the prompt box."""
        db = self.ponder.db
        if db is None:
            return []
        try:
            from store.queries import recent_prompts

            rows = recent_prompts(db, 100)
        except Exception:  # an unreadable store must not stop the screen from opening
            return []
        prompts: list[str] = []
        for prompt in reversed(rows):
            if prompt and (not prompts or prompts[-1] != prompt):
                prompts.append(prompt)
        return prompts

    # -- status --------------------------------------------------------------------------

    def _status_info(self) -> StatusInfo:
        app = self.ponder
        s = app.session
        p = app.provider_state
        provider = p.name if p.spec else ("…" if p.resolving else None)
        model = p.model if p.spec else s.model
        return StatusInfo(
            paradigm=s.settings.paradigm,
            provider=provider,
            model=model,
            budget=s.settings.budget,
            reinforce=s.settings.reinforce,
            state=self.state,
            math=app.math,
            endpoint=_host(p.spec.base_url) if p.spec else None,
        )

    def _refresh_status(self, *_: object) -> None:
        self.query_one(StatusLine).show(self._status_info())

    def _on_provider_state(self, *_: object) -> None:
        banner = self.query_one("#provider-banner", Static)
        problem = self.ponder.provider_state.problem
        banner.update(Content(_no_provider(problem) if problem else ""))
        banner.display = bool(problem)
        self._refresh_status()

    def _set_state(self, state: str) -> None:
        self.state = state
        self._refresh_status()
        # The Footer rebuilds its keys on this: after the next paint, not before the text.
        self.call_after_refresh(self.refresh_bindings)

    # -- submitting ----------------------------------------------------------------------

    @on(PromptBox.Submitted)
    def _submitted(self, event: PromptBox.Submitted) -> None:
        event.stop()
        box, text = event.prompt_box, event.text

        def sent() -> None:
            box.remember(text)
            if box.text.strip() == text:
                box.clear()

        if self.start_run(text, on_confirmed=sent):
            sent()

    def start_run(
        self,
        prompt: str,
        *,
        problem_id: int | None = None,
        confirmed: bool = False,
        on_confirmed: Callable[[], None] | None = None,
    ) -> bool:
        """Start solving prompt with the session's settings; False (and why) if it cannot.

        `problem_id` ties the run to a stored problem (a re-run from History or Grade). A very
        large prompt is sent only once confirmed (its estimated tokens and cost shown):
        `on_confirmed` is called if it then starts."""
        if self.running:
            self.notify("A run is in progress: Esc cancels it.", severity="warning")
            return False
        refused = self._read_only_reason()
        if refused:
            self.notify(safe_text(refused), severity="error", markup=False, timeout=10)
            return False
        state = self.ponder.provider_state
        if state.spec is None:
            if state.resolving:
                self.notify("Still looking for a provider…", severity="warning")
            else:
                self.notify(
                    safe_text(_no_provider(state.problem or "unknown")),
                    severity="error",
                    markup=False,
                    timeout=8,
                )
            return False
        if not confirmed and self._ask_first(prompt, problem_id, on_confirmed):
            return False
        settings = self.ponder.session.settings
        self._problem_shown = self._problem_label(problem_id)
        meta = "  ·  ".join(m for m in (settings.paradigm, self._problem_shown) if m)
        self.begin_run(prompt, settings, meta=meta, problem_id=problem_id)
        self._worker = self._run(prompt, settings, state.spec, problem_id)
        return True

    def _read_only_reason(self) -> str | None:
        """Why no run can start here (its database cannot be written), in one line; else None.
        Asked before the provider is: a run that could not be stored is not paid for."""
        import sqlite3

        from store.db import database_file, is_read_only

        db = self.ponder.db
        if db is None:
            return None
        try:
            if not is_read_only(db):
                return None
            path = database_file(db)
        except sqlite3.DatabaseError as exc:
            return self.ponder.db_fault_line(exc)
        return (
            f"The database {path or ''} is read-only: no run can be stored, so none is started."
            " History and Grade still read it; solve with a database you can write (--db FILE)."
        )

    def _ask_first(
        self, prompt: str, problem_id: int | None, on_confirmed: Callable[[], None] | None
    ) -> bool:
        """A prompt over LARGE_PROMPT_TOKENS: ask (tokens and cost shown) and return True."""
        from reasoning.events import Usage
        from reasoning.providers.endpoint import LARGE_PROMPT_TOKENS, estimate_tokens
        from reasoning.providers.pricing import cost
        from tui.screens.confirm_modal import ConfirmModal

        tokens = estimate_tokens(prompt)
        if tokens <= LARGE_PROMPT_TOKENS:
            return False
        settings = self.ponder.session.settings
        model = self.ponder.provider_state.model or "?"
        usd = cost(model, Usage(input_tokens=tokens))
        price = (
            f"about ${usd:.4f} of input a call with {model}"
            if usd is not None
            else f"its price unknown for {model}"
        )
        again = {
            "g1": "; g1 sends it again at every step",
            "dcot": "; dcot sends it again for each continued segment",
        }.get(settings.paradigm, "")
        question = (
            f"This prompt is about {tokens:,} tokens (4 characters a token), {price}{again}."
            " Send it?"
        )

        def done(yes: bool | None) -> None:
            started = yes and self.start_run(prompt, problem_id=problem_id, confirmed=True)
            if started and on_confirmed is not None:
                on_confirmed()

        self.app.push_screen(
            ConfirmModal("A very large prompt", safe_text(question), yes="Send"), done
        )
        return True

    def _problem_label(self, problem_id: int | None) -> str | None:
        """ "dataset:key" of a stored problem, for the run's header."""
        db = self.ponder.db
        if problem_id is None or db is None:
            return None
        from store.problems import get_problem_by_id

        try:
            problem = get_problem_by_id(db, problem_id)
        except Exception:  # the label is a courtesy: the run goes on without it
            return None
        return safe_text(f"{problem.dataset}:{problem.key}") if problem else None

    def begin_run(
        self, prompt: str, settings: RunSettings, *, meta: str = "", problem_id: int | None = None
    ) -> RunView:
        """Put a new run on screen (the worker, or a test, then feeds it events)."""
        self.running = True
        self._cancelling = False
        self._reported_calls = 0
        self.last_prompt = prompt
        self.last_problem_id = problem_id
        self.last_answer = None
        view = RunView(prompt, meta=meta or settings.paradigm, math=self.ponder.math)
        self._show_run(view, settings)
        self._started_at = self.ponder.clock()
        self._last_elapsed_shown = 0.0
        if self._ticker is not None:
            self._ticker.resume()
        self._set_state("running")
        return view

    def _show_run(self, view: RunView, settings: RunSettings | None, *, live: bool = True) -> None:
        chat = self.query_one("#chat", VerticalScroll)
        for welcome in chat.query("#welcome"):
            welcome.remove()
        self.view = view
        self._dirty.clear()
        chat.mount(view)
        _unanchor(chat)
        if live:
            # Follow the stream once it overflows (see _tick); anchoring shorter content
            # would bottom-align it under a blank gap.
            self._follow = True
        else:
            self._follow = False
            # A stored run is read from its start.
            chat.call_after_refresh(chat.scroll_to_widget, view, top=True, animate=False)
        self.query_one(Sidebar).reset(settings, live=live)

    @work(exclusive=True, group="run", exit_on_error=False)
    async def _run(
        self, prompt: str, settings: RunSettings, spec: Any, problem_id: int | None = None
    ) -> None:
        from workbench.drive import drive

        try:
            driven = await drive(
                prompt,
                spec,
                settings,
                db=self.ponder.db,
                problem_id=problem_id,
                on_event=self.feed,
                on_notice=self._provider_notice,
            )
        except asyncio.CancelledError:
            self.end_run(None, "cancelled")
            raise
        except Exception as exc:  # the store failed: drive ended the run and kept what it could
            run_id = getattr(exc, "run_id", None)
            kept = f"; run #{run_id} kept as interrupted (ponder resume {run_id})" if run_id else ""
            message = f"The database failed: {exc}{kept}"
            self.end_run(None, "failed", note=message)
            self.notify(safe_text(message), severity="error", markup=False, timeout=10)
            return
        if driven.result is None:  # broke outside the engine: nothing has ended the run on screen
            message = driven.error or "the run failed"
            self.end_run(None, "failed", note=message)
            self.notify(safe_text(message), severity="error", markup=False, timeout=10)

    def _provider_notice(self, message: str) -> None:
        """A retry, a fallback: worth a line, not an interruption."""
        self.notify(safe_text(message), severity="warning", markup=False, timeout=5)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # exit_on_error=False: an error escaping the worker lands here, not in a crash.
        if event.worker is self._worker and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.end_run(None, "failed", note=str(error))
            self.notify(safe_text(str(error)), severity="error", markup=False)

    # -- events --------------------------------------------------------------------------

    def feed(self, event: Event, run_id: int | None = None) -> None:
        """Show one engine event of the run `run_id` (None: not stored). Text is queued and
        flushed once per frame."""
        view = self.view
        if view is None:
            return
        if isinstance(event, TextDelta):
            block = view.block(event.index) or self._start_step(view, event.index, "step", None)
            block.append(event.text)
            self._dirty.add(block)
        elif isinstance(event, StepStarted):
            self._start_step(view, event.index, event.kind, event.title)
        elif isinstance(event, StepFinished):
            step = event.step
            block = view.block(step.index) or self._start_step(view, step.index, step.kind, None)
            self._dirty.discard(block)
            block.finish(step)
            self.query_one(Sidebar).step_finished(step)
            if step.backtrack:
                view.mark_backtrack(step)
            if step.kind == "answer":
                self.last_answer = step.content
        elif isinstance(event, UsageUpdate):
            # After a cancel the store's totals come, with an estimate for the call cut off
            # (one call more than the provider reported): still an estimate, still marked ≈.
            estimated = self._cancelling and event.calls > self._reported_calls
            if not estimated:
                self._reported_calls = event.calls
            self.query_one(Sidebar).usage(
                event.usage, event.calls, event.cost_usd, estimated=estimated
            )
        elif isinstance(event, UsageEstimate):  # a call streaming: ≈ until its real figures
            self.query_one(Sidebar).usage(event.usage, event.calls, event.cost_usd, estimated=True)
        elif isinstance(event, RunStarted):
            view.run_id = run_id
            view.set_meta(
                _meta(event.paradigm, event.provider, event.model, run_id, self._problem_shown)
            )
        elif isinstance(event, Notice):
            view.add_notice(event.message)
        elif isinstance(event, RunFinished):
            result = event.result
            if result.answer is not None:
                self.last_answer = result.answer
            self.end_run(result, result.status)
            if result.status == "done" and run_id is not None and self.last_problem_id:
                self._grade_finished(view, run_id, self.last_problem_id)
            if result.status == "failed":
                reason = result.error or result.stop_reason or "the run failed"
                self.notify(safe_text(reason), severity="error", markup=False, timeout=10)

    @work(thread=True, group="end-grade", exit_on_error=False)
    def _grade_finished(self, view: RunView, run_id: int, problem_id: int) -> None:
        """A stored problem's run is graded as it ends (as `ponder grade --auto` would), and
        its end line says how, beside the reference. sympy may take seconds: off the UI."""
        from store.problems import get_problem_by_id
        from store.thread_db import thread_db
        from workbench.grading import GRADE_TIMEOUT_S, auto_grade_run

        db = self.ponder.db
        if db is None:
            return
        try:
            with thread_db(db) as own:
                grade = auto_grade_run(own, run_id, timeout=GRADE_TIMEOUT_S, redo=False)
                problem = get_problem_by_id(own, problem_id)
        except Exception as exc:  # a read-only or damaged store: the run stands ungraded
            line = f"not graded: {type(exc).__name__}: {exc}"
        else:
            reference = problem.reference if problem is not None else None
            line = grade_words(grade.verdict, grade.score, grade.extracted, reference)
        self.app.call_from_thread(view.add_to_end, line)

    def _start_step(self, view: RunView, index: int, kind: Any, title: str | None) -> StepBlock:
        block = view.start_step(index, kind, title)
        self.query_one(Sidebar).step_started(index, kind, title)
        return block

    def end_run(self, result: RunResult | None, status: str, *, note: str = "") -> None:
        """The run is over: flush nothing more, tag what was cut, show the outcome."""
        if self.view is None or not self.running:
            return
        self.running = False
        if self._ticker is not None and not self._follow:
            self._ticker.pause()  # else _tick pauses it once the end is laid out
        self._dirty.clear()  # view.end keeps the queued text of unfinished blocks
        if result is None:
            elapsed = self.ponder.clock() - self._started_at
            self.query_one(Sidebar).elapsed(elapsed)
        self.view.end(result, status, note=note)
        self.query_one(Sidebar).ended(result, status)
        self._set_state(status)

    def _tick(self) -> None:
        """Once a frame: show the queued text of each streaming block (never waits on a mount)."""
        dirty, self._dirty = self._dirty, set()
        for block in dirty:
            block.flush()
            if block.has_pending and not block.finished:
                self._dirty.add(block)  # not mounted yet: next frame
        if self._follow:
            chat = self.query_one("#chat", VerticalScroll)
            if chat.max_scroll_y > 0:
                # From here Textual keeps it at the bottom until the user scrolls up.
                chat.anchor()
                self._follow = False
            elif not self.running and self._end_laid_out():
                # It ended before overflowing by the last frame: its end (the answer, the
                # outcome line) may overflow now, once laid out.
                self._follow = False
                chat.call_after_refresh(_anchor_if_overflowing, chat)
        if not self.running and not self._follow and self._ticker is not None:
            self._ticker.pause()
        if self.running:
            elapsed = self.ponder.clock() - self._started_at
            if elapsed - self._last_elapsed_shown >= 0.2:
                self._last_elapsed_shown = elapsed
                self.query_one(Sidebar).elapsed(elapsed)

    def _end_laid_out(self) -> bool:
        """Every block of the ended run is mounted with its final text."""
        view = self.view
        if view is None or not view.is_mounted:
            return view is None
        return all(b.is_mounted and b.settled for b in view.blocks.values())

    # -- stored runs ---------------------------------------------------------------------

    def show_stored(self, detail: RunDetail) -> RunView:
        """Show a stored run, read-only: its steps as recorded and how it ended."""
        s = detail.summary
        meta = _meta(s.paradigm or "?", s.provider, s.model, s.run_id, s.problem) + "  ·  read-only"
        view = RunView(detail.prompt, meta=meta, math=self.ponder.math)
        view.run_id = s.run_id
        settings = RunSettings(**_known_settings(detail.params))
        self._show_run(view, settings, live=False)
        sidebar = self.query_one(Sidebar)
        for step in detail.steps:
            view.add_finished(step)
            sidebar.step_started(step.index, step.kind, step.title)
            sidebar.step_finished(step)
            if step.backtrack:
                view.mark_backtrack(step)
        for index in detail.partial_steps:
            block = view.block(index)
            if block is not None:
                block.add_class("-stopped")
        result = RunResult(
            status=s.status,  # type: ignore[arg-type]
            stop_reason=s.stop_reason,  # type: ignore[arg-type]
            answer=s.answer,
            final_reward=s.final_reward,
            steps=detail.steps,
            usage=detail.usage,
            calls=detail.calls,
            cost_usd=detail.cost_usd,
            elapsed_s=detail.elapsed_s or 0.0,
            error=detail.error,
        )
        view.end(result, s.status)
        sidebar.ended(result, s.status)
        self.last_prompt = detail.prompt
        self.last_problem_id = detail.problem_id
        self.last_answer = s.answer
        self._set_state("read-only")
        return view

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.running  # False hides it, and Esc goes on to focus_prompt
        if action == "rerun":
            return None if self.running or not self.last_prompt else True
        if action in ("open_run", "pick_problem"):
            return None if self.running else True  # dimmed: a run on show is still going
        if action == "copy_answer":
            return True if self.last_answer else None
        if action == "copy":
            return True if self.view is not None else None
        return True

    def action_cancel(self) -> None:
        self._cancelling = self.running
        if self._worker is not None and self.running:
            self._worker.cancel()
        elif self.running:  # a run fed by hand (tests) with no worker
            self.end_run(None, "cancelled")

    def action_focus_prompt(self) -> None:
        """Esc with no run going: back to the prompt box, wherever the focus was."""
        self.app.action_hide_help_panel()
        self.query_one(PromptBox).focus()

    async def action_new(self) -> None:
        """Clear the chat for a new problem (cancelling a run in progress)."""
        if self.running:
            worker = self._worker
            self.action_cancel()
            if worker is not None:
                try:
                    await worker.wait()
                except (WorkerCancelled, WorkerFailed):
                    pass  # cancelled is what we asked for; a failure was already shown
        chat = self.query_one("#chat", VerticalScroll)
        # Anchored to the last run's end, the chat would bottom-align what comes next under
        # a blank gap, and the next run's answer below the screen.
        self._follow = False
        _unanchor(chat)
        await chat.remove_children()
        await chat.mount(Static(Content(WELCOME), id="welcome", markup=False))
        self.view = None
        self.last_answer = None
        self.query_one(Sidebar).reset(None)
        self._set_state("idle")
        self.query_one(PromptBox).focus()

    def action_rerun(self) -> None:
        if self.last_prompt:  # the same problem: a re-run of a stored problem stays tied to it
            self.start_run(self.last_prompt, problem_id=self.last_problem_id)

    def _store_to_pick_from(self) -> sqlite_utils.Database | None:
        """The open database, when a stored problem or run may be picked now; else None, and why."""
        db = self.ponder.db
        if db is None:
            self.notify("No database open.", severity="error")
            return None
        if self.running:
            self.notify("A run is in progress: Esc cancels it.", severity="warning")
            return None
        return db

    def _cannot_list(self, what: str, exc: Exception) -> None:
        self.notify(safe_text(f"Cannot list {what}: {exc}"), severity="error", markup=False)

    def action_pick_problem(self) -> None:
        """Pick a stored problem (dataset, then problem, with a search) and solve it."""
        from store.problems import ensure_bundled, list_datasets, list_problems
        from tui.screens.pick_problem import ProblemPickerModal

        db = self._store_to_pick_from()
        if db is None:
            return
        try:
            ensure_bundled(db)
            datasets = list_datasets(db)
        except Exception as exc:
            self._cannot_list("datasets", exc)
            return

        def done(problem: Any) -> None:
            if problem is not None:
                self.start_run(problem.text, problem_id=problem.id)

        self.app.push_screen(
            ProblemPickerModal(datasets, lambda name: list_problems(db, name)), done
        )

    def action_paradigm(self) -> None:
        paradigm = self.ponder.cycle_paradigm()
        self.notify(f"Paradigm: {paradigm}", timeout=2)

    def set_paradigm(self, paradigm: str) -> None:
        self.ponder.update_settings(paradigm=paradigm)
        self.notify(f"Paradigm: {paradigm}", timeout=2)

    def action_reinforce(self) -> None:
        self.set_reinforce("guided" if self.ponder.session.settings.reinforce == "self" else "self")

    def set_reinforce(self, mode: str) -> None:
        self.ponder.update_settings(reinforce=mode)
        self.notify(f"Reinforce: {mode}", timeout=2)

    def action_model(self) -> None:
        """Choose the model: the endpoint's list (fetched now), or any name typed in."""
        from tui.screens.pick_model import ModelPickerModal

        current = self.ponder.provider_state.model or self.ponder.session.model or ""
        spec = self.ponder.provider_state.spec

        def done(model: str | None) -> None:
            if model is not None:
                self.ponder.set_model(model)

        fetch = None
        if spec is not None:

            async def fetch() -> list[str]:
                return await self.ponder.list_models(spec)

        self.app.push_screen(ModelPickerModal(current, endpoint_text(spec), fetch), done)

    def action_provider(self) -> None:
        s = self.ponder.session
        names = ", ".join(_provider_names())

        def done(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self.ponder.set_provider(values[0], values[1])

        self.app.push_screen(
            AskModal(
                "Provider",
                [
                    Field(
                        f"Provider: {names} (empty: the default)",
                        s.provider or "",
                    ),
                    Field(
                        "Base URL (OpenAI-compatible servers; empty: the provider's)",
                        s.base_url or "",
                    ),
                ],
            ),
            done,
        )

    def action_budget(self) -> None:
        settings = self.ponder.session.settings

        def check(values: tuple[str, ...]) -> str | None:
            for name, value in zip(("Budget", "Max steps"), values, strict=True):
                if not value.isdigit() or not 1 <= int(value) <= 1000:
                    return f"{name} must be a whole number from 1 to 1000."
            return None

        def done(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self.ponder.update_settings(budget=int(values[0]), max_steps=int(values[1]))

        self.app.push_screen(
            AskModal(
                "Step budget",
                [
                    Field("Budget (dcot: the <count> the model starts from)", str(settings.budget)),
                    Field("Max steps (hard cap, every paradigm)", str(settings.max_steps)),
                ],
                validate=check,
            ),
            done,
        )

    def action_open_run(self) -> None:
        from store.queries import get_run, list_runs
        from tui.screens.open_run import OpenRunModal

        db = self._store_to_pick_from()
        if db is None:
            return
        try:
            runs = list_runs(db, limit=50)
        except Exception as exc:
            self._cannot_list("runs", exc)
            return

        def done(run_id: int | None) -> None:
            if run_id is None:
                return
            detail = get_run(db, run_id)
            if detail is None:
                self.notify(f"No run #{run_id}.", severity="error")
                return
            self.show_stored(detail)

        self.app.push_screen(OpenRunModal(runs), done)

    def action_copy_answer(self) -> None:
        if not self.last_answer:
            self.notify("No answer yet.", severity="warning")
            return
        self._copy(safe_text(self.last_answer), "the answer")

    def action_copy(self) -> None:
        """F7: what to copy, each with its letter: the answer, a step, the transcript, the id."""
        from tui.screens.copy_modal import CopyChoice, CopyModal

        view = self.view
        if view is None:
            self.notify("No run on show: nothing to copy.", severity="warning")
            return
        block = self.step_at_hand()
        run_id = view.run_id
        choices = [
            CopyChoice("a", "the final answer", bool(self.last_answer)),
            CopyChoice(
                "s",
                f"{block.heading()}" if block is not None else "a step (none yet)",
                block is not None,
            ),
            CopyChoice("t", "the whole transcript, as Markdown"),
            CopyChoice(
                "i",
                f"the run id, {run_id}" if run_id is not None else "the run id (not stored)",
                run_id is not None,
            ),
        ]

        def done(key: str | None) -> None:
            {
                "a": self.action_copy_answer,
                "s": self.action_copy_step,
                "t": self.action_copy_transcript,
                "i": self.action_copy_run_id,
            }.get(key or "", lambda: None)()

        self.app.push_screen(CopyModal(choices), done)

    def step_at_hand(self) -> StepBlock | None:
        """The step a copy means: the one whose header has the focus, else the one picked in
        the step list, else the latest."""
        view = self.view
        if view is None or not view.blocks:
            return None
        owner = self.focused.parent if isinstance(self.focused, StepHeader) else None
        if isinstance(owner, StepBlock) and owner in view.blocks.values():
            return owner
        step_list = self.query_one(StepList)
        if step_list.highlighted is not None:
            option_id = step_list.get_option_at_index(step_list.highlighted).id or ""
            block = view.block(int(option_id[1:])) if option_id[1:].isdigit() else None
            if block is not None:
                return block
        return view.blocks[max(view.blocks)]

    def action_copy_step(self) -> None:
        block = self.step_at_hand()
        if block is None:
            self.notify("No step yet.", severity="warning")
            return
        self._copy(block.content(), block.heading())

    def action_copy_transcript(self) -> None:
        view = self.view
        if view is None:
            self.notify("No run on show: nothing to copy.", severity="warning")
            return
        of = f" of run #{view.run_id}" if view.run_id is not None else ""
        steps = len(view.blocks)
        self._copy(
            view.transcript(), f"the transcript{of} ({steps} step{'s' if steps != 1 else ''})"
        )

    def action_copy_run_id(self) -> None:
        view = self.view
        if view is None or view.run_id is None:
            self.notify("This run is not stored: it has no id.", severity="warning")
            return
        self._copy(str(view.run_id), f"run id {view.run_id}")

    def _copy(self, text: str, what: str) -> None:
        # OSC 52 carries it base64-encoded: model text never reaches the terminal raw.
        self.app.copy_to_clipboard(text)
        size = f"{len(text):,} character{'s' if len(text) != 1 else ''}"
        self.notify(safe_text(f"Copied {what} to the clipboard ({size})."), markup=False, timeout=3)

    def action_toggle_math(self) -> None:
        self.ponder.math = not self.ponder.math

    def _on_math(self, math: bool) -> None:
        self._refresh_status()
        for view in self.query(RunView):
            view.set_math(math)

    def system_commands(self) -> Iterable[SystemCommand]:
        """The Solve screen's commands for the palette (the app adds them), each with its key.

        The palette searches titles only, so a title names what a user would type ("g1",
        "direct", "guided")."""
        settings = self.ponder.session.settings
        yield SystemCommand("New run", "Ctrl+N · clear the chat for a new problem", self.action_new)
        if self.last_prompt and not self.running:
            yield SystemCommand("Re-run", "Ctrl+R · solve the last prompt again", self.action_rerun)
        if self.running:
            yield SystemCommand(
                "Cancel run", "Esc · stop the run, keep what it produced", self.action_cancel
            )
        for paradigm, what in PARADIGM_HELP.items():
            if paradigm != settings.paradigm:
                yield SystemCommand(
                    f"Paradigm: {paradigm}",
                    f"{what} · now {settings.paradigm}; Ctrl+T cycles dcot → g1 → direct",
                    lambda p=paradigm: self.set_paradigm(p),
                )
        for mode, what in REINFORCE_HELP.items():
            if mode != settings.reinforce:
                yield SystemCommand(
                    f"Reinforce: {mode}",
                    f"{what} · now {settings.reinforce}; F5 toggles",
                    lambda m=mode: self.set_reinforce(m),
                )
        model = self.ponder.provider_state.model or self.ponder.session.model or "none"
        yield SystemCommand(
            # The palette reads help as markup: a typed model name must stay text.
            "Set model",
            f"F2 · the model name; now {escape(safe_text(model))}",
            self.action_model,
        )
        yield SystemCommand(
            "Set provider", "F3 · anthropic, openai, a preset, or a base URL", self.action_provider
        )
        yield SystemCommand(
            "Set budget", "F4 · the step budget (dcot) and max steps", self.action_budget
        )
        yield SystemCommand(
            "Open stored run", "Ctrl+O · show a stored run, read-only", self.action_open_run
        )
        yield SystemCommand(
            "Solve a stored problem",
            "F6 · pick a dataset, search its problems, solve one (gradable)",
            self.action_pick_problem,
        )
        if self.last_answer:
            yield SystemCommand(
                "Copy answer", "F8 (or F7 a) · the final answer", self.action_copy_answer
            )
        if self.view is not None:
            yield SystemCommand(
                "Copy…", "F7 · the answer, a step, the transcript or the run id", self.action_copy
            )
            if self.view.blocks:
                yield SystemCommand(
                    "Copy step",
                    "F7 s · the step whose header has the focus, else the one picked, else the last",
                    self.action_copy_step,
                )
            yield SystemCommand(
                "Copy transcript",
                "F7 t · the whole run as Markdown, LaTeX as written",
                self.action_copy_transcript,
            )
            if self.view.run_id is not None:
                yield SystemCommand(
                    "Copy run id", "F7 i · for ponder show ID", self.action_copy_run_id
                )
        yield SystemCommand(
            "Toggle raw math", "F9 · readable math or raw LaTeX", self.action_toggle_math
        )

    # -- navigation ----------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Typing while the transcript or the step list has the focus goes to the prompt box
        (space and Enter stay with a step header: they fold it)."""
        focused = self.focused
        char = event.character
        if (
            char is None
            or not event.is_printable
            or char.isspace()
            or not isinstance(focused, StepHeader | StepList | VerticalScroll)
        ):
            return
        event.stop()
        event.prevent_default()
        box = self.query_one(PromptBox)
        box.focus()
        box.insert(char)

    @on(StepList.Jump)
    def _jump(self, event: StepList.Jump) -> None:
        if self.view is None:
            return
        block = self.view.block(event.index)
        if block is not None:
            chat = self.query_one("#chat", VerticalScroll)
            chat.scroll_to_widget(block, top=True, animate=False)


def _unanchor(chat: VerticalScroll) -> None:
    """Stop following the end; an anchored scroll offset left above the top (Textual anchors
    short content below a blank gap) goes back to the top."""
    chat.anchor(False)
    if chat.scroll_y < 0:
        chat.scroll_to(y=0, animate=False, immediate=True)


def _anchor_if_overflowing(chat: VerticalScroll) -> None:
    if chat.max_scroll_y > 0:
        chat.anchor()


def _provider_names() -> list[str]:
    """The provider kinds and presets a user can name (the config's own presets included)."""
    from reasoning.providers.config import BUILTIN_PRESETS, load_config

    try:
        names = list(load_config().presets)
    except Exception:  # a broken config file is reported when a provider is resolved
        names = list(BUILTIN_PRESETS)
    return [safe_text(n) for n in names]


def _no_provider(problem: str) -> str:
    """A provider problem as a TUI user can act on it, in one line: F3, not command-line flags."""
    text = problem.replace(
        "choose one with --provider NAME / --base-url URL",
        "press F3 to pick one (kept for next time; or a `default` in the config file:"
        " ponder config init)",
    )
    if text.lower().startswith("no provider"):
        return text[:1].upper() + text[1:] + "."
    return f"No provider: {text}"


def _host(url: str | None) -> str | None:
    """host[:port] of a base URL (no credentials, no path), for the status line."""
    from urllib.parse import urlsplit

    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return parts.hostname + (f":{port}" if port else "")


def endpoint_text(spec: Any) -> str:
    """Where a provider's calls go, fit to show: its base URL, or its SDK's own."""
    from reasoning.providers.errors import public_url

    if spec is None:
        return "none (no provider)"
    if spec.base_url:
        return f"{spec.name} at {public_url(spec.base_url)}"
    default = {"anthropic": "api.anthropic.com", "openai": "api.openai.com"}.get(spec.kind, "")
    return f"{spec.name} at {default} (the SDK's default)"


def _meta(
    paradigm: str,
    provider: str | None,
    model: str | None,
    run_id: int | None,
    problem: str | None = None,
) -> str:
    parts = [paradigm, f"{provider or '?'} · {model or '?'}"]
    if run_id is not None:
        parts.insert(0, f"run #{run_id}")
    if problem:
        parts.append(problem)
    return safe_text("  ·  ".join(parts))


def _known_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The stored parameters that RunSettings still knows (older runs may differ)."""
    from dataclasses import fields

    names = {f.name for f in fields(RunSettings)}
    return {k: v for k, v in (params or {}).items() if k in names}
