"""The Bench screen: a dataset across paradigms and models, a progress bar per configuration, and
the score matrix (with technique vs without) filling in live, from this app or another process."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from ponder.common import MAX_ATTEMPTS
from ponder.score_text import ci_text, comparison_notes, diff_text, p_text
from ponder.text import safe_text
from reasoning.events import ARMS, REINFORCE_MODES
from store.benchq import (
    BenchStatus,
    ConfigProgress,
    bench_dataset,
    bench_progress,
    bench_status,
    latest_bench,
    running_bench,
)
from store.queries import problem_count
from store.writer import DbWriter
from tui.screens.fast_mount import mark_styles_current
from tui.widgets.bands import format_cost, format_elapsed, format_tokens
from tui.widgets.bench_progress import ConfigBar
from tui.widgets.calm_footer import CalmFooter
from tui.widgets.check_list import CheckList
from tui.widgets.run_cells import one_line

if TYPE_CHECKING:
    import sqlite_utils

    from graders.scoring.stats import Paired
    from graders.scoring.tables import ComparisonRow, ScoreRow
    from tui.app import PonderApp
    from workbench.bench import BenchProgress, BenchSummary
    from workbench.bench.plan import BenchPlan

T = TypeVar("T")
POLL_S = 0.5  # the store is read this often while the screen is on show
BATCH_SIZE = 1000  # the form's batch mode: calls a batch (ponder bench --batch's default)
STOP_WAIT_S = 10.0  # on quit, how long the runs in flight get to be recorded as cancelled
PARADIGM_CHOICES = (
    ("dcot: dynamic CoT + reflection + reward", "dcot", True),
    ("g1: one JSON step per call", "g1", False),
    ("direct: no technique (baseline)", "direct", True),
)


@dataclass(frozen=True)
class Knob:
    """A run setting of the form, as `ponder bench` has it: the field's name, its label, the
    RunSettings field (or BenchPlan's) it sets, what empty means when no setting says."""

    name: str
    label: str
    setting: str
    default: str = ""
    decimal: bool = False
    most: float | None = None

    def check(self, raw: str) -> str | None:
        """What is wrong with a typed value, in one line; None when it is fine."""
        try:
            value = float(raw) if self.decimal else int(raw)
        except ValueError:
            value = -1
        if not value > 0:
            kind = "a positive amount" if self.decimal else "a whole number ≥ 1"
            return f"{self.label} must be {kind}."
        if self.most is not None and value > self.most:
            return f"{self.label} must be at most {self.most:g}."
        return None


KNOBS = (
    Knob("max-tokens", "Max tokens", "max_tokens"),  # per call
    Knob("budget", "Budget", "budget"),  # dcot's steps
    Knob("attempts", "Attempts", "attempts", "1", most=MAX_ATTEMPTS),
    Knob("max-cost", "Max cost $", "max_cost", "no cap", decimal=True),
    Knob("reinforce", "Reinforce", "reinforce"),
    Knob("min-steps", "g1 min steps", "min_steps"),
)
KNOB_PAIRS = (KNOBS[0:2], KNOBS[2:4], KNOBS[4:6])
# dcot's reinforcement as `ponder bench --reinforce` takes it (repeatable: both arms).
REINFORCE_CHOICES: dict[str, tuple[str, ...]] = {
    **{mode: (mode,) for mode in REINFORCE_MODES},
    "both": REINFORCE_MODES,
}


MATRIX_ORDER = ARMS  # without the technique first
TIGHT_BELOW = 160  # columns: below, each bar's label gets a line of its own

# States in which this screen's own bench worker is alive.
LIVE = ("running", "holding")


@dataclass(frozen=True)
class Watched:
    """The bench on show: its id, dataset, and how many problems each configuration has."""

    bench_id: str
    dataset: str | None
    expected: int  # problems per configuration (0: unknown, use what the runs show)
    own: bool  # started from this screen


def _bench_scores(
    db: sqlite_utils.Database, watched: Watched, configs: list[ConfigProgress]
) -> list[ComparisonRow]:
    """The watched bench's scores, counted by graders.scoring.counted's rule with this bench (`ponder
    scores DATASET --bench ID` shows the same), a row per model it ran."""
    from graders.scoring.counted import Rule
    from workbench.scores import comparison

    if not watched.dataset:
        return []
    models = {c.model for c in configs}
    rows = comparison(db, watched.dataset, rule=Rule(bench=watched.bench_id))
    return [r for r in rows if r.model in models]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def score_cell(row: ScoreRow | None) -> Text:
    """ "18.5/28 · 66%", with the graded count when some runs are not graded yet."""
    if row is None:
        return Text("–", style="dim")
    cell = Text(f"{row.total} · {_pct(row.mean)}")
    waiting = row.n - row.graded - row.failed
    if waiting:
        cell.append(f" ({row.graded}/{row.n} graded)", style="dim")
    if row.no_protocol:
        cell.append(f" · protocol followed in {row.protocol_followed} of {row.done}", style="dim")
    return cell


def _numbers(p: Paired) -> str:
    """ "+0.12 [0.03, 0.21]": the mean paired difference and its 95 % interval (if any)."""
    text = diff_text(p.mean_diff)
    return text if p.ci95 is None else f"{text} {ci_text(p.ci95)}"


def _p(p: Paired) -> str:
    if p.p_value is None:
        return ""
    return "p < 0.001" if p.p_value < 0.001 else f"p={p_text(p.p_value)}"


def delta_cell(p: Paired | None) -> Text:
    """The technique's paired difference with its interval; coloured only when detectable."""
    if p is None or p.n == 0 or p.mean_diff is None:
        return Text("–", style="dim")
    style = ""
    if p.detectable:
        style = "green" if p.mean_diff > 0 else "red"
    return Text(_numbers(p), style=style)


def verdict_line(
    model: str, technique: str, p: Paired | None, failed: int = 0, notes: Iterable[str] = ()
) -> str | None:
    """In plain words, what the technique did for this model (None: it was not run beside
    direct). The interval including 0 reads as no detectable difference. `failed`: runs of
    either side that failed, each scored 0 in it (said, so that a provider's outage is not
    read as the technique's result). `notes`: what scoring adds (paired on k of n, provisional
    while grades are pending, a protocol the model did not follow)."""
    if p is None:
        return None
    who = f"{one_line(model, 40)} · {technique}"
    if p.n == 0 or p.mean_diff is None:
        return f"{who}: no problem scored both with and without it yet"
    problems = f"{p.n} problem" + ("s" if p.n != 1 else "")
    numbers = ", ".join(x for x in (_numbers(p), _p(p)) if x)
    if p.detectable:
        better = "better" if p.mean_diff > 0 else "worse"
        line = f"{who} {better} by {numbers} on {problems}"
    else:
        line = f"{who}: no detectable difference on {problems} (Δ {numbers})"
    if failed:
        line += f"; {failed} failed run" + ("s" if failed != 1 else "") + " scored 0"
    return "; ".join([line, *notes])


def matrix_columns(
    paradigms: Iterable[str], *, narrow: bool = False, short_labels: bool = False
) -> list[tuple[str, str]]:
    """(label, key) of the score matrix's columns: the paradigms the bench ran, and (when there
    is room) each technique's paired difference beside direct (the verdicts say it anyway)."""
    present = [p for p in MATRIX_ORDER if p in set(paradigms)]
    columns = [("model", "model")]
    for p in present:
        with_or_not = "without" if p == "direct" else "with"
        columns.append((p if short_labels else f"{p} ({with_or_not})", p))
    if not narrow and "direct" in present:
        columns += [(f"Δ {t} (95% CI)", f"delta_{t}") for t in present if t != "direct"]
    return columns


def matrix_rows(
    rows: Iterable[ComparisonRow], columns: list[tuple[str, str]], model_width: int = 30
) -> list[list[Text]]:
    """One line per model: its cell under each paradigm, and each technique's difference."""
    out = []
    for r in rows:
        cells = []
        for _, key in columns:
            if key == "model":
                cells.append(Text(one_line(r.model, model_width)))
            elif key.startswith("delta_"):
                cells.append(delta_cell(r.paired(key.removeprefix("delta_"))))
            else:
                cells.append(score_cell(r.row(key)))
        out.append(cells)
    return out


def verdict_lines(rows: Iterable[ComparisonRow], paradigms: Iterable[str]) -> list[str]:
    present = set(paradigms)
    lines = []
    for r in rows:
        for technique in MATRIX_ORDER[1:]:
            if technique in present and "direct" in present:
                failed = sum(row.failed for row in (r.row("direct"), r.row(technique)) if row)
                notes = comparison_notes(r, technique)
                line = verdict_line(r.model, technique, r.paired(technique), failed, notes)
                if line is not None:
                    lines.append(line)
    return lines


class BenchScreen(Screen[None]):
    """Start, pause (nothing new starts, runs in flight finish) and resume a bench; watch any."""

    AUTO_FOCUS = None  # on_mount focuses the dataset without scrolling the form (80x24)
    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "pause", "Pause"),
        Binding("f7", "resume", "Resume"),
        Binding("f8", "export", "Export"),
    ]
    DEFAULT_CSS = """
    BenchScreen #bench-main { height: 1fr; }
    BenchScreen #bench-config {
        width: 46;
        height: 1fr;
        padding: 0 1;
        background: $boost;
        border-right: vkey $panel;
    }
    BenchScreen.-narrow #bench-config { width: 36; }
    BenchScreen.-tight ConfigBar .config-title { display: block; }
    BenchScreen.-tight ConfigBar .config-label { display: none; }
    BenchScreen .field-label { color: $text-accent; text-style: bold; margin-top: 1; }
    BenchScreen.-short .field-label { margin-top: 0; }
    BenchScreen.-short #bench-paradigms { height: 3; border-top: none; border-bottom: none; }
    BenchScreen.-short #bench-buttons { margin-top: 0; }
    BenchScreen #bench-paradigms { height: 5; }
    BenchScreen .bench-numbers { height: auto; }
    BenchScreen .knob-label { color: $text-muted; }
    BenchScreen #bench-each-run-row { height: auto; }
    BenchScreen #bench-batch { margin-top: 1; margin-left: 2; }
    BenchScreen.-short #bench-batch { margin-top: 0; }
    BenchScreen .bench-numbers Vertical { height: auto; }
    BenchScreen #bench-buttons { height: 3; margin-top: 1; }
    BenchScreen #bench-buttons Button { min-width: 10; margin-right: 1; }
    BenchScreen #bench-live { width: 1fr; height: 1fr; padding: 0 1; }
    BenchScreen #bench-head { height: auto; text-style: bold; }
    BenchScreen #bench-totals { height: auto; color: $text-muted; }
    BenchScreen #bench-configs { height: auto; max-height: 16; margin-top: 1; }
    BenchScreen #matrix-title { margin-top: 1; color: $text-accent; text-style: bold; }
    BenchScreen #bench-matrix { height: auto; max-height: 12; }
    BenchScreen #bench-verdicts { height: auto; }
    BenchScreen #bench-log { height: 1fr; margin-top: 1; color: $text-muted; }
    BenchScreen.-short #bench-configs { max-height: 8; margin-top: 0; }
    BenchScreen.-short #matrix-title { margin-top: 0; }
    BenchScreen.-short #bench-matrix { max-height: 6; }
    BenchScreen.-short #bench-log { margin-top: 0; }
    """

    def __init__(self) -> None:
        super().__init__(id="bench")
        mark_styles_current(self)
        # idle | running | holding (paused, the bench worker alive) | paused (stopped with runs
        # left: Resume goes on) | done | failed (ended with no run done)
        self.state = "idle"
        self.watched: Watched | None = None
        self._progress: BenchProgress | None = None  # the bench's latest snapshot
        self._notes: collections.deque[str] = collections.deque(maxlen=200)
        self._stop: asyncio.Event | None = None  # set: the bench ends, runs in flight cancelled
        self._pause: asyncio.Event | None = None  # set: nothing new starts
        self._signature: tuple[Any, ...] | None = None
        self._default_model: str | None = None
        self._plan_run: BenchPlan | None = None  # the plan running now
        self._closing = False
        self._bench_done = asyncio.Event()
        self._bench_done.set()
        # The polls' reads run in a thread of their own, on its own connection: the loop that
        # runs the bench and the keys never waits on them. One poll at a time.
        self._reader: DbWriter | None = None
        self._polling: asyncio.Task[None] | None = None
        self._poll_again = False
        self._sizes: dict[str, int] = {}  # problems per dataset, read once
        self._reinforce_touched = False  # the form's reinforcement, once the user picks one
        self._transient = False  # the log's last line says what is under way ("Starting…")

    @property
    def ponder(self) -> PonderApp:
        return self.app  # type: ignore[return-value]

    @property
    def db(self) -> sqlite_utils.Database | None:
        return self.ponder.db

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="bench-main"):
            with VerticalScroll(id="bench-config"):  # scrolls on a short terminal
                yield Label("Dataset", classes="field-label")
                yield Select[str]([], prompt="choose a dataset", id="bench-dataset")
                yield Label("Paradigms", classes="field-label")
                yield CheckList(
                    *(
                        Selection(Content(label), value, on)
                        for label, value, on in PARADIGM_CHOICES
                    ),
                    id="bench-paradigms",
                )
                yield Label("Models (comma separated)", classes="field-label")
                yield Input(placeholder="the current model", id="bench-models")
                yield Label("Judge model (marks proofs)", classes="field-label")
                yield Input(placeholder="none: proofs wait for a human", id="bench-judge")
                with Horizontal(classes="bench-numbers"):
                    with Vertical():
                        yield Label("Limit", classes="field-label")
                        yield Input(placeholder="all", type="integer", id="bench-limit")
                    with Vertical():
                        yield Label("Concurrency", classes="field-label")
                        yield Input("4", type="integer", id="bench-concurrency")
                with Horizontal(id="bench-buttons"):
                    yield Button("Start", variant="primary", id="start")
                    yield Button("Pause", id="pause")
                    yield Button("Resume", id="resume")
                # Below Start (in view at 80x24), the command line's knobs (ponder bench
                # --max-tokens …): empty is what the placeholder names, the Solve screen's
                # setting (F4, F5).
                with Horizontal(id="bench-each-run-row"):
                    yield Label("Each run", classes="field-label", id="bench-each-run")
                    # Batch mode (ponder bench --batch): the bench's calls through the batch APIs.
                    yield Checkbox("Batch API (½ price)", id="bench-batch", compact=True)
                for pair in KNOB_PAIRS:
                    with Horizontal(classes="bench-numbers"):
                        for knob in pair:
                            with Vertical():
                                yield Label(knob.label, classes="knob-label")
                                if knob.name == "reinforce":
                                    yield Select[str](
                                        [(label, label) for label in REINFORCE_CHOICES],
                                        allow_blank=False,
                                        id="bench-reinforce",
                                    )
                                else:
                                    yield Input(
                                        type="number" if knob.decimal else "integer",
                                        id=f"bench-{knob.name}",
                                    )
            with Vertical(id="bench-live"):
                yield Static("", id="bench-head", markup=False)
                yield Static("", id="bench-totals", markup=False)
                yield VerticalScroll(id="bench-configs")
                yield Label("Scores", id="matrix-title", markup=False)
                yield DataTable(id="bench-matrix", cursor_type="none", zebra_stripes=True)
                yield Static("", id="bench-verdicts", markup=False)
                yield Static("", id="bench-log", markup=False)
        yield CalmFooter()

    def datasets_changed(self) -> None:
        """A dataset was imported: offer it."""
        self._fill_datasets()

    def on_mount(self) -> None:
        self.set_class(self.app.size.width < TIGHT_BELOW, "-tight")  # right from the first paint
        # Focus scrolled a short form down by its first lines (Textual centres a focused widget
        # it measures before the layout): the dataset is at the top and in view anyway.
        self.query_one("#bench-dataset", Select).focus(scroll_visible=False)
        self._fill_datasets()
        self.watch(self.app, "provider_state", self._on_provider, init=True)
        self.watch(self.app, "session", self._show_defaults, init=True)
        db = self.db
        bench_id = latest_bench(db) if db is not None else None
        if bench_id is not None:
            assert db is not None
            self._watch_bench(bench_id, own=False, dataset=bench_dataset(db, bench_id))
            if self.watched is not None and self.watched.dataset is not None:
                # The form starts from the bench on show, so Resume continues it.
                with contextlib.suppress(Exception):
                    self.query_one("#bench-dataset", Select).value = self.watched.dataset
        self._update_buttons()
        self.set_interval(POLL_S, self.poll)
        self.poll()

    def _fill_datasets(self) -> None:
        db = self.db
        if db is None:
            return
        from store.problems import list_datasets
        from workbench.bench.plan import known_datasets

        try:
            known_datasets(db)  # loads the bundled sets, so they can be picked
            datasets = list_datasets(db)
        except Exception as exc:
            self.notify(safe_text(f"Cannot list datasets: {exc}"), severity="error", markup=False)
            return
        select = self.query_one("#bench-dataset", Select)
        select.set_options(
            (Content(f"{safe_text(d['name'])}  ({d['problems']})"), d["name"]) for d in datasets
        )

    def _on_provider(self, *_: object) -> None:
        """Keep the models field on the current model until the user types their own."""
        state = self.ponder.provider_state
        model = safe_text(state.model or self.ponder.session.model or "") or None
        field = self.query_one("#bench-models", Input)
        if model and field.value.strip() in ("", self._default_model or ""):
            field.value = model
        self._default_model = model

    # -- reading the form ----------------------------------------------------------------

    def _plan(self, *, resume: bool) -> BenchPlan | None:
        """The plan from the form, or None (with a notification saying what is missing)."""
        from workbench.bench.plan import BenchPlan, arms

        dataset = self.query_one("#bench-dataset", Select).selection
        if not dataset:
            self.notify("Choose a dataset first.", severity="warning")
            return None
        paradigms = tuple(self.query_one("#bench-paradigms", SelectionList).selected)
        if not paradigms:
            self.notify("Choose at least one paradigm.", severity="warning")
            return None
        text = self.query_one("#bench-models", Input).value
        models = tuple(dict.fromkeys(m.strip() for m in text.split(",") if m.strip()))
        numbers: dict[str, int | None] = {}
        for name, default in (("limit", None), ("concurrency", 4)):
            raw = self.query_one(f"#bench-{name}", Input).value.strip()
            if not raw:
                numbers[name] = default
            elif raw.isdigit() and int(raw) >= 1:
                numbers[name] = int(raw)
            else:
                self.notify(f"{name.capitalize()} must be a whole number ≥ 1.", severity="warning")
                return None
        session = self.ponder.session
        knobs = self._knobs()
        if knobs is None:
            return None
        judge = self.query_one("#bench-judge", Input).value.strip() or None
        attempts = knobs.pop("attempts", None)
        max_cost = knobs.pop("max_cost", None)
        # dcot runs once per reinforcement picked: "dcot" and/or the arm "dcot+guided".
        modes = REINFORCE_CHOICES[str(knobs.pop("reinforce"))]
        return BenchPlan(
            dataset=str(dataset),
            paradigms=arms(paradigms, modes),
            models=models,
            provider=session.provider,
            base_url=session.base_url,
            concurrency=numbers["concurrency"] or 4,
            limit=numbers["limit"],
            attempts=int(attempts or 1),
            resume=resume,
            max_cost=None if max_cost is None else float(max_cost),
            settings=replace(session.settings, **knobs),
            judge=judge,
            batch=BATCH_SIZE if self.query_one("#bench-batch", Checkbox).value else None,
        )

    def _knobs(self) -> dict[str, Any] | None:
        """The run settings the form sets (those left empty are not in it), or None with a
        notification naming the one that is wrong."""
        values: dict[str, Any] = {
            "reinforce": self.query_one("#bench-reinforce", Select).value,
        }
        for knob in KNOBS:
            if knob.name == "reinforce":
                continue
            raw = self.query_one(f"#bench-{knob.name}", Input).value.strip()
            if not raw:
                continue
            problem = knob.check(raw)
            if problem:
                self.notify(problem, severity="warning")
                return None
            values[knob.setting] = float(raw) if knob.decimal else int(raw)
        return values

    @on(Select.Changed, "#bench-reinforce")
    def _reinforce_picked(self) -> None:
        self._reinforce_touched = True

    def _show_defaults(self, *_: object) -> None:
        """Each knob's placeholder names what an empty field means: the Solve screen's
        setting (budget, reinforcement…) or the command line's default."""
        settings = self.ponder.session.settings
        for knob in KNOBS:
            if knob.name == "reinforce":
                select = self.query_one("#bench-reinforce", Select)
                if not self._reinforce_touched:
                    with select.prevent(Select.Changed):
                        select.value = settings.reinforce  # "self" or "guided": a choice
                continue
            default = getattr(settings, knob.setting, None) if knob.setting else None
            shown = knob.default if default is None else str(default)
            self.query_one(f"#bench-{knob.name}", Input).placeholder = shown

    # -- running -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        busy = self.state == "running"
        if action == "start":
            return None if busy or self.state == "holding" else True
        if action == "resume":
            return None if busy else True
        if action == "pause":
            return True if self.state == "running" else None
        return True

    def _update_buttons(self) -> None:
        busy = self.state == "running"
        self.query_one("#start", Button).disabled = busy or self.state == "holding"
        self.query_one("#resume", Button).disabled = busy
        self.query_one("#pause", Button).disabled = self.state != "running"
        self.refresh_bindings()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"start": self.action_start, "pause": self.action_pause, "resume": self.action_resume}[
            event.button.id or "start"
        ]()

    def action_start(self) -> None:
        self._begin(resume=False)

    def action_resume(self) -> None:
        if self.state == "holding" and self._set_pause(False):
            self.state = "running"
            self._update_buttons()
            self._log("Resumed.")
            return
        self._begin(resume=True)

    def _begin(self, *, resume: bool) -> None:
        if self.state in LIVE or self.db is None:  # holding: the worker is alive
            return
        plan = self._plan(resume=resume)
        if plan is None:
            return
        self.state = "running"
        self._progress = None
        self._plan_run = plan
        self._bench_done.clear()
        self._stop, self._pause = asyncio.Event(), asyncio.Event()
        self._update_buttons()
        self._log("Resuming…" if resume else "Starting…", transient=True)
        self._run(plan)

    @work(exclusive=True, group="bench", exit_on_error=False)
    async def _run(self, plan: BenchPlan) -> None:
        # On the app's loop, beside the UI: the calls stream here, the bench's writes go to its
        # writer thread and grading to its own (the loop never waits on SQLite); progress is
        # read from the store by `poll`. Pause and stop are plain events on this loop.
        from workbench.bench import run_bench
        from workbench.bench.plan import BenchError

        db = self.db
        assert db is not None
        summary: BenchSummary | None = None
        error: str | None = None
        stop, pause = self._stop, self._pause
        try:
            summary = await run_bench(db, plan, self._on_progress, stop=stop, pause=pause)
        except BenchError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in the runner: say so, keep the app
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self._stop = self._pause = None
            self._bench_done.set()
        if not self._closing:
            self._ended(summary, error)

    def _on_progress(self, progress: BenchProgress) -> None:
        """From the bench: keep the latest snapshot; `poll` shows it."""
        self._progress = progress
        if progress.note:
            self._note(progress.note)

    def action_pause(self) -> None:
        """Start nothing new; the runs in flight finish. Resume goes on from there."""
        if self.state != "running" or not self._set_pause(True):
            return
        self.state = "holding"
        self._update_buttons()
        self._log("Paused: the runs in flight finish, nothing new starts. Resume (F7) goes on.")

    def _set_pause(self, paused: bool) -> bool:
        if self._pause is None:
            return False
        if paused:
            self._pause.set()
        else:
            self._pause.clear()
        return True

    async def on_unmount(self) -> None:
        # The app is closing: end the bench cleanly, the runs in flight recorded as cancelled
        # before the app goes (else they would stay `running` until the next start found them).
        # This runs before Textual cancels the screen's workers, which would do the same.
        self._closing = True
        if self._stop is not None:
            self._stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._bench_done.wait(), STOP_WAIT_S)
        if self._polling is not None:
            self._polling.cancel()
        if self._reader is not None:
            await self._reader.aclose()  # a read under way ends first

    def _ended(self, summary: BenchSummary | None, error: str | None) -> None:
        if error is not None:
            self.state = "idle"
            self.notify(safe_text(error), severity="error", markup=False, timeout=10)
            self._log(f"Could not run: {error}")
        elif summary is not None:
            # A bench quicker than one poll was never watched while it ran.
            plan = self._plan_run
            size = self._dataset_size(summary.dataset)
            expected = min(size, plan.limit) if plan is not None and plan.limit else size
            self._watch_bench(
                summary.bench_id, own=True, expected=expected, dataset=summary.dataset
            )
            if summary.stopped == "cancelled":
                self.state = "paused"
            elif summary.failed and not summary.done:
                self.state = "failed"  # not "done": no run of it can be scored
            else:
                self.state = "done"
            word = {"paused": "Paused", "failed": "Every run failed"}.get(self.state, "Finished")
            line = (
                f"{word}: {summary.done} done, {summary.failed} failed,"
                f" {summary.cancelled} cancelled"
            )
            if summary.not_started:
                line += f", {summary.not_started} not started"
            if summary.left_out:
                line += f" ({summary.left_out[0]})"
            self._log(line)
            if self.state == "failed":
                self.notify(safe_text(line), severity="error", markup=False, timeout=10)
            else:
                self.notify(safe_text(line), markup=False, timeout=6)
        self._update_buttons()
        self.poll()

    # -- watching ------------------------------------------------------------------------

    def _watch_bench(
        self, bench_id: str, *, own: bool, expected: int = 0, dataset: str | None = None
    ) -> None:
        """Show this bench; our own bench's dataset comes with it (else `_poll` reads it from
        the bench's runs, once they are written)."""
        watched = self.watched
        if watched is not None and watched.bench_id == bench_id:
            if own and not watched.own:
                self.watched = Watched(bench_id, dataset or watched.dataset, expected, True)
                self._signature = None
            return
        self.watched = Watched(bench_id, dataset, expected, own)
        self._signature = None
        configs = self.query_one("#bench-configs", VerticalScroll)
        configs.remove_children()

    def poll(self) -> None:
        """Read the watched bench from the store (in the reader thread), then show it: bars,
        totals, and (when they changed) scores. A poll asked for during one runs after it."""
        if self.db is None or not self.is_attached or self._closing:
            return
        if self._polling is not None:
            self._poll_again = True
            return
        self._polling = asyncio.create_task(self._poll_loop())

    async def polled(self) -> None:
        """Wait for the poll under way (and the one asked for during it) to be shown."""
        while self._polling is not None:
            await asyncio.shield(self._polling)

    async def _poll_loop(self) -> None:
        try:
            while True:
                self._poll_again = False
                try:
                    await self._poll()
                except Exception as exc:  # a locked or damaged store: say so, keep polling
                    line = f"Cannot read the bench: {type(exc).__name__}: {exc}"
                    if self.is_attached and (not self._notes or self._notes[-1] != line):
                        self._log(line)
                if not self._poll_again or self._closing or not self.is_attached:
                    return
        finally:
            self._polling = None

    async def _read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._reader is None:
            assert self.db is not None
            self._reader = DbWriter(self.db, name="ponder-bench-reader")  # reads only
        return await self._reader.call(fn, *args, **kwargs)

    async def _poll(self) -> None:
        progress = self._progress
        if self.state in LIVE and progress is not None:
            await self._size_of(progress.dataset)
            self._watch_bench(
                progress.bench_id,
                own=True,
                expected=self._expected(progress),
                dataset=progress.dataset,
            )
        elif self.state not in LIVE:
            other = await self._read(running_bench)  # a bench running in another process
            if other is not None and self.state not in LIVE:
                self._watch_bench(other, own=False)
        watched = self.watched
        if watched is not None and watched.dataset is None:
            # Watched before its first run was written (a poll right after the start): the
            # scores need the dataset, so look again until its runs say.
            dataset = await self._read(bench_dataset, watched.bench_id)
            if dataset is not None and self.watched == watched:
                self.watched = watched = replace(watched, dataset=dataset)
                self._signature = None
        if watched is None:
            self.query_one("#bench-head", Static).update(
                Content("No bench yet: choose a dataset, paradigms and models, then Start (F5).")
            )
            return
        configs = await self._read(bench_progress, watched.bench_id)
        status = await self._read(bench_status, watched.bench_id)
        batches = await self._read(_batches_of, watched.bench_id)
        signature = tuple((c.model, c.paradigm, c.done, c.failed, c.graded) for c in configs)
        rows: list[ComparisonRow] | None = None
        if signature != self._signature:
            rows = await self._read(_bench_scores, watched, configs)
        if self.watched != watched or not self.is_attached:
            return  # another bench came on show meanwhile: the next poll reads that one
        if watched.dataset is not None and not watched.expected:
            await self._size_of(watched.dataset)
        self._show_bars(watched, configs)
        self._show_head(watched, configs, status, self._progress if watched.own else None, batches)
        if rows is not None:
            self._signature = signature
            self._show_matrix(configs, rows)
        self._show_log()

    async def _size_of(self, dataset: str | None) -> None:
        if dataset is not None and dataset not in self._sizes:
            self._sizes[dataset] = await self._read(problem_count, dataset)

    def _expected(self, progress: BenchProgress) -> int:
        """Problems per configuration of our own bench: the dataset, cut to the plan's limit."""
        problems = self._dataset_size(progress.dataset)
        limit = self._plan_run.limit if self._plan_run is not None else None
        return min(problems, limit) if limit else problems

    def _show_bars(self, watched: Watched, configs: list[ConfigProgress]) -> None:
        box = self.query_one("#bench-configs", VerticalScroll)
        bars = {(b.model, b.paradigm): b for b in box.query(ConfigBar)}
        live = any(c.running for c in configs) or self.state in LIVE
        for c in configs:
            bar = bars.get((c.model, c.paradigm))
            if bar is None:
                bar = ConfigBar(c.model, c.paradigm)
                box.mount(bar)
                bars[(c.model, c.paradigm)] = bar
            expected = watched.expected or (self._dataset_size(watched.dataset) if live else 0)
            if bar.is_mounted:
                bar.show(c, expected)
            else:
                bar.call_after_refresh(bar.show, c, expected)

    def _dataset_size(self, dataset: str | None) -> int:
        """Problems in the dataset, as read by a poll (or now, once, if none has yet)."""
        db = self.db
        if db is None or dataset is None:
            return 0
        if dataset not in self._sizes:
            self._sizes[dataset] = problem_count(db, dataset)
        return self._sizes[dataset]

    def _show_head(
        self,
        watched: Watched,
        configs: list[ConfigProgress],
        status: BenchStatus | None,
        progress: BenchProgress | None,
        batches: list[dict[str, Any]] | None = None,
    ) -> None:
        where = "this screen" if watched.own else "the store"
        running = any(c.running for c in configs)
        state = self.state if watched.own else ("running" if running else "ended")
        head = f"Bench {watched.bench_id} · {watched.dataset or '?'} · {state} (from {where})"
        if progress is not None:
            head += f" · elapsed {format_elapsed(progress.elapsed_s)}"
            if progress.eta_s is not None and self.state == "running":
                head += f" · ETA {format_elapsed(progress.eta_s)}"
            if progress.paused_s > 0:
                head += f" · rate-limited: waiting {progress.paused_s:.0f} s"
        self.query_one("#bench-head", Static).update(Content(safe_text(head)))
        parts = []
        if status is not None:
            counts = [
                f"{n} {what}"
                for n, what in (
                    (status.done, "done"),
                    (status.failed, "failed"),
                    (status.running, "running"),
                    (status.stopped, "stopped"),
                )
                if n
            ]
            parts += [
                f"{status.runs} runs: {', '.join(counts) or 'none yet'}",
            ]
            # While calls stream, their text so far is counted too, marked ≈ until they end
            # with the provider's figures.
            extra_tokens = progress.in_flight_tokens if progress is not None else 0
            extra_cost = progress.in_flight_cost if progress is not None else 0.0
            about = "≈" if extra_tokens else ""
            cost = None if status.cost_usd is None else status.cost_usd + extra_cost
            parts += [
                f"tokens {about}{format_tokens(status.tokens + extra_tokens)}",
                f"cost {about}{format_cost(cost)}",
            ]
            if status.started_at:
                parts.append(f"started {status.started_at[:16].replace('T', ' ')}")
        if batches:
            parts.append(batches_text(batches))
        self.query_one("#bench-totals", Static).update(Content(safe_text(" · ".join(parts))))

    def on_resize(self) -> None:
        # Below 160 columns the bars put their label on a line of its own, and the matrix's
        # columns narrow (redrawn on the next poll).
        self.set_class(self.size.width < TIGHT_BELOW, "-tight")
        self._signature = None

    def _show_matrix(self, configs: list[ConfigProgress], rows: list[ComparisonRow]) -> None:
        """The bench's own runs (see `_bench_scores`), direct beside the techniques, paired
        over problems."""
        paradigms = {c.paradigm for c in configs}
        self.query_one("#matrix-title", Label).update(Content("Scores of this bench's runs"))
        matrix = self.query_one("#bench-matrix", DataTable)
        narrow = self.has_class("-narrow")
        tight = self.has_class("-tight")
        columns = matrix_columns(paradigms, narrow=narrow, short_labels=tight)
        # Columns too, every time: a DataTable keeps a column as wide as its widest cell ever,
        # so a long cell while the bench ran would leave a gap beside its final figure.
        matrix.clear(columns=True)
        for label, key in columns:
            matrix.add_column(Text(label), key=key)
        for cells in matrix_rows(rows, columns, 14 if narrow else 20 if tight else 30):
            matrix.add_row(*cells)
        verdicts = verdict_lines(rows, paradigms)
        self.query_one("#bench-verdicts", Static).update(Content("\n".join(verdicts)))

    def _log(self, line: str, *, transient: bool = False) -> None:
        self._note(line, transient=transient)
        self._show_log()

    def _note(self, line: str, *, transient: bool = False) -> None:
        """Add a line to the log; a transient one ("Starting…") gives way to the next."""
        if self._transient and self._notes:
            self._notes.pop()
        self._notes.append(line)
        self._transient = transient

    def _show_log(self) -> None:
        lines = [one_line(n, 200) for n in list(self._notes)[-8:]]
        self.query_one("#bench-log", Static).update(Content("\n".join(lines)))

    # -- export --------------------------------------------------------------------------

    def action_export(self) -> None:
        from tui.screens.export_csv import ask_and_export

        if self.db is None:
            return
        dataset = (self.watched.dataset if self.watched else None) or self.query_one(
            "#bench-dataset", Select
        ).selection
        ask_and_export(self, self.db, dataset, "scores", "scores")

    def system_commands(self) -> Iterable[SystemCommand]:
        """The Bench screen's commands for the palette."""
        if self.state not in LIVE:
            yield SystemCommand(
                "Start bench", "F5 · run the dataset with these settings", self.action_start
            )
        if self.state != "running":
            yield SystemCommand("Resume bench", "F7 · run what is not done yet", self.action_resume)
        if self.state == "running":
            yield SystemCommand(
                "Pause bench",
                "F6 · start nothing new; the runs in flight finish",
                self.action_pause,
            )
        yield SystemCommand("Export scores", "F8 · score table or runs as CSV", self.action_export)


