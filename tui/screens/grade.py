"""The Grade screen: finished runs in a table, the problem, reference and answer beside them,
and keys to grade them by hand (full / partial / zero / points), auto-grade, note and undo."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, Select, Static

from ponder.common import user_name
from ponder.text import safe_text
from reasoning.events import PARADIGMS
from store.grade_rows import (
    SHOW_LABELS,
    GradeFilter,
    GradeRow,
    Show,
    count_grade_rows,
    grade_row,
    grade_rows,
    graded_models,
    next_to_grade,
    problem_for_run,
    ungraded_ids,
)
from store.grades import GradeError, StoredGrade, grade_history, parse_human_verdict
from store.thread_db import thread_db
from tui.screens.ask import AskModal, Field
from tui.screens.judge_text import judge_detail
from tui.screens.run_table import RunTableScreen
from tui.widgets.calm_footer import CalmFooter
from tui.widgets.paged_table import Column, PagedTable, Position, Row
from tui.widgets.reflow import reflow
from tui.widgets.run_cells import grade_cell, grade_label, problem_label, reward_cell, text_cell

ANY = "__any__"
GRADER_FILE = "grader.txt"
# Rubric maxima by dataset name, when the problem itself does not carry one.
RUBRIC_MAX = {"putnam": 10.0, "imo": 7.0}

# The grade right after the problem: on a narrow terminal the table scrolls sideways, and what
# a grader needs stays in view (the detail pane names the model and paradigm too).
COLUMNS = (
    Column("id", "#", 5),
    Column("problem", "problem", 15),
    Column("grade", "grade", 15),
    Column("model", "model", 16),
    Column("paradigm", "paradigm", 8),
    Column("reward", "reward", 6),
    Column("answer", "answer", None),
)


# ---- the grader's name, asked once ---------------------------------------------------------


def grader_file() -> Path:
    """Where the grader's name is remembered: the user config dir."""
    import platformdirs

    return Path(platformdirs.user_config_dir("ponder", appauthor=False)) / GRADER_FILE


def load_grader_name() -> str | None:
    try:
        name = grader_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return safe_text(name).splitlines()[0][:80] if name.strip() else None


def save_grader_name(name: str) -> None:
    path = grader_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name.strip() + "\n", encoding="utf-8")


# ---- cells -----------------------------------------------------------------------------------


def row_cells(r: GradeRow) -> list[Text]:
    return [
        Text(str(r.run_id), style="dim"),
        Text(problem_label(r.problem, 15), no_wrap=True),
        grade_cell(
            r.verdict, r.score, r.points, r.max_points, grader=r.grader, disagrees=r.disagrees
        ),
        text_cell(r.model or "?", 16),
        text_cell(r.paradigm or "?"),
        reward_cell(r.final_reward),
        text_cell(r.answer or "", 80),
    ]


def verdict_text(g: StoredGrade | None) -> str:
    """A grade as the text a human would type for it (for the note modal's first field)."""
    if g is None or g.verdict == "needs_human" or g.score is None:
        return ""
    if g.points is not None and g.max_points is not None:
        return f"{g.points:g}/{g.max_points:g}"
    if g.verdict in ("full", "zero") or (g.verdict == "partial" and g.score == 0.5):
        return g.verdict
    return f"{g.score:g}"


