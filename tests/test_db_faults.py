"""The database failing under a command: a damaged page, a read-only file or folder, a full disk."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

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
from store.recorder import RunRecorder
from tui.cli import main

RUNS = 120


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def record_runs(path: Path, n: int = RUNS) -> None:
    db = open_db(path)
    for i in range(n):
        rec = RunRecorder(db)
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
                [*without_root_powers(), sys.executable, "-m", "tui.cli", *argv, "--db", str(path)],
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
