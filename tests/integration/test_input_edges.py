"""Input validated at the edge: base URLs, usage errors that create nothing, the prompt's size,
a database from a newer Ponder, a home that cannot be written, bytes that are no event stream."""

from __future__ import annotations

import json
import sqlite3

import pytest
from cli_helpers import TRANSCRIPT, ponder
from fakellm import Reply


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ---- a base URL with a query string ---------------------------------------------------------


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_base_url_with_a_query_calls_the_right_path_with_the_query(
    fake_llm, capsys, tmp_path, monkeypatch, provider
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-env")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-env")
    fake_llm.responder = lambda body: Reply(TRANSCRIPT)
    root = fake_llm.base_url_openai if provider == "openai" else fake_llm.base_url_anthropic
    url = f"{root}?api-version=2024-06-01&api-key=sk-in-the-query-123456"
    db = str(tmp_path / "p.db")
    code, out, err = ponder(
        capsys, "solve", "q", "--provider", provider, "--base-url", url,
        "--model", "claude-sonnet-4-5" if provider == "anthropic" else "fake-model",
        "--json", "--db", db,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["answer"] == "4"
    [request] = [r for r in fake_llm.requests if r.protocol != "other"]
    assert request.path == ("/v1/chat/completions" if provider == "openai" else "/v1/messages")
    assert "api-version=2024-06-01" in request.query and not fake_llm.violations
    conn = sqlite3.connect(db)
    stored = conn.execute("select base_url from runs").fetchone()[0]
    conn.close()
    assert "sk-in-the-query-123456" not in stored


def test_a_base_url_with_a_fragment_is_refused_in_one_line(openai_env, capsys, tmp_path):
    code, _, err = ponder(
        capsys, "solve", "q", "--base-url", "http://127.0.0.1:9/v1#x", "--model", "m",
        "--db", str(tmp_path / "p.db"),
    )  # fmt: skip
    assert code == 2 and "#fragment" in one_line(err)
    assert not (tmp_path / "p.db").exists()


# ---- a usage error creates nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", "x", "--provider", "nonexistent"],
        ["solve", "--problem", "nodataset", "--paradigm", "dcot"],
        ["solve", "x", "--attempts", "0"],
        ["solve", "x", "--base-url", "ftp://example.com/v1", "--model", "m"],
    ],
    ids=["provider", "problem-form", "attempts", "base-url"],
)
def test_a_command_that_fails_on_usage_creates_no_database(openai_env, capsys, tmp_path, argv):
    path = tmp_path / "home" / "ponder.db"
    code, out, err = ponder(capsys, *argv, "--db", str(path))
    assert code == 2 and not out
    one_line(err)
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "5"],
        ["bench", "nosuchset"],
        ["grade", "3", "full"],
        ["scores", "nosuchset"],
        ["problems", "nosuchset"],
        ["report", "nosuchset"],
    ],
    ids=lambda a: a[0],
)
def test_any_command_that_fails_on_usage_leaves_no_new_database(capsys, tmp_path, argv):
    path = tmp_path / "home" / "data" / "ponder.db"
    code, _, err = ponder(capsys, *argv, "--db", str(path))
    assert code == 2
    one_line(err)
    assert not (tmp_path / "home").exists()


def test_a_failed_command_keeps_a_database_it_did_not_create(capsys, tmp_path):
    path = tmp_path / "ponder.db"
    assert ponder(capsys, "problems", "ponder-mixed", "--db", str(path))[0] == 0
    assert ponder(capsys, "show", "5", "--db", str(path))[0] == 2
    assert path.exists()


# ---- a very large prompt --------------------------------------------------------------------


def test_a_very_large_prompt_is_sent_only_with_yes(openai_env, capsys, tmp_path):
    from reasoning.providers.endpoint import LARGE_PROMPT_TOKENS

    openai_env.responder = lambda body: Reply(TRANSCRIPT)
    prompt = "y" * (LARGE_PROMPT_TOKENS * 4 + 400)
    db = str(tmp_path / "p.db")
    code, _, err = ponder(capsys, "solve", prompt, "--model", "gpt-4o-mini", "--db", db)
    line = one_line(err)
    assert code == 2 and "--yes" in line and "tokens" in line and "$" in line, line
    assert not openai_env.requests and not (tmp_path / "p.db").exists()
    code, _, err = ponder(capsys, "solve", prompt, "--yes", "--model", "gpt-4o-mini", "--db", db)
    assert code == 0, err
    assert len(openai_env.requests) == 1


# ---- ponder datasets without a home it can write ---------------------------------------------


def test_datasets_lists_the_bundled_sets_where_no_database_can_be_made(tmp_path):
    import os
    import subprocess
    import sys

    from test_cli_qa import ROOT, without_root_powers

    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    try:
        proc = subprocess.run(
            [*without_root_powers(), sys.executable, "-m", "ponder", "datasets", "--json"],
            cwd=ROOT,
            env=dict(os.environ, PONDER_DB=str(home / "data" / "ponder.db")),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        home.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    line = one_line(proc.stderr)
    assert str(home / "data" / "ponder.db") in line and "bundled sets only" in line
    names = {d["name"]: d for d in json.loads(proc.stdout)}
    assert names["ponder-mixed"]["source"] == "bundled" and names["ponder-mixed"]["problems"] > 0
    assert not (home / "data").exists()


# ---- a database from a newer Ponder ---------------------------------------------------------


def test_a_database_from_a_newer_ponder_reads_with_a_notice_and_refuses_writes(
    openai_env, capsys, tmp_path
):
    from test_store_migrations import newer_database

    path = tmp_path / "newer.db"
    newer_database(path)
    before = path.read_bytes()
    code, out, err = ponder(capsys, "runs", "--db", str(path))
    line = one_line(err)
    assert code == 0 and "newer Ponder" in line and "read-only" in line and str(path) in line
    code, out, err = ponder(capsys, "solve", "q", "--db", str(path))
    line = one_line(err)
    assert code == 1 and "newer Ponder" in line and "upgrade" in line
    assert not openai_env.requests
    assert path.read_bytes() == before


# ---- random bytes under text/event-stream --------------------------------------------------


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_random_bytes_under_an_event_stream_fail_at_once_saying_so(
    fake_llm, capsys, tmp_path, monkeypatch, provider
):
    import random

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-env")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-env")
    noise = random.Random(5).randbytes(20_000)
    fake_llm.responder = lambda body: Reply(body=noise, content_type="text/event-stream")
    root = fake_llm.base_url_openai if provider == "openai" else fake_llm.base_url_anthropic
    code, _, err = ponder(
        capsys, "solve", "q", "--provider", provider, "--base-url", root,
        "--model", "claude-sonnet-4-5" if provider == "anthropic" else "fake-model",
        "--db", str(tmp_path / "p.db"),
    )  # fmt: skip
    assert code == 1
    lines = [ln for ln in err.strip().splitlines() if "retrying" not in ln]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "text/event-stream but sent no server-sent events" in lines[0], err
    assert "finish_reason" not in err and "message_stop" not in err
    assert len(fake_llm.requests) == 1  # no retry: a retry does not mend it
