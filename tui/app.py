"""The Ponder Textual app: shared state (database, settings, provider) and the screens as modes."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from reasoning.events import PARADIGMS, RunSettings
from tui.key_order import KeyOrder

if TYPE_CHECKING:
    import sqlite_utils

    from reasoning.providers.base import ProviderSpec


@dataclass(frozen=True)
class Session:
    """What the next run will use: the provider asked for, and the run settings."""

    provider: str | None = None  # a kind or preset name; None: the default provider
    model: str | None = None
    base_url: str | None = None
    settings: RunSettings = field(default_factory=RunSettings)


@dataclass(frozen=True)
class ProviderState:
    """The resolved provider, or why there is none (one line), or still resolving."""

    spec: ProviderSpec | None = None
    problem: str | None = None
    resolving: bool = True

    @property
    def name(self) -> str | None:
        return self.spec.name if self.spec else None

    @property
    def model(self) -> str | None:
        return self.spec.model if self.spec else None


@dataclass(frozen=True)
class Mode:
    """A top-level screen: its name, key, label and where its class lives."""

    name: str
    key: str
    label: str
    target: str  # "module:Class"

    def available(self) -> bool:
        module = self.target.partition(":")[0]
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False

    def factory(self) -> Callable[[], Screen[Any]]:
        def make() -> Screen[Any]:
            module, _, cls = self.target.partition(":")
            return getattr(importlib.import_module(module), cls)()  # type: ignore[no-any-return]

        return make


# The screens of SPEC §7. Those whose module does not exist yet are simply not offered.
SCREEN_MODES = (
    Mode("solve", "ctrl+s", "Solve", "tui.screens.solve:SolveScreen"),
    Mode("grade", "ctrl+g", "Grade", "tui.screens.grade:GradeScreen"),
    Mode("bench", "ctrl+b", "Bench", "tui.screens.bench:BenchScreen"),
    Mode("history", "ctrl+f", "History", "tui.screens.history:HistoryScreen"),
)


class PonderApp(App[int]):
    """Solve (and later Grade, Bench, History) over one database and one provider choice."""

    CSS_PATH = "ponder.tcss"
    TITLE = "Ponder"
    ENABLE_COMMAND_PALETTE = True
    # Screen classes for small terminals (80x24 must stay usable): see ponder.tcss.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        # Always in the Footer (CalmFooter keeps its room), beside the palette key.
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f10", "import_problems", "Import", show=False),
        # The Keys panel opens from the palette; Esc closes it (screens' own Esc do too).
        Binding("escape", "hide_help_panel", "Hide keys", show=False),
        *(
            Binding(m.key, f"switch_mode('{m.name}')", m.label, show=True, priority=True)
            for m in SCREEN_MODES
        ),
    ]

    session: var[Session] = var(Session, init=False)
    provider_state: var[ProviderState] = var(ProviderState, init=False)
    math: var[bool] = var(True, init=False)  # readable math; False shows raw LaTeX

    def __init__(
        self,
        *,
        db: sqlite_utils.Database | None = None,
        provider: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        settings: RunSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        provider_state: ProviderState | None = None,
        list_models: Callable[[ProviderSpec], Awaitable[list[str]]] | None = None,
        remember_picks: bool = False,
    ) -> None:
        """`provider_state` given: use it as is (tests); else resolve the provider on mount.
        `list_models`: how the model picker asks an endpoint (default: its models endpoint).
        `remember_picks`: a provider or model picked (F3, F2) is written to the config file's
        [last] table, for the next start (`ponder` does; tests need not)."""
        self._modes_available = [m for m in SCREEN_MODES if m.available()]
        super().__init__()
        for m in self._modes_available:
            self.add_mode(m.name, m.factory())
        self.db = db
        self.clock = clock
        from reasoning.providers.config import configured_settings

        self.set_reactive(
            PonderApp.session,
            Session(provider, model, base_url, settings or configured_settings()),
        )
        self._fixed_provider = provider_state
        if list_models is None:
            from workbench.models import endpoint_models

            list_models = endpoint_models
        self.list_models = list_models
        self._key_order = KeyOrder(self, self._handle_key)
        self._last_db_fault: str | None = None
        self._remember_picks = remember_picks
        self._picked = False  # a provider or model was just picked: remember it once resolved

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste):
            # A paste is the user's text, but copied from a terminal or a web page it can carry
            # escape sequences that an Input or the prompt box would write to the screen as is.
            from ponder.text import safe_text

            event.text = safe_text(event.text)
        elif isinstance(event, events.Key) and not event.is_forwarded:
            # Typed right after a key that switches screens or moves the focus, a key waits
            # for that to happen instead of going to the old screen (see tui/key_order.py).
            await self._key_order.key(event)
            return
        await super().on_event(event)

    async def _handle_key(self, event: events.Key) -> None:
        await super().on_event(event)

    def on_mount(self) -> None:
        if self._fixed_provider is not None:
            self.provider_state = self._fixed_provider
        else:
            self.resolve_provider()
        self.switch_mode("solve")
        self._say_if_newer()
        self.call_after_refresh(_freeze_startup_objects)

    def _say_if_newer(self) -> None:
        """A database written by a newer Ponder is open read-only: say so once, at the start."""
        import sqlite3

        from store.db import database_file, newer_migrations

        if self.db is None:
            return
        try:
            newer = newer_migrations(self.db)
            path = database_file(self.db)
        except sqlite3.DatabaseError:
            return  # a damaged one is said where it is met
        if newer:
            self.notify(
                f"The database {path or ''} was written by a newer Ponder: it is open"
                " read-only (History and Grade read it). Upgrade Ponder to write to it.",
                severity="warning",
                markup=False,
                timeout=12,
            )

    # -- provider ------------------------------------------------------------------------

    def resolve_provider(self) -> None:
        """Find the provider for the current session, off the UI thread (it may probe Ollama)."""
        if self._fixed_provider is not None:
            return
        s = self.session
        self.provider_state = ProviderState(resolving=True)
        self._resolve(s.provider, s.model, s.base_url)

    @work(thread=True, exclusive=True, group="resolve", exit_on_error=False)
    def _resolve(self, provider: str | None, model: str | None, base_url: str | None) -> None:
        state = resolve_provider_state(provider, model, base_url)
        self.call_from_thread(setattr, self, "provider_state", state)
        if self._picked and state.spec is not None:
            self._picked = False
            self._remember(state.spec.name, state.spec.model, base_url)
        self.call_from_thread(_freeze_startup_objects)  # the SDK just imported: its objects too

    # -- the database --------------------------------------------------------------------

    def db_fault_line(self, exc: BaseException) -> str:
        """The database failed under a screen: one line, as the command line says it (the
        file, SQLite's verdict, and `ponder db check` for a damaged one)."""
        from pathlib import Path

        from ponder.common import StoreFault
        from ponder.text import safe_text
        from store.db import database_file

        path = database_file(self.db) if self.db is not None else None
        return safe_text(str(StoreFault(path or Path("(unknown file)"), exc)))

    def say_db_fault(self, exc: BaseException) -> str:
        """Notify the fault's line, once: met again while browsing, it is not repeated."""
        line = self.db_fault_line(exc)
        if line != self._last_db_fault:
            self._last_db_fault = line
            self.notify(line, severity="error", markup=False, timeout=12)
        return line

    # -- settings ------------------------------------------------------------------------

    def update_settings(self, **changes: Any) -> None:
        self.session = replace(self.session, settings=replace(self.session.settings, **changes))

    def cycle_paradigm(self) -> str:
        current = self.session.settings.paradigm
        nxt = PARADIGMS[(PARADIGMS.index(current) + 1) % len(PARADIGMS)]
        self.update_settings(paradigm=nxt)
        return nxt

    def _remember(self, provider: str, model: str | None, base_url: str | None) -> None:
        """Write the pick to the config file for the next start, and say so (off the UI)."""
        from reasoning.providers.config import LastUsed, remember_last

        try:
            path = remember_last(LastUsed(provider, model, base_url))
        except Exception as exc:  # a read-only home, a broken file: the pick still holds now
            line = f"Not remembered for the next start: {type(exc).__name__}: {exc}"
            self.call_from_thread(self.notify, line, severity="warning", markup=False)
            return
        what = f"{provider} · {model}" if model else provider
        line = (
            f"The next start uses {what} too (remembered in {path}, [last]; no key is"
            " written there). A default for every command: its `default` line."
        )
        from ponder.text import safe_text

        self.call_from_thread(self.notify, safe_text(line), markup=False, timeout=8)

    def set_model(self, model: str | None) -> None:
        self._picked = self._remember_picks
        self.session = replace(self.session, model=model or None)
        fixed = self._fixed_provider
        if fixed is not None and fixed.spec is not None and model:
            # A provider given as is (tests): keep it, with the new model.
            self._fixed_provider = replace(fixed, spec=replace(fixed.spec, model=model))
            self.provider_state = self._fixed_provider
        self.resolve_provider()

    def set_provider(self, provider: str | None, base_url: str | None) -> None:
        # A new provider starts from its own default model.
        self._picked = self._remember_picks
        self.session = replace(
            self.session, provider=provider or None, base_url=base_url or None, model=None
        )
        self.resolve_provider()

    # -- modes and commands --------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hide_help_panel":
            return bool(self.screen.query("HelpPanel"))
        if action == "switch_mode":
            name = parameters[0] if parameters else None
            return any(m.name == name for m in self._modes_available) and name != self.current_mode
        return True

    def watch_current_mode(self) -> None:
        self.refresh_bindings()

    def action_import_problems(self) -> None:
        """F10: import problems from .xlsx, .csv, .jsonl or .json."""
        if self.db is None:
            self.notify("No database open: nothing can be imported.", severity="error")
            return
        from tui.screens.import_modal import ask_and_import

        ask_and_import(self, self.db)

    def action_score_charts(self) -> None:
        """Charts of the scores: of the screen's dataset when it has one, else of every one."""
        if self.db is None:
            self.notify("No database open: no scores to chart.", severity="error")
            return
        from tui.screens.score_charts import ScoreChartsScreen

        dataset = getattr(self.screen, "charts_dataset", lambda: None)()
        self.push_screen(ScoreChartsScreen(self.db, dataset))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Import problems",
            "F10 · a dataset from .xlsx, .csv, .jsonl or .json",
            self.action_import_problems,
        )
        yield SystemCommand(
            "Score charts",
            "with vs without per model (95% CI whiskers), accuracy by reward band",
            self.action_score_charts,
        )
        for m in self._modes_available:
            if m.name != self.current_mode:
                key = "+".join(part.capitalize() for part in m.key.split("+"))
                yield SystemCommand(
                    f"{m.label} screen",
                    f"{key} · switch to {m.label}",
                    lambda n=m.name: self.switch_mode(n),
                )
        commands = getattr(screen, "system_commands", None)
        if commands is not None:
            yield from commands()


