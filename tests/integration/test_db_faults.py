"""The database failing under a command: a damaged page, a read-only file or folder, a full disk."""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import exit_code
from fakellm import Reply
from store_helpers import recorder

from reasoning.events import (
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    Usage,
)
from store.db import open_db

RUNS = 120


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def record_runs(path: Path, n: int = RUNS) -> None:
    db = open_db(path)
    for i in range(n):
        rec = recorder(db)
        rec.handle(
            RunStarted("dcot", "openai", "m", None, f"problem {i} " + "x" * 300, RunSettings())
        )
        rec.handle(StepStarted(1, "step"))
        step = Step(1, "step", f"work for {i} " + "y" * 200)
        rec.handle(StepFinished(step))
        rec.handle(
            RunFinished(
                RunResult("done", "answer", str(i), 0.9, (step,), Usage(5, 5), 1, None, 1.0)
            )
        )
    db.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def damage_a_page_of_runs(path: Path) -> int:
    """Overwrite one leaf page of the runs table (not its first) with noise; return its number."""
    conn = sqlite3.connect(path)
    try:
        pages = [
            r[0]
            for r in conn.execute(
                "select pageno from dbstat where name = 'runs' and pagetype = 'leaf' order by pageno"
            )
        ]
        size = conn.execute("pragma page_size").fetchone()[0]
    except sqlite3.OperationalError:
        pytest.skip("SQLite built without dbstat")
    finally:
        conn.close()
    assert len(pages) > 3
    page = pages[len(pages) // 2]
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(random.Random(7).randbytes(size))
    return page


@pytest.fixture
def damaged(tmp_path):
    path = tmp_path / "ponder.db"
    record_runs(path)
    damage_a_page_of_runs(path)
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["runs", "--limit", "1000"],
        ["runs", "--search", "problem"],
        ["scores"],
        ["export", "{tmp}/out.csv"],
        ["show", "60"],
    ],
    ids=["runs", "search", "scores", "export", "show"],
)
def test_a_damaged_page_is_one_line_naming_the_file_and_sqlites_verdict(
    damaged, capsys, argv, tmp_path
):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code = exit_code([*argv, "--db", str(damaged)])
    if code == 0:  # the damaged page was not on this command's way
        capsys.readouterr()
        return
    line = one_error_line(capsys)
    assert code == 1
    assert str(damaged) in line and "malformed" in line and "ponder db check" in line


def test_at_least_one_read_command_meets_the_damage(damaged, capsys):
    assert exit_code(["runs", "--limit", "1000", "--db", str(damaged)]) == 1
    capsys.readouterr()


def test_db_check_says_ok_for_a_sound_database(tmp_path, capsys):
    path = tmp_path / "ponder.db"
    record_runs(path, 3)
    assert exit_code(["db", "check", "--db", str(path)]) == 0
    assert "ok" in capsys.readouterr().out


def test_db_check_reports_the_damage(damaged, capsys):
    assert exit_code(["db", "check", "--db", str(damaged)]) == 1
    out = capsys.readouterr().out
    assert "integrity check found problems" in out and "ponder db recover" in out


