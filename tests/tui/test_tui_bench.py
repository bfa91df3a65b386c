"""The Bench screen: the bench as a worker on the app's loop (its writes in the store's writer
thread), the paired with/without comparison, the counted score cells, layouts."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from fakellm import FakeLLM, Reply, dcot_responder
from test_tui_screens import make_db, open_mode, record_run, start_bench
from textual.pilot import Pilot
from tui_helpers import SIZE, fixed_app, screen_text, wait_for

from graders.scoring.counted import Rule
from store.db import open_db
from store.grades import add_grade
from store.problems import import_file
from tui.app import PonderApp
from workbench.scores import comparison


@pytest.fixture
def openai_env(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bench-screen")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    return fake_llm


async def test_the_bench_runs_on_the_app_s_loop_and_writes_in_the_writer_thread(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    progress_threads: set[str] = set()
    writing: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        shown = screen._on_progress

        def on_progress(progress):  # type: ignore[no-untyped-def]
            progress_threads.add(threading.current_thread().name)
            writing.append(any(t.name == "ponder-db-writer" for t in threading.enumerate()))
            shown(progress)

        screen._on_progress = on_progress  # type: ignore[method-assign]
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
        assert not any(t.name == "ponder-db-writer" for t in threading.enumerate())
    # Progress came on the app's own thread (no second loop), while the writer thread lived.
    assert progress_threads == {threading.main_thread().name}
    assert any(writing)
    statuses = [r[0] for r in db.execute("select status from runs")]
    assert statuses == ["done"] * 3


def totals(screen: Any) -> str:
    return str(screen.query_one("#bench-totals").render())


async def test_tokens_count_the_calls_streaming_marked_about_until_their_figures(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    # Slow streams: while they run, their text so far is counted (≈); once every call has ended
    # the figures are the provider's, as stored.
    openai_env.responder = lambda body: Reply(dcot_responder(body).text, delay=0.02, chunk=10)
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        await pilot.press("f5")
        await wait_for(pilot, lambda: "tokens ≈" in totals(screen), timeout=30)
        assert "cost ≈" in totals(screen)
        await wait_for(pilot, lambda: screen.state == "done", timeout=90)
        await wait_for(pilot, lambda: "≈" not in totals(screen))
        (tokens,) = db.execute("select sum(input_tokens + output_tokens) from runs").fetchone()
        assert f"tokens {tokens:,}" in totals(screen)


# ---- the score matrix: the bench's own runs, paired with/without ------------------------------

BENCH = "b0000000001"


def arith_bench(tmp_path: Path, *, live: bool = False, runs: bool = True) -> sqlite_utils.Database:
    """12 problems, two models, dcot and direct in one bench (fixed times and grades). gpt-4o-mini
    gets every problem right with dcot and every one wrong without; the llama model gets the
    same 8 of 12 right both ways. Live: dcot has run 8 problems, 2 of them still running."""
    db = open_db(tmp_path / "bench.db")
    rows = [
        {"key": str(i), "question": f"Compute {i} times 7.", "answer": str(7 * i)}
        for i in range(1, 13)
    ]
    sheet = tmp_path / "arith12.jsonl"
    sheet.write_text("\n".join(json.dumps(r) for r in rows))
    import_file(db, sheet, "arith12")
    if runs:
        record_arith_runs(db, live=live)
    return db


def record_arith_runs(db: sqlite_utils.Database, *, live: bool = False) -> None:
    for model in ("gpt-4o-mini", "llama-3.1-8b-instruct"):
        for paradigm in ("direct", "dcot"):
            for i in range(1, 13):
                if live and paradigm == "dcot" and i > 8:
                    continue
                running = live and paradigm == "dcot" and i in (7, 8)
                right = paradigm == "dcot" if model == "gpt-4o-mini" else i % 3 != 0
                run_id = record_run(
                    db,
                    f"Compute {i} times 7.",
                    str(7 * i) if right else "0",
                    problem=("arith12", str(i)),
                    model=model,
                    paradigm=paradigm,
                    bench_id=BENCH,
                    finish=not running,
                )
                if not running:
                    add_grade(
                        db,
                        run_id,
                        grader="auto",
                        score=1.0 if right else 0.0,
                        verdict="full" if right else "zero",
                    )


def verdicts(screen: Any) -> str:
    return str(screen.query_one("#bench-verdicts").render())


def matrix_text(screen: Any) -> list[list[str]]:
    table = screen.query_one("#bench-matrix")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def matrix_shown(pilot: Pilot[Any]) -> Any:
    """The Bench screen, once its matrix shows arith_bench's two models."""
    screen = await open_mode(pilot, "ctrl+b")
    await wait_for(pilot, lambda: screen.query_one("#bench-matrix").row_count == 2)
    return screen


async def test_the_matrix_shows_the_paired_difference_and_says_it_in_plain_words(
    tmp_path: Path,
) -> None:
    db = arith_bench(tmp_path)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await matrix_shown(pilot)
        rows = {r[0]: r for r in matrix_text(screen)}
        assert rows["gpt-4o-mini"][1:] == ["0/12 · 0%", "12/12 · 100%", "+1.00 [1.00, 1.00]"]
        llama = rows["llama-3.1-8b-instruct"]
        assert llama[1:] == ["8/12 · 67%", "8/12 · 67%", "0.00 [0.00, 0.00]"]
        text = " ".join(screen_text(app).split())
        assert "gpt-4o-mini · dcot better by +1.00 [1.00, 1.00], p < 0.001 on 12 problems" in text
        assert "llama-3.1-8b-instruct · dcot: no detectable difference on 12 problems" in text
    # The same figures as `ponder scores arith12 --bench ID`.
    (mini,) = [
        r for r in comparison(db, "arith12", rule=Rule(bench=BENCH)) if r.model == "gpt-4o-mini"
    ]
    paired = mini.paired("dcot")
    assert paired is not None and paired.n == 12 and paired.ci95 == (1.0, 1.0)
    assert paired.p_value is not None and paired.p_value < 0.001


