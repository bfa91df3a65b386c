"""The Grade, Bench and History screens: grading by keys, auto-grading, filters, a live bench
against the fake server, history search/open/delete, markup safety, and snapshots."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import sqlite_utils
import store_helpers
from fakellm import FakeLLM, Reply, dcot_responder
from store_helpers import problem_id
from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_helpers import SIZE, fixed_app, notes_of, screen_segments, screen_text, wait_for

from reasoning.events import (
    RunSettings,
    Step,
    Usage,
)
from store.db import open_db
from store.grades import add_grade, grade_history
from store.problems import import_file
from tui.app import PonderApp
from tui.screens.ask import AskModal
from tui.screens.bench import BenchScreen
from tui.screens.confirm_modal import ConfirmModal
from tui.screens.grade import GradeScreen, grader_file
from tui.screens.history import HistoryScreen
from tui.screens.response_modal import ResponseModal
from tui.screens.solve import SolveScreen
from tui.widgets.bench_progress import ConfigBar

STARTED = "2025-03-01T10:00:00+00:00"
INJECTION = "[bold red]boom[/] [/foo] [link=http://evil]x[/link] \x1b[31mred\x1b]0;title\x07"

# ---- data ------------------------------------------------------------------------------------

PROBLEMS = {
    "putnam_mini": [
        {"key": "1", "question": "Find the sum of 2 and 3.", "answer": "5"},
        {"key": "2", "question": "Prove that there are infinitely many primes.", "kind": "proof"},
        {"key": "3", "question": "Compute 7 times 6.", "answer": "42"},
    ],
    "jee_mini": [
        {
            "key": "1",
            "question": "Which are prime? (A) 2 (B) 4 (C) 5 (D) 9",
            "answer": "A,C",
        },
        {"key": "2", "question": "What is 10 divided by 4?", "answer": "2.5"},
    ],
}


def make_db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "screens.db")
    for name, rows in PROBLEMS.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows))
        import_file(db, path, name)
    return db


def record_run(
    db: sqlite_utils.Database,
    prompt: str,
    answer: str | None,
    *,
    problem: tuple[str, str] | None = None,
    model: str = "fake-model",
    paradigm: str = "dcot",
    reward: float | None = 0.9,
    status: str = "done",
    bench_id: str | None = None,
    started: str = STARTED,
    finish: bool = True,
) -> int:
    """A run recorded through RunRecorder as the engine would emit it, with a fixed start time."""
    steps = [
        Step(1, "step", "Work through the problem carefully.", title="Work"),
        Step(2, "reflection", "The computation checks out.", reward=reward),
        Step(3, "answer", answer or ""),
    ]
    run_id = store_helpers.record_run(
        db,
        prompt,
        answer,
        steps=steps,
        stream=True,
        end="finish" if finish else "none",
        paradigm=paradigm,
        model=model,
        settings=RunSettings(paradigm=paradigm),  # type: ignore[arg-type]
        status=status,
        stop_reason="answer" if answer else "no_answer",
        final_reward=reward,
        usage=Usage(120, 80),
        elapsed_s=2.0,
        problem_id=problem_id(db, *problem) if problem else None,
        bench_id=bench_id,
    )
    db.execute(
        "update runs set started_at = ?, finished_at = ? where id = ?",
        [started, started if finish else None, run_id],
    )
    return run_id


def seed_runs(db: sqlite_utils.Database) -> dict[str, int]:
    """Runs over both datasets, two models and two paradigms, oldest first."""
    ids = {
        "p1": record_run(db, "Find the sum of 2 and 3.", "5", problem=("putnam_mini", "1")),
        "p2": record_run(
            db,
            "Prove that there are infinitely many primes.",
            "Suppose finitely many; multiply them and add one.",
            problem=("putnam_mini", "2"),
        ),
        "p3": record_run(
            db, "Compute 7 times 6.", "41", problem=("putnam_mini", "3"), paradigm="direct"
        ),
        "j1": record_run(
            db,
            "Which are prime? (A) 2 (B) 4 (C) 5 (D) 9",
            "A and C",
            problem=("jee_mini", "1"),
            model="other-model",
        ),
        "j2": record_run(
            db, "What is 10 divided by 4?", "2.5", problem=("jee_mini", "2"), model="other-model"
        ),
        "free": record_run(db, "zebra crossing riddle", "a zebra", reward=0.4),
    }
    return ids


async def open_mode(pilot: Pilot[Any], key: str) -> Any:
    await pilot.press(key)
    await pilot.pause()
    return pilot.app.screen


@contextlib.asynccontextmanager
async def opened(
    db: sqlite_utils.Database, key: str
) -> AsyncIterator[tuple[PonderApp, Pilot[Any], Any]]:
    """A fixed app on `db`, running, on the screen `key` opens (ctrl+g Grade, ctrl+f History)."""
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, await open_mode(pilot, key)


def remember_grader(name: str) -> None:
    """The grader name a person gave before: the Grade screen does not ask for it."""
    grader_file().parent.mkdir(parents=True, exist_ok=True)
    grader_file().write_text(f"{name}\n")


def grades(db: sqlite_utils.Database) -> list[tuple[Any, ...]]:
    return db.execute(
        "select run_id, grader, grader_name, verdict, score, points, max_points, note"
        " from grades order by id"
    ).fetchall()


def table_keys(screen: Any) -> list[int]:
    return list(screen.table.keys())


# ---- Grade ---------------------------------------------------------------------------------


async def test_grading_by_keys_asks_the_name_once_and_moves_on(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        assert isinstance(screen, GradeScreen)
        assert table_keys(screen)[0] == ids["free"]  # newest first without a dataset filter
        await pilot.press("f")
        assert isinstance(app.screen, AskModal)  # who is grading?
        await pilot.press(*"Ada", "enter")
        await pilot.pause()
        assert grader_file().read_text().strip() == "Ada"
        assert screen.table.current_key == ids["j2"]  # on to the next run
        await pilot.press("p", "z")
        await pilot.pause()
        assert not isinstance(app.screen, AskModal)  # not asked again
        got = [(g[0], g[1], g[2], g[3], g[4]) for g in grades(db)]
        assert got == [
            (ids["free"], "human", "Ada", "full", 1.0),
            (ids["j2"], "human", "Ada", "partial", 0.5),
            (ids["j1"], "human", "Ada", "zero", 0.0),
        ]
        await wait_for(pilot, lambda: "✓ full human" in screen_text(app), timeout=5)


async def test_the_grader_name_is_remembered_across_sessions(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    seed_runs(db)
    remember_grader("Grace")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_mode(pilot, "ctrl+g")
        await pilot.press("z")
        await pilot.pause()
        assert not isinstance(app.screen, AskModal)
        assert grades(db)[0][2] == "Grace"
        await wait_for(pilot, lambda: "grader: Grace" in screen_text(app), timeout=5)


async def test_a_number_key_asks_points_out_of_the_rubric_maximum(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    remember_grader("Ada")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        assert screen.table.select_key(ids["p2"])  # the Putnam proof
        await pilot.press("7")
        modal = app.screen
        assert isinstance(modal, AskModal)
        assert modal.values() == ("7", "10")  # Putnam: out of 10
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert grades(db)[-1][:7] == (ids["p2"], "human", "Ada", "partial", 0.7, 7.0, 10.0)
        assert screen.table.select_key(ids["p1"])
        await pilot.press("colon")
        assert isinstance(app.screen, AskModal)
        app.screen.query_one("#field-0", Input).value = "11"
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AskModal)  # points above the maximum: refused, said why
        await wait_for(pilot, lambda: "exceed" in screen_text(app), timeout=5)
        await pilot.press("escape")
        assert len(grades(db)) == 1


async def test_undo_removes_the_latest_human_grade_and_the_auto_grade_counts_again(
    tmp_path: Path,
) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["p3"], grader="auto", score=0.0, verdict="zero", extracted="41")
    remember_grader("Ada")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p3"])
        await pilot.press("f")
        await pilot.pause()
        assert [(g[1], g[3]) for g in grades(db)] == [("auto", "zero"), ("human", "full")]
        assert str(screen.table.get_cell(str(ids["p3"]), "grade")).startswith("✓ full human")
        assert screen.table.current_key == ids["p2"]  # moved on after grading
        await pilot.press("u")
        await pilot.pause()
        assert [g[1] for g in grades(db)] == ["auto"]  # append-only, except the undo
        assert screen.table.current_key == ids["p3"]  # undo goes back to the run
        assert str(screen.table.get_cell(str(ids["p3"]), "grade")).startswith("✗ zero auto")
        await pilot.press("u")  # nothing human left to undo: said, nothing removed
        await pilot.pause()
        assert [g[1] for g in grades(db)] == ["auto"]


async def test_the_auto_grade_action_grades_the_selection_in_a_worker(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["j1"])
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        (g,) = grade_history(db, ids["j1"])
        assert (g.grader, g.verdict, g.extracted) == ("auto", "full", "A,C")
        assert str(screen.table.get_cell(str(ids["j1"]), "grade")).startswith("✓ 4/4 auto")
        await wait_for(
            pilot, lambda: "A,C   (by auto)" in screen_text(app), timeout=5
        )  # the extracted answer, beside the reference
        # Shift+A: every ungraded run under the filters; the proof needs a human.
        await pilot.press("A")
        await app.workers.wait_for_complete()
        await pilot.pause()
        verdicts = dict(
            db.execute(
                "select run_id, verdict from grades where grader = 'auto' order by id"
            ).fetchall()
        )
        assert verdicts[ids["p1"]] == "full"
        assert verdicts[ids["p3"]] == "zero"  # 41 is not 42
        assert verdicts[ids["p2"]] == "needs_human"
        assert len(verdicts) == 6


async def test_filters_narrow_the_table(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["p1"], grader="auto", score=1.0, verdict="full")
    add_grade(db, ids["p1"], grader="human", score=0.0, verdict="zero", grader_name="Ada")
    add_grade(db, ids["p2"], grader="auto", score=None, verdict="needs_human")
    add_grade(db, ids["p3"], grader="auto", score=0.0, verdict="zero")
    add_grade(db, ids["p3"], grader="human", score=0.0, verdict="zero", grader_name="Ada")
    async with opened(db, "ctrl+g") as (app, pilot, screen):

        async def pick(select_id: str, value: str) -> list[int]:
            screen.query_one(f"#{select_id}", Select).value = value
            await pilot.pause()
            return table_keys(screen)

        assert await pick("filter-dataset", "putnam_mini") == [ids["p1"], ids["p2"], ids["p3"]]
        assert await pick("filter-paradigm", "direct") == [ids["p3"]]
        await pick("filter-paradigm", "__any__")
        assert await pick("filter-show", "needs_human") == [ids["p2"]]
        assert await pick("filter-show", "disagree") == [ids["p1"]]
        await wait_for(pilot, lambda: "≠" in screen_text(app), timeout=5)
        await pick("filter-dataset", "__any__")
        assert await pick("filter-show", "ungraded") == [ids["free"], ids["j2"], ids["j1"]]
        assert await pick("filter-model", "other-model") == [ids["j2"], ids["j1"]]
        await wait_for(pilot, lambda: "2 ungraded" in screen_text(app), timeout=5)


async def test_next_to_grade_skips_graded_runs(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    for key in ("j2", "j1"):
        add_grade(db, ids[key], grader="auto", score=1.0, verdict="full")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        assert screen.table.current_key == ids["free"]
        await pilot.press("right_square_bracket")
        assert screen.table.current_key == ids["p3"]  # j2 and j1 are graded
        await pilot.press("j", "j", "k")
        assert screen.table.current_key == ids["p2"]


async def test_a_note_is_recorded_with_the_verdict(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["p2"], grader="human", score=0.5, verdict="partial", grader_name="Ada")
    remember_grader("Ada")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p2"])
        await pilot.press("n")
        modal = app.screen
        assert isinstance(modal, AskModal)
        assert modal.values()[0] == "partial"  # the current verdict, to keep or change
        assert app.focused is modal.query_one("#field-1")  # graded: the cursor is in the note
        await pilot.press(*"misses the +1 step", "enter")
        await pilot.pause()
        assert grades(db)[-1][1:] == (
            "human",
            "Ada",
            "partial",
            0.5,
            None,
            None,
            "misses the +1 step",
        )
        await wait_for(pilot, lambda: "misses the +1 step" in screen_text(app), timeout=5)


async def test_the_full_response_opens_in_a_modal(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p2"])
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, ResponseModal)
        text = screen_text(app)
        assert "2 · reflection · reward 0.90" in text
        assert "multiply them and add one" in text
        await pilot.press("escape")
        assert app.screen is screen


async def test_export_from_the_grade_screen_writes_the_csv(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["p1"], grader="human", score=1.0, verdict="full", grader_name="Ada")
    out = tmp_path / "grades.csv"
    app = fixed_app(db)
    notes = notes_of(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+g")
        screen.query_one("#filter-dataset", Select).value = "putnam_mini"
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, AskModal)
        app.screen.query_one("#field-0", Input).value = str(out)
        await pilot.press("enter", "enter")
        await pilot.pause()
    assert any(str(out.resolve()) in message for message in notes)  # where it went, in full
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("run_id,dataset,key")
    assert len(lines) == 4  # the three Putnam runs
    assert any(
        line.startswith(f"{ids['p1']},putnam_mini,1,") and ",full," in line for line in lines
    )


# ---- History -------------------------------------------------------------------------------


async def test_history_search_finds_runs_by_full_text(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+f") as (app, pilot, screen):
        assert isinstance(screen, HistoryScreen)
        assert table_keys(screen) == sorted(ids.values(), reverse=True)
        await pilot.press("slash", *"zebra")
        await wait_for(pilot, lambda: table_keys(screen) == [ids["free"]])
        await wait_for(pilot, lambda: "1 run matching “zebra”" in screen_text(app), timeout=5)
        await pilot.press("enter")  # from the search box: to the table
        assert screen.table.has_focus
        # Words match by stem: "primes" finds "prime?" too.
        screen.query_one("#history-search", Input).value = "primes"
        await wait_for(pilot, lambda: table_keys(screen) == [ids["j1"], ids["p2"]])
        screen.query_one("#history-search", Input).value = ""
        screen.query_one("#history-dataset", Select).value = "jee_mini"
        await wait_for(pilot, lambda: table_keys(screen) == [ids["j2"], ids["j1"]])


async def test_enter_opens_the_run_read_only_in_solve(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+f") as (app, pilot, screen):
        screen.table.select_key(ids["p3"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SolveScreen))
        solve = app.screen
        assert isinstance(solve, SolveScreen)
        await wait_for(pilot, lambda: solve.state == "read-only")
        assert solve.last_prompt == "Compute 7 times 6."
        await wait_for(pilot, lambda: f"run #{ids['p3']}" in screen_text(app), timeout=5)


async def test_delete_asks_first_then_removes_the_run(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["free"], grader="auto", score=0.0, verdict="zero")
    async with opened(db, "ctrl+f") as (app, pilot, screen):
        assert screen.table.current_key == ids["free"]
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert db.execute("select count(*) from runs").fetchone()[0] == 6
        await pilot.press("d", "y")
        await pilot.pause()
        assert (
            db.execute("select count(*) from runs where id = ?", [ids["free"]]).fetchone()[0] == 0
        )
        assert db.execute("select count(*) from grades").fetchone()[0] == 0
        assert ids["free"] not in table_keys(screen)
        assert screen.table.current_key == ids["j2"]


async def test_export_writes_the_selected_run_as_json(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    out = tmp_path / "run.json"
    async with opened(db, "ctrl+f") as (app, pilot, screen):
        screen.table.select_key(ids["j1"])
        await pilot.press("e")
        app.screen.query_one("#field-0", Input).value = str(out)
        await pilot.press("enter")
        await pilot.pause()
    obj = json.loads(out.read_text())
    assert obj["run_id"] == ids["j1"]
    assert obj["answer"] == "A and C"
    assert [s["kind"] for s in obj["steps"]] == ["step", "reflection", "answer"]


async def rerun_from_history(pilot: Pilot[Any], run_id: int) -> SolveScreen:
    """R on the run in History, once the provider is known: Solve, with the re-run done."""
    app = pilot.app
    await wait_for(pilot, lambda: not app.provider_state.resolving)  # type: ignore[attr-defined]
    screen = await open_mode(pilot, "ctrl+f")
    screen.table.select_key(run_id)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, SolveScreen))
    solve = app.screen
    assert isinstance(solve, SolveScreen)
    await wait_for(pilot, lambda: solve.state == "done")
    return solve


async def test_rerun_solves_the_prompt_again_with_the_runs_paradigm(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        await rerun_from_history(pilot, ids["p3"])  # a direct run
        prompt, paradigm, problem_id = db.execute(
            "select prompt, paradigm, problem_id from runs order by id desc limit 1"
        ).fetchone()
        assert (prompt, paradigm) == ("Compute 7 times 6.", "direct")
        original = db.execute("select problem_id from runs where id = ?", [ids["p3"]]).fetchone()
        assert problem_id is not None and problem_id == original[0]  # still tied to its problem
        assert app.session.settings.paradigm == "direct"


async def test_ctrl_r_after_a_rerun_keeps_the_problem_link(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    ids = seed_runs(db)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        solve = await rerun_from_history(pilot, ids["p3"])
        runs_before = db.execute("select count(*) from runs").fetchone()[0]
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: (
                db.execute("select count(*) from runs").fetchone()[0] > runs_before
                and solve.state == "done"
            ),
        )
        original = db.execute("select problem_id from runs where id = ?", [ids["p3"]]).fetchone()
        (problem_id,) = db.execute(
            "select problem_id from runs order by id desc limit 1"
        ).fetchone()
        assert problem_id is not None and problem_id == original[0]


# ---- Bench ---------------------------------------------------------------------------------


async def start_bench(pilot: Pilot[Any], dataset: str, paradigms: tuple[str, ...]) -> BenchScreen:
    screen = await open_mode(pilot, "ctrl+b")
    assert isinstance(screen, BenchScreen)
    screen.query_one("#bench-dataset", Select).value = dataset
    chooser = screen.query_one("#bench-paradigms")
    chooser.deselect_all()  # type: ignore[attr-defined]
    for p in paradigms:
        chooser.select(p)  # type: ignore[attr-defined]
    await pilot.pause()
    return screen


async def test_a_bench_against_the_fake_server_fills_the_matrix(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "jee_mini", ("dcot", "direct"))
        model = screen.query_one("#bench-models", Input).value
        assert model == app.provider_state.model  # the current model by default
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
        await wait_for(pilot, lambda: "100%" in screen_text(app))
        bars = {(b.model, b.paradigm) for b in screen.query(ConfigBar)}
        assert bars == {(model, "dcot"), (model, "direct")}
        text = screen_text(app)
        assert "2/2 done" in text
        matrix = screen.query_one("#bench-matrix")
        (row,) = [matrix.get_row_at(i) for i in range(matrix.row_count)]  # type: ignore[attr-defined]
        assert str(row[0]) == model
        assert str(row[1]).endswith("%") and str(row[2]).endswith("%")  # direct and dcot scored
        runs = db.execute("select count(*), count(distinct bench_id) from runs").fetchone()
        assert runs == (4, 1)
        assert db.execute("select count(*) from grades").fetchone()[0] == 4  # graded live


async def test_a_bench_whose_every_run_failed_ends_failed_not_done(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = lambda body: Reply(status=401)  # a key the provider refuses
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "jee_mini", ("direct", "dcot"))
        screen.query_one("#bench-limit", Input).value = "1"
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state not in ("idle", "running"), timeout=60)
        assert screen.state == "failed"
        await wait_for(pilot, lambda: "· failed (from this screen)" in screen_text(app))
        assert "Every run failed: 0 done, " in screen_text(app)
        # The with/without line says its zeros are failures, not the technique's doing.
        await wait_for(pilot, lambda: "2 failed runs scored 0" in screen_text(app))
        assert db.execute("select count(*) from runs where status = 'done'").fetchone() == (0,)


async def test_pause_lets_runs_in_flight_finish_and_resume_goes_on(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    # The first call is answered only once the bench is paused: however slow the machine, the
    # pause lands while the first run is in flight (the fake server's thread waits, not the app).
    paused = threading.Event()

    def respond(body: dict[str, Any]) -> Reply:
        paused.wait(60)
        return Reply(dcot_responder(body).text)

    openai_env.responder = respond
    db = make_db(tmp_path)
    app = PonderApp(db=db)

    def count(status: str) -> int:
        return db.execute("select count(*) from runs where status = ?", [status]).fetchone()[0]

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        screen.query_one("#bench-concurrency", Input).value = "1"
        await pilot.press("f5")
        await wait_for(pilot, lambda: count("running") == 1)
        await pilot.press("f6")
        assert screen.state == "holding"
        paused.set()
        # The run in flight finishes; nothing new starts while paused.
        await wait_for(pilot, lambda: count("done") == 1 and count("running") == 0, timeout=30)
        await pilot.pause(0.5)
        assert count("done") == 1 and count("running") == 0 and count("cancelled") == 0
        assert db.execute("select count(*) from runs").fetchone()[0] == 1
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
        statuses = [r[0] for r in db.execute("select status from runs order by id")]
        assert statuses == ["done"] * 3  # no run was cut, none redone
        assert db.execute("select count(distinct bench_id) from runs").fetchone()[0] == 1


async def test_a_bench_running_in_another_process_shows_too(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    other = open_db(tmp_path / "screens.db")  # the other process's own connection
    record_run(
        other, "Find the sum of 2 and 3.", "5", problem=("putnam_mini", "1"), bench_id="cli-bench"
    )
    live = record_run(
        other,
        "Compute 7 times 6.",
        None,
        problem=("putnam_mini", "3"),
        bench_id="cli-bench",
        finish=False,
    )
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+b")
        await wait_for(pilot, lambda: "Bench cli-bench" in screen_text(app))
        await wait_for(
            pilot,
            lambda: "1/3 done" in screen_text(app) and "1 running" in screen_text(app),
            timeout=5,
        )
        db.execute("update runs set status = 'done', answer = '42' where id = ?", [live])
        # Ended: its size is what its runs show (the other process's --limit is not known).
        await wait_for(pilot, lambda: "2/2 done" in screen_text(app), timeout=5)
        await wait_for(
            pilot, lambda: "cli-bench · putnam_mini · ended" in screen_text(app), timeout=5
        )
        assert screen.state == "idle"


# ---- safety --------------------------------------------------------------------------------


async def test_markup_and_escapes_in_table_cells_show_as_text(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    record_run(db, f"Prompt {INJECTION}", f"Answer {INJECTION}", model="[b]model[/b]")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        for key in ("ctrl+f", "ctrl+g"):
            await open_mode(pilot, key)
            text = screen_text(app)
            assert "[bold red]boom[/]" in text
            assert "[b]model[/b]" in text
            for seg in screen_segments(app):
                if seg.control:  # Textual's own cursor moves
                    continue
                assert "\x1b" not in seg.text and "\x07" not in seg.text
                assert not (seg.style and seg.style.link)


# ---- snapshots -----------------------------------------------------------------------------


def snapshot_db(tmp_path: Path) -> sqlite_utils.Database:
    """Deterministic data for the snapshots: fixed run and grade times."""
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(db, ids["p1"], grader="auto", score=1.0, verdict="full", extracted="5")
    add_grade(db, ids["p3"], grader="auto", score=0.0, verdict="zero", extracted="41")
    add_grade(
        db,
        ids["p3"],
        grader="human",
        score=0.3,
        verdict="partial",
        points=3,
        max_points=10,
        grader_name="Ada",
        note="right method, slip at the end",
    )
    add_grade(db, ids["p2"], grader="auto", score=None, verdict="needs_human")
    for key in ("p1", "p3"):
        db.execute("update runs set bench_id = 'bench0000001' where id = ?", [ids[key]])
    db.execute("update grades set created_at = '2025-03-01T11:00:00+00:00'")
    return db


def snap_app(tmp_path: Path) -> PonderApp:
    return fixed_app(snapshot_db(tmp_path))


def test_snapshot_grade(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("j", "j", "j")  # the graded Putnam run: its history in the pane
        await pilot.pause()

    assert snap_compare(snap_app(tmp_path), terminal_size=SIZE, run_before=before)


def test_snapshot_history(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+f")
        await pilot.pause()

    assert snap_compare(snap_app(tmp_path), terminal_size=SIZE, run_before=before)


def test_snapshot_bench(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await pilot.press("ctrl+b")
        await pilot.pause()
        await asyncio.sleep(0.1)
        await pilot.pause()

    assert snap_compare(snap_app(tmp_path), terminal_size=SIZE, run_before=before)


async def test_quitting_during_a_bench_stops_it_and_keeps_runs_in_flight_as_cancelled(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = lambda body: Reply(dcot_responder(body).text, delay=0.05, chunk=10)
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:  # a bench holding the exit would time out
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        await start_bench(pilot, "putnam_mini", ("dcot",))
        await pilot.press("f5")
        await wait_for(pilot, lambda: db.execute("select count(*) from runs").fetchone()[0] >= 1)
        await pilot.press("ctrl+q")
    statuses = {r[0] for r in db.execute("select status from runs")}
    assert "running" not in statuses
    assert "cancelled" in statuses


async def test_esc_leaves_the_filters_and_the_search_for_the_table(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.query_one("#filter-model", Select).focus()
        await pilot.press("escape")
        assert app.focused is screen.table
        screen = await open_mode(pilot, "ctrl+f")
        await pilot.press("slash", *"multiply")
        await pilot.press("escape")  # before the search's pause is over
        assert app.focused is screen.table
        await wait_for(pilot, lambda: table_keys(screen) == [ids["p2"]])
        await pilot.press("o")  # the keys act on the runs again
        await wait_for(pilot, lambda: isinstance(app.screen, SolveScreen))


async def test_a_stored_note_with_escapes_is_prefilled_as_text(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    ids = seed_runs(db)
    add_grade(
        db, ids["p2"], grader="human", score=0.5, verdict="partial", note="gap \x1b]0;t\x07here"
    )
    remember_grader("Ada")
    async with opened(db, "ctrl+g") as (app, pilot, screen):
        screen.table.select_key(ids["p2"])
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.query_one("#field-1", Input).value == "gap here"
        for segment in screen_segments(app):
            assert segment.control or "\x1b" not in segment.text