def test_db_recover_copies_what_reads_and_keeps_the_original(damaged, tmp_path, capsys):
    before = damaged.read_bytes()
    target = tmp_path / "recovered.db"
    assert exit_code(["db", "recover", str(target), "--db", str(damaged)]) == 0
    out = capsys.readouterr().out
    assert "runs:" in out and str(target) in out
    assert damaged.read_bytes() == before
    assert exit_code(["db", "check", "--db", str(target)]) == 0
    conn = sqlite3.connect(target)
    runs = conn.execute("select count(*) from runs").fetchone()[0]
    assert RUNS // 2 < runs < RUNS  # most runs came through; the damaged page's did not
    # Every recovered run kept its steps; no step is left without its run.
    assert conn.execute("select count(*) from steps").fetchone()[0] == runs
    capsys.readouterr()
    assert exit_code(["runs", "--search", "problem", "--limit", "1000", "--db", str(target)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == runs + 1


def test_db_recover_never_overwrites_a_file(damaged, tmp_path, capsys):
    target = tmp_path / "exists.db"
    target.write_text("mine")
    assert exit_code(["db", "recover", str(target), "--db", str(damaged)]) == 1
    assert "already exists" in one_error_line(capsys)
    assert target.read_text() == "mine"


# ---- a read-only database -------------------------------------------------------------------


async def test_history_works_on_a_database_opened_read_only(tmp_path):
    from tui_helpers import SIZE, fixed_app, wait_for

    from tui.screens.history import HistoryScreen

    path = tmp_path / "ponder.db"
    record_runs(path, 3)
    db = open_db(path, read_only=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("delete from runs")
    app = fixed_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: list(screen.table.keys()) == [3, 2, 1])


def test_a_read_only_folder_still_reads_and_refuses_writes_in_one_line(fake_llm, tmp_path):
    import subprocess
    import sys

    from test_cli_qa import ROOT, without_root_powers

    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "ponder.db"
    record_runs(path, 3)
    folder.chmod(0o555)
    try:
        for argv, reads in (
            (["runs"], True),
            (["runs", "--search", "problem"], True),
            (["show", "2"], True),
            (["scores"], True),
            (["export", str(tmp_path / "out.csv")], True),
            (["db", "check"], True),
            (["solve", "q"], False),
            (["grade", "1", "full"], False),
        ):
            proc = subprocess.run(
                [*without_root_powers(), sys.executable, "-m", "ponder", *argv, "--db", str(path)],
                cwd=ROOT,
                env=dict(
                    os.environ,
                    OPENAI_API_KEY="sk-test-ro",
                    OPENAI_BASE_URL=fake_llm.base_url_openai,
                ),
                capture_output=True,
                text=True,
                timeout=60,
            )
            if reads:
                assert proc.returncode == 0 and not proc.stderr, (argv, proc.stderr)
            else:
                lines = proc.stderr.strip().splitlines()
                assert proc.returncode == 2 and len(lines) == 1, (argv, proc.stderr)
                assert "read-only" in lines[0] and str(path) in lines[0]
        assert (tmp_path / "out.csv").read_text().count("\n") == 4
        assert not fake_llm.requests
    finally:
        folder.chmod(0o755)


# ---- a full disk ----------------------------------------------------------------------------


@pytest.fixture
def room(monkeypatch):
    """Set room["pages"] to let every database Ponder opens grow by that many pages only
    (SQLite's max_page_count: a full disk, without root)."""
    import store.db

    real = store.db.open_db
    limit: dict[str, int | None] = {"pages": None}

    def open_limited(*args, **kwargs):
        db = real(*args, **kwargs)
        if limit["pages"] is not None:
            n = db.execute("pragma page_count").fetchone()[0]
            db.execute(f"pragma max_page_count = {n + limit['pages']}")
        return db

    monkeypatch.setattr(store.db, "open_db", open_limited)
    return limit


def varied_text(size: int, seed: int) -> str:
    """Text that does not repeat itself (the engine stops a stream that loops)."""
    rng = random.Random(seed)
    words = []
    while sum(len(w) + 1 for w in words) < size:
        words.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)))
    return " ".join(words)[:size]