def _freeze_startup_objects() -> None:
    """Move what startup made (Textual, Rich, the SDK, the first screen) out of the collector's
    sight: a full collection then walks only what came later. Unfrozen, one lands in a screen's
    first paint at random, about 60 ms of it (History on 100,000 runs: 0.34 s → 0.25 s median)."""
    import gc

    gc.freeze()


def resolve_provider_state(
    provider: str | None, model: str | None, base_url: str | None
) -> ProviderState:
    """Resolve a provider spec; NoProvider (or any failure) becomes a one-line problem."""
    try:
        from reasoning.providers import NoProvider, resolve_spec
    except ImportError as exc:  # the providers package is missing: say so, keep the app usable
        return ProviderState(problem=f"providers unavailable: {exc}", resolving=False)
    try:
        spec = resolve_spec(provider=provider, model=model, base_url=base_url)
    except NoProvider as exc:
        return ProviderState(problem=str(exc).strip().splitlines()[0], resolving=False)
    except Exception as exc:  # a bad config file, a bad name: one line, not a traceback
        return ProviderState(
            problem=f"{type(exc).__name__}: {exc}".splitlines()[0], resolving=False
        )
    try:
        # Import the SDK now, off the UI thread: the first run would otherwise freeze the
        # screen for the second it takes.
        importlib.import_module(f"reasoning.providers.{spec.kind}")
    except Exception:  # build_provider will report it when a run starts
        pass
    return ProviderState(spec=spec, resolving=False)


