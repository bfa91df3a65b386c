"""A real full disk (a small tmpfs) under the commands that write: one line, exit 1, nothing lost."""

from __future__ import annotations

import sqlite3

from cli_helpers import exit_code
from disk_helpers import small_disk

from store.db import open_db


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def big_csv(path, rows: int, size: int) -> None:
    with open(path, "w") as f:
        f.write("question,answer\n")
        for i in range(rows):
            f.write(f"problem {i} {'x' * size},{i}\n")


def test_an_import_that_fills_the_disk_reports_the_full_disk_and_keeps_the_set(tmp_path, capsys):
    # Larger than SQLite's page cache, so the full disk is met as the cache spills mid-statement,
    # where SQLite rolls the transaction back by itself.
    with small_disk(tmp_path / "disk", "4m") as disk:
        path = disk / "ponder.db"
        small, large = tmp_path / "small.csv", tmp_path / "large.csv"
        big_csv(small, 5, 10)
        big_csv(large, 3000, 2000)  # 6 MB of text: more than the disk holds
        assert exit_code(["import", str(small), "--dataset", "s", "--db", str(path)]) == 0
        capsys.readouterr()
        assert exit_code(["import", str(large), "--dataset", "s", "--db", str(path)]) == 1
        line = one_line(capsys.readouterr().err)
        assert "disk is full" in line and str(path) in line, line
        assert "rollback" not in line
        conn = sqlite3.connect(path)
        try:
            texts = [r[0] for r in conn.execute("select text from problems where dataset = 's'")]
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        assert len(texts) == 5 and all(len(t) < 100 for t in texts)
        open_db(path).close()  # and it still opens


def test_a_bench_that_fills_the_disk_leaves_no_run_running_and_says_how_to_resume(
    fake_llm, tmp_path
):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from fakellm import Reply, demo_responder

    root = Path(__file__).resolve().parents[1]
    with small_disk(tmp_path / "disk", "1m") as disk:
        path = disk / "ponder.db"
        env = dict(
            os.environ,
            OPENAI_API_KEY="sk-test-full",
            OPENAI_BASE_URL=fake_llm.base_url_openai,
            PONDER_DB=str(path),
        )

        def ponder(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "ponder", *argv],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )

        assert ponder("problems", "ponder-mixed").returncode == 0
        fake_llm.responder = lambda body: Reply(demo_responder(body).text, chunk=50)
        bench = ponder(
            "bench", "ponder-mixed", "--paradigm", "dcot", "--paradigm", "g1",
            "--concurrency", "4", "--model", "fake-model",
        )  # fmt: skip
        assert bench.returncode == 1
        err = bench.stderr
        assert "Traceback" not in err and "aclose" not in err and "asynchronous" not in err, err
        last = err.strip().splitlines()[-1]
        assert "is full" in last and str(path) in last and "--resume" in last, err
        conn = sqlite3.connect(path)
        try:
            statuses = dict(conn.execute("select status, count(*) from runs group by status"))
        finally:
            conn.close()
        assert statuses.get("interrupted", 0) >= 1 and "running" not in statuses, statuses
