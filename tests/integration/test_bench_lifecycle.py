"""A bench's lifecycle: `ponder benches` lists them, `bench --resume [ID]` continues the named
or the latest matching bench and says which, and refuses one another live process drives."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from cli_helpers import fake_process, import_small, ponder_process
from fakellm import FakeLLM, Reply

from ponder.launch import main


@pytest.fixture(autouse=True)
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-lifecycle")


def answer_right(body: dict[str, Any]) -> Reply:
    text = next(m["content"] for m in body["messages"] if m["role"] == "user")
    i = int(text.split(":")[0].split()[-1])
    return Reply(f"Final answer: {7 * i}")


def bench_ids(db: sqlite_utils.Database) -> list[str]:
    rows = db.conn.execute("select distinct bench_id from runs order by id").fetchall()
    return [r[0] for r in rows]


def benches_json(capsys: pytest.CaptureFixture) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["benches", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_resume_without_arms_continues_the_latest_bench_with_its_own_arms_and_says_so(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=4)
    url = fake_llm.base_url_openai
    fake_llm.responder = answer_right
    flags = ["--base-url", url, "--paradigm", "direct", "--model", "gpt-4o-mini"]
    assert main(["bench", "small", *flags, "--limit", "2"]) == 0
    (first,) = bench_ids(db)
    fake_llm.clear()
    capsys.readouterr()
    # No arms, model nor limit given: the bench's own (direct, gpt-4o-mini, 2 problems).
    assert main(["bench", "small", "--base-url", url, "--resume"]) == 0
    out = capsys.readouterr()
    assert f"resuming bench {first} (the latest matching: direct · gpt-4o-mini" in out.err
    assert "0 runs, 2 of 2 jobs already done" in out.out
    assert fake_llm.chat_requests == []
    assert bench_ids(db) == [first]


def test_resume_of_a_named_bench_continues_that_one_not_the_latest(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=4)
    url = fake_llm.base_url_openai
    fake_llm.responder = answer_right
    model = ["--base-url", url, "--model", "gpt-4o-mini"]
    assert main(["bench", "small", *model, "--paradigm", "direct", "--limit", "1"]) == 0
    assert main(["bench", "small", *model, "--paradigm", "dcot", "--limit", "1"]) == 0
    older, newer = bench_ids(db)
    fake_llm.clear()
    capsys.readouterr()
    # The older bench, grown to 3 problems: its own arm (direct) runs the 2 new ones.
    assert main(["bench", "small", *model, "--limit", "3", "--resume", older]) == 0
    out = capsys.readouterr()
    assert f"resuming bench {older} (named: direct · gpt-4o-mini" in out.err
    assert len(fake_llm.chat_requests) == 2
    runs = db.conn.execute("select bench_id, paradigm from runs order by id").fetchall()
    assert runs[2:] == [(older, "direct"), (older, "direct")]
    listed = {b["bench_id"]: b for b in benches_json(capsys)}
    assert (listed[older]["jobs"], listed[older]["done"]) == (3, 3)
    assert listed[newer]["paradigms"] == ["dcot"] and listed[newer]["status"] == "done"


@pytest.mark.parametrize(
    ("resume", "message"),
    [
        ("nosuchbench", "no bench 'nosuchbench' (ponder benches lists them)"),
        ("OTHER", "ran 'other', not 'small'"),
    ],
)
def test_resume_of_an_unknown_or_other_dataset_bench_is_one_line(
    fake_llm: FakeLLM,
    db: sqlite_utils.Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    resume: str,
    message: str,
) -> None:
    import_small(tmp_path, n=4)
    other = tmp_path / "other.csv"
    other.write_text("id,question,answer\n1,Problem 1: what is 1 times 7?,7\n")
    assert main(["import", str(other), "--dataset", "other"]) == 0
    fake_llm.responder = answer_right
    url = ["--base-url", fake_llm.base_url_openai, "--model", "gpt-4o-mini"]
    assert main(["bench", "other", *url, "--paradigm", "direct"]) == 0
    (other_id,) = bench_ids(db)
    capsys.readouterr()
    resume = other_id if resume == "OTHER" else resume
    assert main(["bench", "small", *url, "--resume", resume]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_benches_lists_status_progress_and_spend(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=4)
    fake_llm.responder = lambda body: Reply(status=401, error="invalid api key")
    url = ["--base-url", fake_llm.base_url_openai, "--model", "gpt-4o-mini"]
    assert main(["bench", "small", *url, "--paradigm", "direct", "--limit", "2"]) == 1
    fake_llm.responder = answer_right
    assert main(["bench", "small", *url, "--paradigm", "direct", "--paradigm", "dcot"]) == 0
    failed, mixed = bench_ids(db)
    listed = benches_json(capsys)
    assert [b["bench_id"] for b in listed] == [mixed, failed]  # newest first
    by_id = {b["bench_id"]: b for b in listed}
    assert by_id[failed]["status"] == "failed" and by_id[failed]["done"] == 0
    assert by_id[mixed]["status"] == "done"
    assert by_id[mixed]["paradigms"] == ["direct", "dcot"]
    assert by_id[mixed]["models"] == ["gpt-4o-mini"]
    assert by_id[mixed]["jobs"] == 8 and by_id[mixed]["runs"] == 8
    assert by_id[mixed]["cost_usd"] is not None and by_id[mixed]["started_at"]
    assert main(["benches"]) == 0
    text = capsys.readouterr().out
    assert "status" in text and f"{mixed}" in text and "direct + dcot" in text


def test_benches_on_an_empty_store_says_so(db: sqlite_utils.Database, capsys) -> None:
    assert main(["benches"]) == 0
    assert "no benches yet" in capsys.readouterr().out
    assert benches_json(capsys) == []


def _start_slow_fake(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    slow = {"text": "Working it out.\nFinal answer: 7", "chunk": 4, "delay": 0.2}
    return fake_process(tmp_path, slow)


@pytest.mark.slow
def test_a_resume_while_another_process_runs_the_bench_is_refused_in_one_line(
    db: sqlite_utils.Database, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import_small(tmp_path, n=6)
    fake, port = _start_slow_fake(tmp_path)
    url = f"http://127.0.0.1:{port}/v1"
    flags = ["--base-url", url, "--paradigm", "direct", "--model", "gpt-4o-mini"]
    other = ponder_process("bench", "small", *flags, "--concurrency", "1")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = db.conn.execute("select count(*) from runs where status = 'running'").fetchone()
            if row[0]:
                break
            time.sleep(0.05)
        (bench_id,) = bench_ids(db)
        runs_before = db.conn.execute("select count(*) from runs").fetchone()[0]
        capsys.readouterr()
        assert main(["bench", "small", *flags, "--resume"]) == 1
        err = capsys.readouterr().err
        assert f"bench {bench_id} is running in process {other.pid} on this machine" in err
        assert len(err.strip().splitlines()) == 1
        assert db.conn.execute("select count(*) from runs").fetchone()[0] <= runs_before + 1
        statuses = {b["bench_id"]: b["status"] for b in benches_json(capsys)}
        assert statuses == {bench_id: "running"}
        other.kill()
        other.communicate(timeout=20)
        # Killed: its lease goes with its process, and the resume goes on.
        assert main(["bench", "small", *flags, "--resume", bench_id, "--concurrency", "3"]) == 0
        assert bench_ids(db) == [bench_id]
    finally:
        if other.poll() is None:
            other.kill()
            other.communicate(timeout=20)
        fake.terminate()
        fake.wait(10)