class GradeScreen(RunTableScreen):
    """Grade finished runs by hand or with the automatic graders; the human grade wins."""

    AUTO_FOCUS = "#grade-table"
    BINDINGS = [
        Binding("f", "grade('full')", "Full"),
        Binding("p", "grade('partial')", "Partial"),
        Binding("z", "grade('zero')", "Zero"),
        Binding("colon", "points('')", "Points"),
        *(Binding(str(d), f"points('{d}')", "Points", show=False) for d in range(10)),
        Binding("n", "note", "Note"),
        # In the Footer's order of need: a narrow one drops keys from the right.
        Binding("u", "undo", "Undo"),
        Binding("right_square_bracket", "next_ungraded", "Ungraded"),
        Binding("a", "auto", "Auto-grade"),
        Binding("A", "auto_all", "Auto all", show=False),
        Binding("J", "judge", "Judge", show=False),
        Binding("v", "view", "Response"),
        Binding("o", "open", "Open in Solve", show=False),
        Binding("e", "export", "Export"),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
        Binding("escape", "focus_table", "Table", show=False),  # from the filters
    ]
    DEFAULT_CSS = """
    GradeScreen #grade-filters { height: 3; }
    GradeScreen #grade-filters Select { width: 1fr; }
    GradeScreen #grade-filters #filter-show { width: 26; }
    GradeScreen #grade-status { height: 1; padding: 0 1; color: $text-muted; }
    GradeScreen #grade-main { height: 1fr; }
    GradeScreen #grade-table { width: 1fr; height: 1fr; }
    GradeScreen #grade-detail {
        width: 56;
        height: 1fr;
        padding: 0 1;
        background: $boost;
        border-left: vkey $panel;
    }
    GradeScreen.-narrow #grade-detail { width: 36; }
    GradeScreen.-narrow #grade-filters #filter-show { width: 20; }
    GradeScreen .detail-label { color: $text-accent; text-style: bold; margin-top: 1; }
    GradeScreen #detail-title { text-style: bold; }
    GradeScreen #detail-reference { color: $text-success; }
    GradeScreen #detail-extracted { color: $text-warning; }
    GradeScreen #detail-grades { color: $text-muted; }
    GradeScreen #detail-agreement { color: $text-muted; }
    """

    TABLE_ID = "grade-table"

    def __init__(self) -> None:
        super().__init__(id="grade")
        self.filter = GradeFilter()
        self.total = 0
        self.grader_name: str | None = load_grader_name()
        self._undo: list[int] = []  # runs graded by hand here, latest last
        self._last_max: float | None = None
        self.judge_model: str | None = None  # the judge last chosen here (J): offered first

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        datasets, models = self._filter_values()
        with Horizontal(id="grade-filters"):
            yield Select[str](
                [(Content("every dataset"), ANY), *((Content(d), d) for d in datasets)],
                allow_blank=False,
                value=ANY,
                id="filter-dataset",
            )
            yield Select[str](
                [(Content("every model"), ANY), *((Content(m), m) for m in models)],
                allow_blank=False,
                value=ANY,
                id="filter-model",
            )
            yield Select[str](
                [(Content("every paradigm"), ANY), *((Content(p), p) for p in PARADIGMS)],
                allow_blank=False,
                value=ANY,
                id="filter-paradigm",
            )
            yield Select[str](
                [(Content(label), key) for key, label in SHOW_LABELS.items()],
                allow_blank=False,
                value="all",
                id="filter-show",
            )
        yield Label("", id="grade-status", markup=False)
        with Horizontal(id="grade-main"):
            yield PagedTable(COLUMNS, id="grade-table")
            with VerticalScroll(id="grade-detail"):
                yield Static("", id="detail-title", markup=False)
                yield Label("Problem", classes="detail-label")
                yield Static("", id="detail-problem", markup=False)
                yield Label("Reference", classes="detail-label")
                yield Static("", id="detail-reference", markup=False)
                yield Label("Extracted answer", classes="detail-label")
                yield Static("", id="detail-extracted", markup=False)
                yield Label("Answer", classes="detail-label")
                yield Static("", id="detail-answer", markup=False)
                yield Label("Judge", classes="detail-label")
                yield Static("", id="detail-judge", markup=False)
                yield Label("Grades", classes="detail-label")
                yield Static("", id="detail-grades", markup=False)
                yield Label("Judge vs human", classes="detail-label")
                yield Static("", id="detail-agreement", markup=False)
        yield CalmFooter()

    def _filter_values(self) -> tuple[list[str], list[str]]:
        db = self.db
        if db is None:
            return [], []
        from store.problems import list_datasets

        try:
            datasets = [safe_text(d["name"]) for d in list_datasets(db)]
            models = [safe_text(m) for m in graded_models(db)]
        except Exception:  # an unreadable store still opens the screen
            return [], []
        return datasets, models

    def datasets_changed(self) -> None:
        """A dataset was imported: offer it."""
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def _fetch(self, anchor: Position | None, limit: int, *, backward: bool = False) -> list[Row]:
        if self.db is None:
            return []
        rows = grade_rows(
            self.db,
            self.filter,
            limit=limit,
            after=None if backward else anchor,
            before=anchor if backward else None,
            last=backward and anchor is None,
        )
        return [Row(r.run_id, row_cells(r), r.position) for r in rows]

    def reload(self, keep: int | None = None) -> None:
        db = self.db
        if db is None:
            self._status("No database open.")
            return
        self.total = self.table.total = count_grade_rows(db, self.filter)
        self.table.load(self._fetch, keep=keep)
        self._show_agreement()

    def _show_agreement(self) -> None:
        from tui.screens.judge_text import agreement_detail

        db = self.db
        try:
            text = agreement_detail(db, self.filter.dataset) if db is not None else ""
        except Exception as exc:  # an unreadable store still shows the rest
            text = f"(agreement not available: {exc})"
        self._set("detail-agreement", text)

    @on(PagedTable.Loaded, "#grade-table")
    def _loaded(self, event: PagedTable.Loaded) -> None:
        self._show_status()
        self._show_detail()
        self.refresh_bindings()  # the grading keys need a row

    def _show_status(self) -> None:
        f = self.filter
        parts = [
            f"{self.total:,} {SHOW_LABELS[f.show]}"
            if f.show != "all"
            else f"{self.total:,} finished runs"
        ]
        window = self.table.window_note()
        if window:
            parts.append(window)
        parts.append(
            f"grader: {self.grader_name}"
            if self.grader_name
            else "grader: (asked at the first grade)"
        )
        self._status(" · ".join(parts))

    def _status(self, text: str) -> None:
        self.query_one("#grade-status", Label).update(Content(safe_text(text)))

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value in (ANY, Select.NULL) else str(event.value)
        f = self.filter
        which = event.select.id
        if which == "filter-dataset":
            new = GradeFilter(value, f.model, f.paradigm, f.show)
        elif which == "filter-model":
            new = GradeFilter(f.dataset, value, f.paradigm, f.show)
        elif which == "filter-paradigm":
            new = GradeFilter(f.dataset, f.model, value, f.show)
        else:
            show: Show = value if value in SHOW_LABELS else "all"  # type: ignore[assignment]
            new = GradeFilter(f.dataset, f.model, f.paradigm, show)
        if new != self.filter:  # each Select also reports its first value on mount
            self.filter = new
            self.reload()

    # -- the detail pane -----------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#grade-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if self.table.window_note():
            self._show_status()  # which rows of the list are held moves with the cursor

    def _set(self, widget_id: str, text: str) -> None:
        self.query_one(f"#{widget_id}", Static).update(Content(safe_text(text)))

    def _show_detail(self) -> None:
        run_id = self.table.current_key
        db = self.db
        row = grade_row(db, run_id) if db is not None and run_id is not None else None
        if db is None or row is None:
            for name in ("title", "problem", "reference", "extracted", "answer", "judge", "grades"):
                self._set(f"detail-{name}", "")
            self._set("detail-title", "No run to grade here: change the filters above.")
            return
        problem = problem_for_run(db, row.run_id)
        self._set(
            "detail-title",
            f"Run #{row.run_id} · {row.problem} · {row.paradigm or '?'} · {row.model or '?'}",
        )
        if problem is None:
            self._set("detail-problem", "(a free prompt: no problem, no reference)")
            self._set("detail-reference", "–")
        else:
            _, _, text, reference, kind, max_points = problem
            self._set("detail-problem", reflow(text or ""))  # PDF line breaks, joined
            ref = (reference or "").strip() or "(none)"
            extras = [x for x in (kind, f"max {max_points:g} points" if max_points else None) if x]
            self._set("detail-reference", ref + (f"   [{', '.join(extras)}]" if extras else ""))
        history = grade_history(db, row.run_id)
        self._set("detail-extracted", self._extracted(row, history))
        self._set("detail-answer", (row.answer or "(no answer)").strip())
        self._set("detail-judge", judge_detail(history))
        self._set("detail-grades", self._history_text(history))

    @staticmethod
    def _extracted(row: GradeRow, history: list[StoredGrade]) -> str:
        for g in reversed(history):
            if g.extracted:
                return f"{g.extracted}   (by {g.grader})"
        if row.answer:
            from workbench.grading import find_answer

            found = find_answer(row.answer)
            if found:
                return f"{found}   (found in the answer; no grader recorded one)"
        return "(none found)"

    @staticmethod
    def _history_text(history: list[StoredGrade]) -> str:
        """Newest first; ▸ marks the grade that counts (the latest human one, else automatic)."""
        if not history:
            return "Not graded yet."
        lines = []
        effective = max(history, key=lambda g: (g.grader == "human", g.id))
        for g in reversed(history):
            who = g.grader + (f" ({g.grader_name})" if g.grader_name and g.grader != "auto" else "")
            mark = "▸ " if g.id == effective.id else "  "
            when = g.created_at[:16].replace("T", " ")
            label = grade_label(g.verdict, g.score, g.points, g.max_points)
            lines.append(f"{mark}{label}  {who}  {when}")
            if g.note:
                lines.append(f"    {g.note}")
        return "\n".join(lines)

    def _refresh_row(self, run_id: int) -> None:
        db = self.db
        row = grade_row(db, run_id) if db is not None else None
        if row is not None:
            self.table.set_row(run_id, row_cells(row))
        if self.table.current_key == run_id:
            self._show_detail()

    # -- grading by hand -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in (
            "grade",
            "points",
            "note",
            "auto",
            "judge",
            "view",
            "open",
            "next_ungraded",
            "copy_id",
        ):
            return True if self.table.current_key is not None else None
        return True

    def _refuse_read_only(self) -> bool:
        """True (and one line said) when the database cannot take a grade."""
        import sqlite3

        from store.db import database_file, is_read_only

        db = self.db
        if db is None:
            return False
        try:
            if not is_read_only(db):
                return False
            line = (
                f"The database {database_file(db) or ''} is read-only: grades cannot be recorded."
            )
        except sqlite3.DatabaseError as exc:
            line = self.ponder.db_fault_line(exc)
        self.notify(safe_text(line), severity="error", markup=False, timeout=8)
        return True

    def _with_grader(self, then: Any) -> None:
        """Run `then()` once the grader's name is known (asked once, then remembered)."""
        if self._refuse_read_only():
            return
        if self.grader_name:
            then()
            return

        def done(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0]:
                return
            name = safe_text(values[0]).strip()[:80]
            try:
                save_grader_name(name)
            except OSError as exc:
                self.notify(safe_text(f"Name not saved: {exc}"), severity="warning", markup=False)
            self.grader_name = name
            self._show_status()
            then()

        self.app.push_screen(
            AskModal(
                "Who is grading?",
                # The login name to start from, as `ponder grade` uses: typing replaces it.
                [Field("Your name (stored with each grade you give; asked once)", user_name())],
                validate=lambda v: None if v[0] else "A name, please.",
            ),
            done,
        )

    def _record(self, run_id: int, verdict: str, note: str | None = None) -> bool:
        from store.grades import human_grade

        db = self.db
        if db is None:
            return False
        try:
            human_grade(db, run_id, verdict, note=note, grader_name=self.grader_name)
        except GradeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return False
        self._undo.append(run_id)
        self._refresh_row(run_id)
        self._show_agreement()
        return True

    def action_grade(self, verdict: str) -> None:
        run_id = self.table.current_key
        if run_id is None:
            return

        def grade() -> None:
            if self._record(run_id, verdict):
                self._advance(run_id)

        self._with_grader(grade)

    def _advance(self, run_id: int) -> None:
        """After a grade, on to the next row (so a column of answers goes key, key, key)."""
        if self.table.current_key == run_id and self.table.cursor_row < self.table.row_count - 1:
            self.table.action_cursor_down()

    def _default_max(self, run_id: int) -> float:
        db = self.db
        problem = problem_for_run(db, run_id) if db is not None else None
        if problem is not None:
            if problem[5]:
                return float(problem[5])
            dataset = str(problem[0]).lower()
            for name, maximum in RUBRIC_MAX.items():
                if name in dataset:
                    return maximum
        return self._last_max or 10.0

    def action_points(self, first: str) -> None:
        run_id = self.table.current_key
        if run_id is None:
            return
        maximum = self._default_max(run_id)

        def check(values: tuple[str, ...]) -> str | None:
            try:
                parse_human_verdict(f"{values[0]}/{values[1]}")
            except GradeError as exc:
                return str(exc)
            return None

        def done(values: tuple[str, ...] | None) -> None:
            if values is None:
                return
            self._last_max = float(values[1])
            if self._record(run_id, f"{values[0]}/{values[1]}"):
                self._advance(run_id)

        def ask() -> None:
            self.app.push_screen(
                AskModal(
                    f"Points for run #{run_id}",
                    [Field("Points", first), Field("Out of (Putnam 10, IMO 7)", f"{maximum:g}")],
                    validate=check,
                ),
                done,
            )

        self._with_grader(ask)

    def action_note(self) -> None:
        run_id = self.table.current_key
        db = self.db
        if run_id is None or db is None:
            return
        from store.grades import effective_grade

        current = effective_grade(db, run_id)

        def check(values: tuple[str, ...]) -> str | None:
            if not values[0]:
                return "A note goes with a grade: give the verdict too (full, partial, zero, 0.75, 7/10)."
            try:
                parse_human_verdict(values[0])
            except GradeError as exc:
                return str(exc)
            return None

        def done(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self._record(run_id, values[0], note=values[1] or None)

        def ask() -> None:
            verdict = verdict_text(current)
            self.app.push_screen(
                AskModal(
                    f"Note on run #{run_id}",
                    [
                        Field("Verdict (full, partial, zero, a score, or POINTS/MAX)", verdict),
                        Field(
                            "Note",
                            (current.note or "") if current and current.grader == "human" else "",
                        ),
                    ],
                    validate=check,
                    focus=1 if verdict else 0,  # graded already: the note is what is missing
                ),
                done,
            )

        self._with_grader(ask)

    def action_undo(self) -> None:
        if self._refuse_read_only():
            return
        from store.grades import undo_last_grade

        db = self.db
        if db is None:
            return
        run_id = self._undo.pop() if self._undo else self.table.current_key
        if run_id is None:
            return
        removed = undo_last_grade(db, run_id)
        if removed is None:
            self.notify(f"Run #{run_id} has no human grade to undo.", severity="warning")
            return
        self.table.select_key(run_id)
        self._refresh_row(run_id)
        label = grade_label(removed.verdict, removed.score, removed.points, removed.max_points)
        self.notify(safe_text(f"Undid {label} on run #{run_id}."), markup=False, timeout=3)

    # -- automatic grading ---------------------------------------------------------------

    def action_auto(self) -> None:
        if self._refuse_read_only():
            return
        run_id = self.table.current_key
        if run_id is not None:
            self._status(f"Auto-grading run #{run_id}…")
            self._auto_grade([run_id])

    def action_auto_all(self) -> None:
        if self._refuse_read_only():
            return
        db = self.db
        if db is None:
            return
        ids = ungraded_ids(db, self.filter)
        if not ids:
            self.notify("Every run here has a grade already.", timeout=3)
            return
        self._status(f"Auto-grading {len(ids):,} ungraded runs…")
        self._auto_grade(ids)

    @work(thread=True, exclusive=True, group="auto-grade", exit_on_error=False)
    def _auto_grade(self, run_ids: list[int]) -> None:
        # sympy may take seconds (in its own killable process): off the UI thread.
        from workbench.grading import GRADE_TIMEOUT_S, auto_grade_run

        db = self.db
        if db is None:
            return
        counts: dict[str, int] = {}
        with thread_db(db) as own:
            for run_id in run_ids:
                try:
                    verdict = auto_grade_run(own, run_id, timeout=GRADE_TIMEOUT_S).verdict
                except Exception as exc:  # one bad run must not stop the rest
                    verdict = "error"
                    self.app.call_from_thread(
                        self.notify,
                        safe_text(f"Run #{run_id}: {type(exc).__name__}: {exc}"),
                        severity="error",
                        markup=False,
                    )
                counts[verdict] = counts.get(verdict, 0) + 1
                self.app.call_from_thread(self._refresh_row, run_id)
        self.app.call_from_thread(self._auto_done, counts)

    def _auto_done(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        if counts.get("needs_human", 0) == total:
            runs = "1 run needs" if total == 1 else f"{total} runs need"
            self.notify(
                f"{runs} a human: none could be graded automatically. Grade with f/p/z or points.",
                timeout=6,
            )
        else:
            # As the command line says it: every verdict counted, zeros too.
            runs = "1 run" if total == 1 else f"{total:,} runs"
            summary = (
                f"{counts.get('full', 0)} full, {counts.get('partial', 0)} partial, "
                f"{counts.get('zero', 0)} zero, {counts.get('needs_human', 0)} need a human"
            )
            if counts.get("error"):
                summary += f", {counts['error']} failed"
            self.notify(f"Auto-graded {runs}: {summary}.", timeout=4)
        self._show_status()

    # -- the LLM judge -------------------------------------------------------------------

    def _judge_spec(self) -> Any:
        """The judge: the app's current provider and model; None (and a notice) without one."""
        state = self.ponder.provider_state
        if state.spec is None:
            why = state.problem or ("still looking for one" if state.resolving else "none set")
            self.notify(safe_text(f"No judge: {why}"), severity="error", markup=False)
        return state.spec

    def _pick_judge(self, spec: Any, then: Any) -> None:
        """Choose the judge model in the F2 model list (the endpoint's models, or a name typed
        in; the judge chosen last is offered first), then `then(judge spec)`."""
        import dataclasses

        from tui.screens.pick_model import ModelPickerModal
        from tui.screens.solve import endpoint_text

        async def fetch() -> list[str]:
            return await self.ponder.list_models(spec)

        def done(model: str | None) -> None:
            if model is not None:
                self.judge_model = model
                then(dataclasses.replace(spec, model=model))

        current = self.judge_model or spec.model
        modal = ModelPickerModal(current, endpoint_text(spec), fetch, title="Judge model")
        self.app.push_screen(modal, done)

    def action_judge(self) -> None:
        """Ask a judge model, chosen in the model list, to mark the run under the cursor."""
        if self._refuse_read_only():
            return
        run_id = self.table.current_key
        spec = self._judge_spec()
        if run_id is None or spec is None:
            return

        def judge(chosen: Any) -> None:
            self._status(f"Judging run #{run_id} with {chosen.model}…")
            self._judge([run_id], chosen)

        self._pick_judge(spec, judge)

    def action_judge_all(self) -> None:
        """Judge every proof, free-text or needs-human run of the dataset this judge has not."""
        if self._refuse_read_only():
            return
        spec = self._judge_spec()
        if spec is None or self.db is None:
            return

        def judge(chosen: Any) -> None:
            from store.judge import judge_targets

            if self.db is None:
                return
            ids = judge_targets(self.db, self.filter.dataset, judge_model=chosen.model)
            if not ids:
                self.notify(f"No run here is waiting for {safe_text(chosen.model)}.", timeout=3)
                return
            self._status(f"Judging {len(ids):,} runs with {chosen.model}…")
            self._judge(ids, chosen, redo=False)

        self._pick_judge(spec, judge)

    @work(group="judge", exit_on_error=False)  # not exclusive: J on another run adds to it
    async def _judge(self, run_ids: list[int], spec: Any, redo: bool = True) -> None:
        # The judge's calls are network waits: an async worker on the app's loop, each grade
        # recorded and its row refreshed as it arrives.
        from ponder.score_text import spend_text
        from workbench.judge import Judge, JudgeError, JudgeSettings, judge_runs

        db = self.db
        if db is None:
            return
        try:
            judge = Judge(spec, JudgeSettings(concurrency=4))
        except JudgeError as exc:
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return
        done = 0

        def arrived(result: Any) -> None:
            nonlocal done
            done += 1
            self._refresh_row(result.run_id)
            if result.error is not None:
                self.notify(
                    safe_text(f"Run #{result.run_id}: {result.error}"),
                    severity="warning",
                    markup=False,
                )
            self._status(f"Judging with {spec.model}: {done:,} of {len(run_ids):,}…")

        try:
            summary = await judge_runs(db, run_ids, judge, on_result=arrived, redo=redo)
        finally:
            await judge.aclose()
        counts = ", ".join(
            f"{summary.count(v)} {v.replace('_', ' ')}"
            for v in ("full", "partial", "zero", "needs_human")
            if summary.count(v)
        )
        self.notify(
            safe_text(
                f"Judged by {summary.judge}: {counts or 'nothing'} · {spend_text(summary.spend)}"
            ),
            markup=False,
            timeout=5,
        )
        self._show_status()
        self._show_agreement()

    # -- moving, viewing, exporting ------------------------------------------------------

    def action_focus_table(self) -> None:
        self.app.action_hide_help_panel()
        self.table.focus()

    def action_next_ungraded(self) -> None:
        """To the next run that still lacks a grade a score can count (none, or needs_human)."""
        db = self.db
        table = self.table
        position = table.current_position
        if db is None or position is None:
            return
        found = next_to_grade(db, self.filter, position)
        if found is None:
            self.notify("No run left to grade below this one.", timeout=3)
            return
        table.go_to(found.run_id, found.position)

    def action_view(self) -> None:
        from store.queries import get_run
        from tui.screens.response_modal import ResponseModal

        run_id = self.table.current_key
        if run_id is None or self.db is None:
            return
        detail = get_run(self.db, run_id)
        if detail is not None:
            self.app.push_screen(ResponseModal(detail))

    def action_export(self) -> None:
        from tui.screens.export_csv import ask_and_export

        if self.db is not None:
            ask_and_export(self, self.db, self.filter.dataset, "runs", "grades")

    def action_set_grader(self) -> None:
        def done(values: tuple[str, ...] | None) -> None:
            if values is None or not values[0]:
                return
            self.grader_name = safe_text(values[0]).strip()[:80]
            with contextlib.suppress(OSError):
                save_grader_name(self.grader_name)
            self._show_status()

        self.app.push_screen(
            AskModal("Grader name", [Field("Your name", self.grader_name or "")]), done
        )

    def system_commands(self) -> Iterable[SystemCommand]:
        """The Grade screen's commands for the palette."""
        yield SystemCommand(
            "Set grader name", "Who the human grades are from", self.action_set_grader
        )
        yield SystemCommand(
            "Auto-grade every ungraded run", "A · under the current filters", self.action_auto_all
        )
        yield SystemCommand(
            "Judge every proof / text run",
            "A judge model you choose marks the dataset's proofs, free text and needs-human runs",
            self.action_judge_all,
        )
        yield SystemCommand("Export grades", "e · runs or scores as CSV", self.action_export)
        if self.table.current_key is not None:
            yield SystemCommand("Show full response", "v · every step of the run", self.action_view)
            yield SystemCommand("Open run in Solve", "o · read-only", self.action_open)
            yield SystemCommand("Copy run id", "c · the run under the cursor", self.action_copy_id)
            yield SystemCommand(
                "Judge this run", "J · a judge model you choose marks it", self.action_judge
            )
