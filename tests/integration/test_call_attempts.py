"""Every attempt of a provider request is its own `calls` row: status, error and timing."""

from __future__ import annotations

import sqlite3

import pytest
from cli_helpers import TRANSCRIPT, exit_code
from fakellm import Reply


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_each_retry_of_a_request_is_recorded_as_its_own_attempt(
    fake_llm, monkeypatch, tmp_path, capsys, kind
):
    if kind == "openai":
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-attempts")
        monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    else:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-attempts")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.base_url_anthropic)
    fake_llm.queue(
        Reply(status=429, retry_after=0, error="slow down"),
        Reply(status=503, retry_after=0, error="try later"),
        Reply(TRANSCRIPT),
    )
    db = tmp_path / "ponder.db"
    assert exit_code(["solve", "q", "--db", str(db)]) == 0, capsys.readouterr().err
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "select idx, attempt, status, error is not null, response is not null, elapsed_s"
        " from calls where run_id = 1 order by id"
    ).fetchall()
    calls = conn.execute("select calls from runs where id = 1").fetchone()[0]
    assert [r[:5] for r in rows] == [
        (1, 1, 429, 1, 0),
        (1, 2, 503, 1, 0),
        (1, 3, None, 0, 1),
    ]
    assert all(r[5] is not None and r[5] >= 0 for r in rows)
    assert calls == 1  # one request, three attempts
    assert len(fake_llm.requests) == 3


def test_the_last_failed_attempt_keeps_its_status(fake_llm, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-attempts")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    fake_llm.responder = lambda body: Reply(status=401, error="bad key")
    db = tmp_path / "ponder.db"
    assert exit_code(["solve", "q", "--db", str(db)]) == 1
    capsys.readouterr()
    conn = sqlite3.connect(db)
    rows = conn.execute("select attempt, status, error from calls where run_id = 1").fetchall()
    assert len(rows) == 1 and rows[0][:2] == (1, 401) and "401" in rows[0][2]
