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
