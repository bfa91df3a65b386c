"""The History screen: every past run, newest first, full-text search; open, re-run, delete, export."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Select, Static

from ponder.text import safe_text
from store.queries import RunSummary, count_runs, list_runs
from store.thread_db import thread_db
from tui.screens.ask import AskModal, Field
from tui.screens.run_table import RunTableScreen
from tui.widgets.calm_footer import CalmFooter
from tui.widgets.paged_table import (
    PAGE,
    Column,
    PagedTable,
    Position,
    Row,
    fit_columns,
    no_rows,
)
from tui.widgets.run_cells import (
    grade_cell,
    one_line,
    problem_label,
    reward_cell,
    status_cell,
    text_cell,
)

if TYPE_CHECKING:
    from store.queries import RunDetail
    from tui.app import PonderApp
    from tui.screens.solve import SolveScreen

SEARCH_DELAY_S = 0.25  # typing pauses this long before the search runs
ALL = "__all__"  # the dataset Select's "every dataset" value
TABLE_MARGIN = 2  # the table's vertical scrollbar

# Narrower than this much room, columns narrow and then go, lowest priority first
# (tui.widgets.paged_table.fit_columns): at 80 columns the table keeps what tells runs apart
# (id, paradigm, model, problem) and how they did (status, grade); the answer, the time and
# the reward are in the preview and in the run, opened.
COLUMNS = (
    Column("id", "#", 6, least=5, priority=10),
    Column("started", "started (UTC)", 16, priority=1),
    Column("status", "status", 11, least=9, priority=6),
    Column("paradigm", "paradigm", 8, priority=9),
    Column("model", "model", 20, least=14, priority=7),
    Column("problem", "problem", 16, least=12, priority=5),
    Column("reward", "reward", 6, priority=2),
    Column("grade", "grade", 13, priority=8),
    Column("answer", "answer / prompt", None, least=15, priority=4),
)


def summary_cells(s: RunSummary, columns: Sequence[Column] = COLUMNS) -> list[Text]:
    """A run's history row, one cell per column."""
    width = {c.key: c.width for c in columns}
    problem = width.get("problem") or 16
    cells = {
        "id": lambda: Text(str(s.run_id), style="dim"),
        "started": lambda: text_cell((s.started_at or "").replace("T", " ")[:16]),
        "status": lambda: status_cell(s.status),
        "paradigm": lambda: text_cell(s.paradigm or "?"),
        "model": lambda: text_cell(s.model or "?", width.get("model")),
        # A run without a problem shows the start of its prompt, quoted.
        "problem": lambda: Text(
            problem_label(s.problem, problem)
            if s.problem
            else f'"{one_line(s.prompt, problem - 2)}"'
            if s.prompt
            else "",
            no_wrap=True,
        ),
        "reward": lambda: reward_cell(s.final_reward),
        "grade": lambda: grade_cell(s.grade_verdict, s.grade),
        "answer": lambda: text_cell(s.answer or "", 60),
    }
    return [cells[c.key]() for c in columns]


def _rows(summaries: Sequence[RunSummary], columns: Sequence[Column] = COLUMNS) -> list[Row]:
    """Table rows, each at its position in the list's order (newest first: the run id)."""
    return [Row(s.run_id, summary_cells(s, columns), (s.run_id,)) for s in summaries]


# ---- the Solve screen, reached from here and from Grade ------------------------------------


async def _solve_with(app: PonderApp, run_id: int) -> tuple[SolveScreen, RunDetail] | None:
    """The stored run and the Solve screen, switched to; None (said why) if either is missing."""
    from store.queries import get_run
    from tui.screens.solve import SolveScreen

    if app.db is None:
        return None
    try:
        detail = get_run(app.db, run_id)
    except sqlite3.DatabaseError as exc:
        app.say_db_fault(exc)
        return None
    if detail is None:
        app.notify(f"No run #{run_id}.", severity="error")
        return None
    await app.switch_mode("solve")
    screen = app.screen
    if not isinstance(screen, SolveScreen):
        return None
    return screen, detail