def last_used() -> tuple[str | None, str | None, str | None]:
    """The provider, model and base URL the TUI last used (the config's [last]), if any."""
    from reasoning.providers.config import ConfigError, load_config

    try:
        last = load_config().last
    except ConfigError:  # reported when the provider is resolved
        return None, None, None
    if last is None:
        return None, None, None
    return last.provider, last.model, last.base_url


def run_app(args: argparse.Namespace) -> int:
    """`ponder` with no subcommand: open the TUI on the chosen database."""
    from ponder.common import open_store
    from store.queries import mark_interrupted

    db = open_store(args)
    mark_interrupted(db)
    provider = getattr(args, "provider", None)
    model = getattr(args, "model", None)
    base_url = getattr(args, "base_url", None)
    if provider is None and model is None and base_url is None:
        provider, model, base_url = last_used()
    app = PonderApp(db=db, provider=provider, model=model, base_url=base_url, remember_picks=True)
    from ponder.signals import StopLikeCtrlC

    def stop() -> None:  # SIGTERM, or the terminal closed: leave as Ctrl+Q would
        import asyncio

        try:
            asyncio.get_running_loop().call_soon_threadsafe(app.exit)
        except RuntimeError:  # not running yet, or already stopped
            raise KeyboardInterrupt from None

    with StopLikeCtrlC(on_stop=stop):
        app.run()
    return app.return_code or 0