async def test_a_bench_watched_before_its_first_run_was_written_gets_its_scores(
    tmp_path: Path,
) -> None:
    """Once seen on a loaded machine: the screen's first poll came between the bench's start and
    its first run's row, found no dataset for it, and the matrix stayed empty to the end."""
    db = arith_bench(tmp_path, runs=False)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+b")
        screen._watch_bench(BENCH, own=False)  # as the poll does for a bench with no runs yet
        screen.poll()
        await screen.polled()
        await pilot.pause()
        assert screen.query_one("#bench-matrix").row_count == 0
        record_arith_runs(db)
        screen.poll()
        await screen.polled()
        await wait_for(pilot, lambda: screen.query_one("#bench-matrix").row_count == 2)
        assert screen.watched.dataset == "arith12"
        assert "arith12" in screen_text(app)


async def test_a_re_run_or_an_ad_hoc_run_leaves_a_finished_bench_s_cells_alone(
    tmp_path: Path,
) -> None:
    db = arith_bench(tmp_path)
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await matrix_shown(pilot)
        before = matrix_text(screen)
        said = verdicts(screen)
        # A History re-run of problem 1 (not graded yet) and an ad-hoc run graded full.
        record_run(db, "Compute 1 times 7.", "0", problem=("arith12", "1"), model="gpt-4o-mini")
        adhoc = record_run(
            db,
            "Compute 2 times 7.",
            "14",
            problem=("arith12", "2"),
            model="gpt-4o-mini",
            paradigm="direct",
        )
        add_grade(db, adhoc, grader="auto", score=1.0, verdict="full")
        screen._signature = None  # draw the matrix again from the store
        screen.poll()
        await screen.polled()
        await pilot.pause()
        assert matrix_text(screen) == before
        assert verdicts(screen) == said


async def test_a_column_is_as_wide_as_its_cells_now_not_as_they_were(tmp_path: Path) -> None:
    # While runs wait for their grades a cell says so at length ("(11/12 graded)"); once they
    # are graded the column narrows to the figures again.
    db = arith_bench(tmp_path)
    ungraded = db.execute(
        "select run_id from grades g join runs r on r.id = g.run_id"
        " where r.model = 'gpt-4o-mini' and r.paradigm = 'direct' limit 1"
    ).fetchone()[0]
    db.execute("delete from grades where run_id = ?", [ungraded])  # a zero, not given yet
    db.conn.commit()
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_mode(pilot, "ctrl+b")
        await wait_for(pilot, lambda: "graded)" in str(matrix_text(screen)))
        table = screen.query_one("#bench-matrix")
        wide = table.columns["direct"].content_width
        add_grade(db, ungraded, grader="auto", score=0.0, verdict="zero")
        screen.poll()
        await screen.polled()
        await wait_for(pilot, lambda: "graded)" not in str(matrix_text(screen)))
        cells = [row[1] for row in matrix_text(screen)]
        width = table.columns["direct"].content_width
        assert width == max(len("direct (without)"), *(len(c) for c in cells)) < wide


async def test_the_matrix_has_a_column_per_paradigm_the_bench_ran(tmp_path: Path) -> None:
    db = arith_bench(tmp_path)
    app = fixed_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await matrix_shown(pilot)
        table = screen.query_one("#bench-matrix")
        labels = [str(c.label) for c in table.columns.values()]  # type: ignore[attr-defined]
        assert labels == ["model", "direct", "dcot"]  # no g1; at 80 columns the verdicts say Δ
        assert table.virtual_size.width <= table.size.width  # nothing to scroll sideways to
        assert "no detectable difference on 12 problems (Δ 0.00 [0.00, 0.00], p=1)" in verdicts(
            screen
        )
        # the cells are on screen, not scrolled away (once painted: a loaded machine is late)
        await wait_for(pilot, lambda: "0/12 · 0%" in screen_text(app))


# ---- layouts at first paint ----------------------------------------------------------------


async def show_bench(pilot: Pilot[Any]) -> None:
    """Open Bench and wait until the bars and the matrix show the store (however slow the
    machine): what a user sees once the screen has read the store."""
    await pilot.press("ctrl+b")
    await pilot.pause()
    screen = pilot.app.screen
    await wait_for(
        pilot,
        lambda: (
            screen.query_one("#bench-matrix").row_count == 2
            and len(screen.query(".config-counts")) == 4
            and all("graded" in str(c.render()) for c in screen.query(".config-counts"))
        ),
    )
    await pilot.pause()


def test_snapshot_bench_live_80x24(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await show_bench(pilot)

    app = fixed_app(arith_bench(tmp_path, live=True))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)


def test_snapshot_bench_live_160x48(snap_compare: Any, tmp_path: Path) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await show_bench(pilot)

    app = fixed_app(arith_bench(tmp_path, live=True))
    assert snap_compare(app, terminal_size=(160, 48), run_before=before)


async def test_the_batch_toggle_runs_the_bench_through_the_batch_api_and_shows_its_batches(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    openai_env.batch_hold = True  # in progress until the screen has shown it so
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        screen.query_one("#bench-batch").value = True
        await pilot.press("f5")
        await wait_for(pilot, lambda: "batches: 1 in progress (3 requests" in totals(screen))
        assert openai_env.chat_requests == [] and openai_env.batch_creates == 1
        openai_env.batch_hold = False
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
        await wait_for(pilot, lambda: "batches: 1 ended" in totals(screen))
    statuses = [r[0] for r in db.execute("select status from runs")]
    assert statuses == ["done"] * 3