def long_transcript(steps: int = 12, size: int = 5000) -> str:
    body = "".join(
        f"<step>step {i} " + varied_text(size, i) + f"</step><count>{19 - i}</count>"
        for i in range(steps)
    )
    return (
        "<thinking>plan</thinking>"
        + body
        + "<answer>4</answer><reflection>ok</reflection><reward>0.9</reward>"
    )


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_full_disk_mid_run_keeps_the_steps_and_the_run_for_resume(
    fake_llm, tmp_path, monkeypatch, capsys, room, as_json
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-full")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    path = tmp_path / "ponder.db"
    open_db(path).close()
    fake_llm.queue(Reply(long_transcript(), chunk=400))
    room["pages"] = 12
    argv = [
        "solve",
        "q",
        "--max-tokens",
        "50000",
        "--db",
        str(path),
        *(["--json"] if as_json else []),
    ]
    assert exit_code(argv) == 1
    captured = capsys.readouterr()
    line = one_line(captured.err)
    assert "disk is full" in line and str(path) in line and "ponder resume 1" in line
    conn = sqlite3.connect(path)
    status, error = conn.execute("select status, error from runs where id = 1").fetchone()
    kept = conn.execute("select count(*) from steps where run_id = 1 and partial = 0").fetchone()[0]
    conn.close()
    assert status == "interrupted" and "full" in error
    assert 0 < kept < 12
    if as_json:
        obj = json.loads(captured.out)
        assert obj["run_id"] == 1 and obj["status"] == "interrupted"
        assert len(obj["steps"]) >= kept
    # Once there is room again, resume finishes it.
    room["pages"] = None
    fake_llm.responder = lambda body: Reply(
        "<answer>4</answer><reflection>ok</reflection><reward>0.9</reward>"
    )
    assert exit_code(["resume", "1", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"


def test_a_full_disk_stops_a_bench_which_resumes_later(
    fake_llm, tmp_path, monkeypatch, capsys, room
):
    from fakellm import dcot_responder

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-full")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    path = tmp_path / "ponder.db"
    db = ["--db", str(path)]
    assert exit_code(["problems", "ponder-mixed", *db]) == 0  # the bundled set, loaded
    capsys.readouterr()
    fake_llm.responder = lambda body: Reply(long_transcript(4, 3000), chunk=500)
    room["pages"] = 15
    argv = [
        "bench",
        "ponder-mixed",
        "--paradigm",
        "dcot",
        "--limit",
        "10",
        "--concurrency",
        "2",
        *db,
    ]
    assert exit_code(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert any(
        "is full" in ln and str(path) in ln and "--resume" in ln for ln in captured.err.splitlines()
    )
    conn = sqlite3.connect(path)
    started = conn.execute("select count(*) from runs").fetchone()[0]
    conn.close()
    assert 0 < started < 10
    room["pages"] = None
    fake_llm.responder = dcot_responder
    assert exit_code([*argv, "--resume"]) == 0, capsys.readouterr().err
    conn = sqlite3.connect(path)
    done = conn.execute(
        "select count(distinct problem_id) from runs where status = 'done'"
    ).fetchone()[0]
    assert done == 10


def test_db_recover_counts_what_it_could_not_read_from_the_pages_keys(damaged, tmp_path, capsys):
    target = tmp_path / "recovered.db"
    assert exit_code(["db", "recover", str(target), "--db", str(damaged)]) == 0
    out = capsys.readouterr().out
    conn = sqlite3.connect(target)
    ids = {r[0] for r in conn.execute("select id from runs")}
    conn.close()
    missing = sorted(set(range(1, RUNS + 1)) - ids)
    assert missing == list(range(missing[0], missing[-1] + 1))  # the rows of one page
    [runs_line] = [ln for ln in out.splitlines() if ln.startswith("runs:")]
    # Every run was numbered 1..RUNS and none deleted: "up to" is exact here.
    assert runs_line == (
        f"runs: {len(ids)} rows copied, {len(missing)} rows unreadable"
        f" (ids {missing[0]}-{missing[-1]})"
    ), out
    assert f"steps: {len(ids)} rows copied, {len(missing)} dropped (their run was lost)" in out


def destroy_the_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(random.Random(3).randbytes(100))


def test_db_recover_reads_page_by_page_when_the_header_is_destroyed(tmp_path, capsys):
    path = tmp_path / "ponder.db"
    record_runs(path, 25)
    destroy_the_header(path)
    assert exit_code(["runs", "--db", str(path)]) == 1  # damaged, not "bad usage"
    line = one_error_line(capsys)
    assert str(path) in line and "ponder db check" in line
    target = tmp_path / "recovered.db"
    assert exit_code(["db", "recover", str(target), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "its header is damaged" in out and "runs: 25 rows copied" in out, out
    assert "unreadable" not in out
    assert exit_code(["db", "check", "--db", str(target)]) == 0
    capsys.readouterr()
    assert exit_code(["show", "7", "--json", "--db", str(target)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["answer"] == "6" and shown["steps"][0]["content"].startswith("work for 6 ")


def test_db_recover_says_unknown_when_a_tables_only_page_is_lost(tmp_path, capsys):
    path = tmp_path / "ponder.db"
    record_runs(path, 3)  # every run on the root page of runs
    conn = sqlite3.connect(path)
    root = conn.execute("select rootpage from sqlite_master where name = 'runs'").fetchone()[0]
    size = conn.execute("pragma page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * size)
        f.write(bytes(size))
    target = tmp_path / "recovered.db"
    assert exit_code(["db", "recover", str(target), "--db", str(path)]) == 0
    out = capsys.readouterr().out
    [runs_line] = [ln for ln in out.splitlines() if ln.startswith("runs:")]
    assert runs_line == (
        "runs: 0 rows copied, an unknown number of rows unreadable,"
        " at least 3 of them named by other rows"
    ), out


@pytest.mark.parametrize(
    "argv",
    [
        ["runs"],
        ["scores"],
        ["show", "1"],
        ["datasets"],
        ["problems", "ponder-mixed"],
        ["solve", "q"],
        ["export", "{tmp}/out.csv"],
        ["grade", "--auto"],
    ],
    ids=lambda a: a[0],
)
def test_a_database_that_cannot_be_opened_is_exit_1_with_the_check_in_every_command(
    openai_env, tmp_path, capsys, argv
):
    path = tmp_path / "ponder.db"
    record_runs(path, 5)
    destroy_the_header(path)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert exit_code([*argv, "--db", str(path)]) == 1
    line = one_error_line(capsys)
    assert str(path) in line and "check it with `ponder db check" in line
    assert not openai_env.requests


def test_the_tui_on_a_damaged_database_exits_1_with_the_check(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "ponder.db"
    record_runs(path, 5)
    destroy_the_header(path)
    proc = subprocess.run(
        [sys.executable, "-m", "ponder", "--db", str(path)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1
    line = one_line(proc.stderr)
    assert str(path) in line and "check it with `ponder db check" in line
