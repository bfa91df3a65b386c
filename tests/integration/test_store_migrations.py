"""Opening an older database upgrades it and keeps its data (SPEC §4)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from store.db import open_db
from store.migrations import MIGRATIONS, migrate
from store.queries import list_runs


def first_migration_db(path: Path) -> None:
    """A database as the first release made it, with one run in it."""
    db = sqlite_utils.Database(path)
    assert migrate(db, MIGRATIONS[:1]) == ["m001_initial"]
    db.execute(
        "insert into runs (prompt, paradigm, provider, model, status, answer, started_at)"
        " values ('old prompt about primes', 'dcot', 'openai', 'gpt-old', 'done', '7', '2025-01-01T00:00:00+00:00')"
    )
    db.close()


def test_opening_a_first_migration_database_upgrades_it_and_keeps_the_data(tmp_path):
    path = tmp_path / "old.db"
    first_migration_db(path)
    db = open_db(path)
    names = [r[0] for r in db.execute("select name from _ponder_migrations order by name")]
    assert names == sorted(name for name, _ in MIGRATIONS)
    assert "host" in db["runs"].columns_dict
    (run,) = list_runs(db)
    assert (run.model, run.answer, run.status) == ("gpt-old", "7", "done")
    assert [r.run_id for r in list_runs(db, search="primes")] == [run.run_id]
    assert migrate(db) == []  # a second open applies nothing


def test_run_updates_reindex_only_when_indexed_text_changes(tmp_path):
    db = open_db(tmp_path / "p.db")
    db.execute("insert into runs (prompt, answer, model) values ('a prompt', 'old answer', 'm')")
    changes = db.conn.total_changes
    db.execute("update runs set heartbeat_at = 1, input_tokens = 5")
    assert db.conn.total_changes - changes == 1  # the row, and no FTS rows
    db.execute("update runs set answer = 'new answer'")
    assert [r[0] for r in db.execute("select rowid from runs_fts where runs_fts match 'new'")] == [
        1
    ]
    assert [r[0] for r in db.execute("select rowid from runs_fts where runs_fts match 'old'")] == []
    db.execute("insert into runs_fts (runs_fts) values ('integrity-check')")  # raises if corrupt


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path):
    db = sqlite_utils.Database(tmp_path / "p.db")

    def broken(db: sqlite_utils.Database) -> None:
        db.execute("create table half_done (x)")
        raise RuntimeError("boom")

    try:
        migrate(db, [*MIGRATIONS[:1], ("m999_broken", broken)])
    except RuntimeError:
        pass
    assert "half_done" not in db.table_names()
    assert "runs" not in db.table_names()
    assert [r[0] for r in db.execute("select name from _ponder_migrations")] == []


def test_two_processes_creating_the_database_at_once_both_succeed(tmp_path):
    path = tmp_path / "new.db"
    code = "import sys; from store.db import open_db; open_db(sys.argv[1]); print('ok')"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    conn = sqlite3.connect(path)
    assert conn.execute("select count(*) from _ponder_migrations").fetchone()[0] == len(MIGRATIONS)


def newer_database(path) -> None:
    """A database as a newer Ponder leaves it: a migration unknown here, a column, a table."""
    db = open_db(path)
    db.execute("alter table runs add column tomorrow text")
    db.execute("create table future_things (id integer primary key, what text)")
    db.execute(
        "insert into _ponder_migrations (name, applied_at) values ('m999_future_things', 'x')"
    )
    db.conn.commit()
    db.close()


def test_a_database_from_a_newer_ponder_is_opened_read_only(tmp_path):
    import sqlite3

    from store.db import is_read_only, newer_migrations

    path = tmp_path / "newer.db"
    newer_database(path)
    before = path.read_bytes()
    db = open_db(path)
    assert newer_migrations(db) == ["m999_future_things"]
    assert is_read_only(db)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("insert into future_things (what) values ('x')")
    db.close()
    assert path.read_bytes() == before


def test_our_own_database_is_not_newer(tmp_path):
    from store.db import is_read_only, newer_migrations

    db = open_db(tmp_path / "ours.db")
    assert newer_migrations(db) == [] and not is_read_only(db)