def _batches_of(db: sqlite_utils.Database, bench_id: str) -> list[dict[str, Any]]:
    """A batched bench's provider batches (none for a live bench, or an older store)."""
    from store.batches import batch_states

    try:
        return batch_states(db, bench_id)
    except Exception:  # an older store opened read-only: no batches table
        return []


BATCH_WORDS = {
    "stored": "stored",
    "submitted": "in progress",
    "collected": "ended",
    "ended": "ended",
    "expired": "expired",
    "cancelled": "cancelled",
    "failed": "failed",
}


def batches_text(batches: list[dict[str, Any]]) -> str:
    """`batches: 2 in progress (1,000 requests, 400 done), 3 ended`: a batched bench's state."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for b in batches:
        groups.setdefault(BATCH_WORDS.get(b["state"], b["state"]), []).append(b)
    parts = []
    for word, group in groups.items():
        text = f"{len(group)} {word}"
        if word == "in progress":
            requests = sum(b["requests"] or 0 for b in group)
            done = sum(
                b["counts"].get("completed", 0)
                + b["counts"].get("succeeded", 0)
                + b["counts"].get("errored", 0)
                + b["counts"].get("failed", 0)
                for b in group
            )
            text += f" ({requests:,} requests, {done:,} done)"
        parts.append(text)
    return "batches: " + ", ".join(parts)