async def open_in_solve(app: PonderApp, run_id: int) -> bool:
    """Show a stored run read-only in the Solve screen (switching to it)."""
    found = await _solve_with(app, run_id)
    if found is None:
        return False
    screen, detail = found
    if screen.running:
        app.notify("A run is in progress in Solve: Esc cancels it first.", severity="warning")
        return False
    screen.show_stored(detail)
    return True


async def rerun_in_solve(app: PonderApp, run_id: int) -> bool:
    """Solve a stored run's prompt again with its paradigm settings and the current provider."""
    found = await _solve_with(app, run_id)
    if found is None:
        return False
    screen, detail = found
    s = detail.settings()
    app.update_settings(
        paradigm=s.paradigm,
        budget=s.budget,
        reinforce=s.reinforce,
        min_steps=s.min_steps,
        max_steps=s.max_steps,
    )
    return screen.start_run(detail.prompt, problem_id=detail.problem_id)


class HistoryScreen(RunTableScreen):
    """Newest first, a page at a time: opens at once on a store of 100,000 runs."""

    AUTO_FOCUS = "#history-table"

    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        Binding("o", "open", "Open in Solve"),
        Binding("r", "rerun", "Re-run"),
        Binding("d", "delete", "Delete"),
        Binding("e", "export", "Export"),
        Binding("c", "copy_id", "Copy id"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("escape", "focus_table", "Table", show=False),  # from the search box
    ]
    DEFAULT_CSS = """
    HistoryScreen #history-bar { height: 3; }
    HistoryScreen #history-search { width: 1fr; }
    HistoryScreen #history-dataset { width: 32; }
    HistoryScreen #history-status { height: 1; padding: 0 1; color: $text-muted; }
    HistoryScreen #history-table { height: 1fr; }
    HistoryScreen #history-preview {
        height: 9;
        padding: 0 1;
        border-top: solid $panel;
        background: $boost;
    }
    HistoryScreen.-narrow #history-dataset { width: 24; }
    HistoryScreen.-short #history-preview { height: 6; }
    HistoryScreen .preview-label { color: $text-accent; text-style: bold; }
    HistoryScreen #preview-prompt { height: auto; max-height: 4; }
    HistoryScreen #preview-answer { height: auto; max-height: 3; color: $text-success; }
    """

    TABLE_ID = "history-table"

    def __init__(self) -> None:
        super().__init__(id="history")
        self.search = ""
        self.dataset: str | None = None
        self.total = 0
        self.row_columns: Sequence[Column] = COLUMNS  # those that fit the terminal
        self._search_timer: Timer | None = None
        self._generation = 0  # the latest query; an older one's results are dropped
        self._faulted = False  # the database failed under the current query: its line shows

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-bar"):
            yield Input(
                placeholder="/ search runs: prompt, answer, model, problem",
                id="history-search",
            )
            yield Select[str](
                self._dataset_options(),
                prompt="every dataset",
                allow_blank=False,
                value=ALL,
                id="history-dataset",
            )
        yield Label("", id="history-status", markup=False)
        self.row_columns = fit_columns(COLUMNS, self.app.size.width - TABLE_MARGIN)
        yield PagedTable(self.row_columns, id="history-table")
        with Vertical(id="history-preview"):
            yield Label("Prompt", classes="preview-label")
            yield Static("", id="preview-prompt", markup=False)
            yield Label("Answer", classes="preview-label")
            yield Static("", id="preview-answer", markup=False)
        yield CalmFooter()

    def _dataset_options(self) -> list[tuple[Content, str]]:
        options = [(Content("every dataset"), ALL)]
        if self.db is not None:
            from store.problems import list_datasets

            try:
                names = [d["name"] for d in list_datasets(self.db)]
            except Exception:  # an unreadable store still opens the screen
                names = []
            options += [(Content(safe_text(n)), n) for n in names]
        return options

    # -- loading -------------------------------------------------------------------------

    def _fetch(self, anchor: Position | None, limit: int, *, backward: bool = False) -> list[Row]:
        if self.db is None:
            return []
        search, dataset = self.search or None, self.dataset
        run_id = None if anchor is None else int(anchor[0])
        try:
            runs = list_runs(
                self.db,
                limit=limit,
                search=search,
                dataset=dataset,
                after=None if backward else run_id,
                before=run_id if backward else None,
                last=backward and run_id is None,
            )
        except sqlite3.DatabaseError as exc:  # a damaged page on the way: no more rows, one line
            self._fault(exc)
            return []
        return _rows(runs, self.row_columns)

    def _fault(self, exc: sqlite3.DatabaseError) -> None:
        self._faulted = True
        self._status(self.ponder.say_db_fault(exc))

    def reload(self, keep: int | None = None) -> None:
        """Re-run the current query synchronously (cheap without a search)."""
        self._generation += 1
        self._faulted = False
        db = self.db
        if db is None:
            self._status("No database open.")
            return
        search, dataset = self.search or None, self.dataset
        try:
            self.total = count_runs(db, search=search, dataset=dataset)
        except sqlite3.DatabaseError as exc:
            self.total = 0
            self._fault(exc)
        self.table.total = self.total
        self.table.load(self._fetch, keep=keep)

    @on(PagedTable.Loaded, "#history-table")
    def _loaded(self, event: PagedTable.Loaded) -> None:
        if not self._faulted:
            self._show_status()
        self._preview(self.table.current_key)
        self.refresh_bindings()  # open, re-run, delete need a row

    @on(Input.Changed, "#history-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY_S, self._run_search)

    @on(Input.Submitted, "#history-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._run_search()
        self.table.focus()

    @on(Select.Changed, "#history-dataset")
    def _dataset_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        dataset = None if value in (ALL, Select.NULL) else str(value)
        if dataset != self.dataset:  # the Select also reports its first value on mount
            self.dataset = dataset
            self._run_search()

    def _run_search(self) -> None:
        self.search = self.query_one("#history-search", Input).value.strip()
        self._generation += 1
        self._status("Searching…")
        self._search(self._generation, self.search or None, self.dataset)

    @work(thread=True, exclusive=True, group="history-search", exit_on_error=False)
    def _search(self, generation: int, search: str | None, dataset: str | None) -> None:
        # A search matching most of 100,000 runs takes ~0.1 s: never on the UI thread.
        db = self.db
        if db is None:
            return
        try:
            with thread_db(db) as own:
                total = count_runs(own, search=search, dataset=dataset)
                first = list_runs(own, limit=PAGE, search=search, dataset=dataset)
        except sqlite3.DatabaseError as exc:
            self.app.call_from_thread(self._search_failed, generation, exc)
            return
        self.app.call_from_thread(self._searched, generation, total, _rows(first, self.row_columns))

    def _searched(self, generation: int, total: int, first: list[Row]) -> None:
        if generation != self._generation:
            return  # a newer search is on its way
        self._faulted = False
        self.total = self.table.total = total
        self.table.load(self._fetch, first=first)

    def _search_failed(self, generation: int, exc: sqlite3.DatabaseError) -> None:
        if generation == self._generation:
            self.total = self.table.total = 0
            self.table.load(no_rows, first=[])
            self._fault(exc)

    def _show_status(self) -> None:
        what = f"{self.total:,} run{'s' if self.total != 1 else ''}"
        if self.search:
            what += f" matching “{one_line(self.search, 40)}”"
        if self.dataset:
            what += f" in {one_line(self.dataset, 30)}"
        window = self.table.window_note()
        more = f" · {window}" if window else ""
        self._status(f"{what}{more} · newest first")

    def _status(self, text: str) -> None:
        self.query_one("#history-status", Label).update(Content(text))

    # -- the highlighted run -------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#history-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._preview(self.table.current_key)
        if not self._faulted:
            self._show_status()

    def _preview(self, run_id: int | None) -> None:
        prompt = answer = ""
        if run_id is not None and self.db is not None:
            from store.queries import run_preview

            try:
                run = run_preview(self.db, run_id)
            except sqlite3.DatabaseError as exc:
                self._fault(exc)
                run = None
            if run is not None:
                prompt = safe_text(run.prompt or "").strip()
                answer = safe_text(run.answer or "").strip() or (
                    f"({run.status}: {safe_text(run.error or '')})"
                    if run.error
                    else f"({run.status})"
                )
        self.query_one("#preview-prompt", Static).update(Content(prompt))
        self.query_one("#preview-answer", Static).update(Content(answer))

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in ("open", "rerun", "delete", "copy_id") and self.table.current_key is None:
            return None
        return True

    def action_focus_search(self) -> None:
        self.query_one("#history-search", Input).focus()

    def action_focus_table(self) -> None:
        """Esc: the search stays as typed; the keys act on the runs again."""
        if self._search_timer is not None:
            self._search_timer.stop()
        if self.query_one("#history-search", Input).value.strip() != self.search:
            self._run_search()  # what was typed is searched now, not lost
        self.app.action_hide_help_panel()
        self.table.focus()

    @on(DataTable.RowSelected, "#history-table")
    async def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_open()

    async def action_rerun(self) -> None:
        run_id = self.table.current_key
        if run_id is not None:
            await rerun_in_solve(self.ponder, run_id)

    def action_delete(self) -> None:
        from tui.screens.confirm_modal import ConfirmModal

        run_id = self.table.current_key
        db = self.db
        if run_id is None or db is None:
            return

        def done(yes: bool | None) -> None:
            if not yes:
                return
            from store.queries import delete_run

            try:
                deleted = delete_run(db, run_id)
            except sqlite3.DatabaseError as exc:  # damaged, or opened read-only
                self._fault(exc)
                return
            if deleted:
                self.table.drop_row(run_id)
                self.total = self.table.total = max(0, self.total - 1)
                self._show_status()
                self._preview(self.table.current_key)
                self.notify(f"Deleted run #{run_id}.", timeout=3)
            else:
                self.notify(f"Run #{run_id} was already gone.", severity="warning")

        self.app.push_screen(
            ConfirmModal(
                "Delete run",
                f"Delete run #{run_id} with its steps, calls and grades? This cannot be undone.",
            ),
            done,
        )

    def action_export(self) -> None:
        db = self.db
        if db is None:
            return
        run_id = self.table.current_key
        from store.problems import file_part

        default = (
            f"ponder-{file_part(self.dataset)}-runs.csv" if self.dataset else "ponder-runs.csv"
        )

        def check(values: tuple[str, ...]) -> str | None:
            if not values[0]:
                return "Give a file name."
            if values[0].lower().endswith(".json") and run_id is None:
                return "No run selected to export as JSON."
            return None

        def done(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self._export(Path(values[0]).expanduser(), run_id)

        what = f"every run of {self.dataset}" if self.dataset else "every run"
        self.app.push_screen(
            AskModal(
                "Export",
                [
                    Field(
                        f"File: .csv writes {what} with its grade; .json writes the selected run",
                        default,
                    )
                ],
                validate=check,
            ),
            done,
        )

    def _export(self, path: Path, run_id: int | None) -> None:
        db = self.db
        assert db is not None
        try:
            if path.suffix.lower() == ".json" and run_id is not None:
                from ponder.text import json_text
                from store.queries import run_json

                path.write_text(json_text(run_json(db, run_id), indent=2))
                message = f"Wrote run #{run_id} to {path.resolve()}"
            else:
                from store.export import export_runs_csv

                count = export_runs_csv(db, path, self.dataset)
                noun = "run" if count == 1 else "runs"
                message = f"Wrote {count:,} {noun} to {path.resolve()}"
        except OSError as exc:
            self.notify(safe_text(f"Export failed: {exc}"), severity="error", markup=False)
            return
        except sqlite3.DatabaseError as exc:
            self._fault(exc)
            return
        self.notify(safe_text(message), markup=False, timeout=5)

    def system_commands(self) -> Iterable[SystemCommand]:
        """The History screen's commands for the palette."""
        yield SystemCommand(
            "Search runs",
            "/ · the full-text search; Esc back to the runs",
            self.action_focus_search,
        )
        yield SystemCommand(
            "Export runs", "e · runs as CSV, or the selected run as JSON", self.action_export
        )
        if self.table.current_key is not None:
            yield SystemCommand(
                "Open run in Solve", "o or Enter · show it read-only", self.action_open
            )
            yield SystemCommand("Re-run", "r · solve its prompt again", self.action_rerun)
            yield SystemCommand("Copy run id", "c · the highlighted run's id", self.action_copy_id)
            yield SystemCommand("Delete run", "d · with a confirmation", self.action_delete)
