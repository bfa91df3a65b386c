"""Regression tests for command-line bugs found by using `ponder` as a demanding user would."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import TRANSCRIPT, exit_code
from fakellm import Reply, filler

ROOT = Path(__file__).resolve().parents[2]
PONDER = [sys.executable, "-m", "ponder"]
HUGE = "99999999999999999999999"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ---- numbers and text on the command line ---------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["show", HUGE],
        ["show", HUGE, "--json"],
        ["runs", "--limit", HUGE],
        ["resume", HUGE],
        ["grade", HUGE, "full"],
        ["grade", "--auto", HUGE],
        ["grade", "²", "full"],
        ["solve", "q", "--attempts", HUGE],
        ["bench", "ponder-mixed", "--attempts", HUGE],
    ],
)
def test_numbers_out_of_range_are_usage_errors(openai_env, capsys, argv):
    assert exit_code(argv) == 2
    assert "provider" not in one_error_line(
        capsys
    )  # refused for the number, not for another reason
    assert not openai_env.requests


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", "What \udcff is 2?"],
        ["solve", "q", "--model", "m\udcff"],
        ["solve", "--problem", "set\udcff:1"],
        ["import", "x.json", "--dataset", "d\udcff"],
        ["problems", "d\udcff"],
        ["scores", "d\udcff"],
        ["grade", "--auto", "d\udcff"],
        ["export", "x.csv", "--dataset", "d\udcff"],
        ["check", "\udcff", "1"],
    ],
)
def test_arguments_that_are_not_utf8_are_usage_errors(openai_env, capsys, argv):
    assert exit_code(argv) == 2
    assert "UTF-8" in one_error_line(capsys)


def test_stdin_that_is_not_utf8_is_a_usage_error(openai_env, capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(b"What \xff\xfe is 2?"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert exit_code(["solve", "-"]) == 2
    assert "UTF-8" in one_error_line(capsys)
    assert not openai_env.requests  # refused before any call


def test_stdin_prompt_in_utf8_is_read(openai_env, capsys, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO("Résous 2x = 8 ✓".encode()), encoding="ascii")
    monkeypatch.setattr(sys, "stdin", stdin)
    openai_env.queue(Reply(TRANSCRIPT))
    assert exit_code(["solve", "-", "--no-store", "--json"]) == 0
    assert "Résous 2x = 8 ✓" in openai_env.chat_requests[0].last_user_text


def test_import_of_a_file_whose_name_is_not_utf8(capsys, tmp_path):
    path = tmp_path / "caf\udce9.json"  # the bytes b"caf\xe9.json": a Latin-1 file name
    path.write_text('[{"question": "What is 2+2?", "answer": "4"}]')
    assert exit_code(["import", str(path)]) == 0, capsys.readouterr().err
    assert exit_code(["datasets", "--json"]) == 0
    names = [d["name"] for d in json.loads(capsys.readouterr().out.splitlines()[-1])]
    assert "caf\ufffd" in names


# ---- import --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.jsonl", '{"question": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
        # Readable by json, but too deep for the cell-to-text conversion after it.
        ("deep900.jsonl", '{"question": ' + "[" * 900 + '"x"' + "]" * 900 + "}\n"),
        ("deep900.json", '[{"question": "q", "meta": ' + "[" * 900 + "]" * 900 + "}]"),
    ],
    ids=["json", "jsonl", "jsonl-900", "json-900"],
)
def test_import_of_deeply_nested_json_is_a_clear_error(capsys, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    assert exit_code(["import", str(path)]) == 2
    line = one_error_line(capsys)
    assert name in line and "nested" in line


# ---- solve output --------------------------------------------------------------------------


@pytest.mark.parametrize("store", [True, False])
def test_solve_json_escapes_c1_controls_like_show(openai_env, capsys, store):
    answer = "4 \x9b31m red \x85 \u2028 end"
    openai_env.queue(
        Reply(f"<answer>{answer}</answer><reflection>r</reflection><reward>0.9</reward>")
    )
    argv = ["solve", "q", "--json"] + ([] if store else ["--no-store"])
    assert exit_code(argv) == 0
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x9b\x85\u2028")
    assert json.loads(out)["answer"] == answer


HOSTILE = (
    "a \x1b[2J\x1b]0;PWNED\x07 b \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ c \x9b31m d"
    " \x1bP1$qm\x1b\\ e [bold]f[/]"
)


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_escape_sequences_cut_between_deltas_leave_no_residue(openai_env, capsys, chunk):
    from ponder.text import safe_text

    openai_env.queue(Reply(f"<step>{HOSTILE}</step><answer>4</answer>", chunk=chunk))
    assert exit_code(["solve", "q", "--no-store"]) == 0
    out = capsys.readouterr().out
    assert safe_text(HOSTILE) in out  # the same text as when it arrives in one piece
    assert "PWNED" not in out and "evil" not in out and "31m" not in out


def test_attempts_print_whole_steps_each_marked_with_its_attempt(openai_env, capsys):
    openai_env.responder = lambda body: Reply(
        "<step>first line\nsecond line</step><count>19</count>"
        "<answer>4</answer><reflection>ok</reflection><reward>0.9</reward>",
        chunk=2,
        delay=0.002,
    )
    assert exit_code(["solve", "q", "--attempts", "2", "--no-store"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    body = [ln for ln in lines if not ln.startswith(("selected attempt", "answer:"))]
    assert body and all(ln.startswith(("[1] ", "[2] ")) for ln in body), lines
    for k in ("[1]", "[2]"):
        assert f"{k}    first line" in lines and f"{k}    second line" in lines


# ---- a real process ------------------------------------------------------------------------


def ponder_process(fake, tmp_path: Path, *argv: str) -> subprocess.Popen[bytes]:
    """`ponder ARGV` as its own process against the fake server, its database under tmp_path."""
    env = dict(
        os.environ,
        OPENAI_API_KEY="sk-test-qa",
        OPENAI_BASE_URL=fake.base_url_openai,
        PONDER_DB=str(tmp_path / "ponder.db"),
    )
    return subprocess.Popen(
        [*PONDER, *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_solve_into_a_closed_pipe_stops_quietly_and_records_the_run(fake_llm, tmp_path):
    from store.db import open_db

    long = "<step>" + filler(6800) + "</step><answer>4</answer>"
    fake_llm.queue(Reply(long, chunk=5, delay=0.005))
    proc = ponder_process(fake_llm, tmp_path, "solve", "q")
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # `ponder solve q | head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(30) == 0
    assert "Traceback" not in err and "Exception" not in err, err
    statuses = [
        r[0] for r in open_db(tmp_path / "ponder.db").conn.execute("select status from runs")
    ]
    assert statuses == ["cancelled"]


@pytest.mark.parametrize("attempts", ["1", "2"])
def test_ctrl_c_on_solve_says_which_runs_were_kept(fake_llm, tmp_path, attempts):
    import signal

    from store.db import open_db

    long = "<thinking>plan</thinking><step>" + filler(6800) + "</step><answer>4</answer>"
    fake_llm.responder = lambda body: Reply(long, chunk=5, delay=0.005)
    proc = ponder_process(fake_llm, tmp_path, "solve", "q", "--attempts", attempts)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    err = proc.stderr.read().decode().strip().splitlines()
    ids = [r[0] for r in open_db(tmp_path / "ponder.db").conn.execute("select id from runs")]
    assert len(ids) == int(attempts) and len(err) == 1, err
    assert "cancelled" in err[0] and all(str(i) in err[0] for i in ids)


# ---- the database ----------------------------------------------------------------------------


def without_root_powers() -> list[str]:
    """A command prefix under which a 0444 file is really read-only (root ignores modes)."""
    if os.geteuid() != 0:
        return []
    import shutil

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: a read-only file cannot be made so")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]


@pytest.fixture
def read_only_db(tmp_path):
    from store_helpers import record_run

    from reasoning.events import Usage
    from store.db import open_db
    from store.problems import ensure_bundled

    path = tmp_path / "ro" / "ponder.db"
    db = open_db(path)
    ensure_bundled(db)
    record_run(db, "2+2?", "4", paradigm="direct", usage=Usage(1, 1), elapsed_s=0.1)
    db.close()
    path.chmod(0o444)
    yield path
    path.chmod(0o644)


def run_as_user(fake, tmp_path: Path, argv: list[str]) -> tuple[int, str, str]:
    env = dict(os.environ, OPENAI_API_KEY="sk-test-qa", OPENAI_BASE_URL=fake.base_url_openai)
    proc = subprocess.run(
        [*without_root_powers(), *PONDER, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_a_read_only_database_refuses_writes_in_one_line_and_still_reads(
    fake_llm, tmp_path, read_only_db
):
    db = ["--db", str(read_only_db)]
    problems = tmp_path / "p.json"
    problems.write_text('[{"question": "q", "answer": "1"}]')
    for argv in (
        ["solve", "q", *db],
        ["grade", "1", "full", *db],
        ["grade", "--auto", *db],
        ["import", str(problems), *db],
        ["bench", "ponder-mixed", "--limit", "1", *db],
    ):
        code, _, err = run_as_user(fake_llm, tmp_path, argv)
        assert code == 2 and len(err.splitlines()) == 1, (argv, err)
        assert "read-only" in err and str(read_only_db) in err
    assert not fake_llm.requests
    for argv in (["runs", *db], ["show", "1", *db], ["datasets", *db], ["scores", *db]):
        code, out, err = run_as_user(fake_llm, tmp_path, argv)
        assert code == 0 and not err, (argv, err)


# ---- secrets -------------------------------------------------------------------------------


def test_a_password_in_the_base_url_reaches_neither_the_screen_nor_the_database(
    capsys, tmp_path, monkeypatch
):
    secret = "pw-qa-SECRET-123"
    url = f"http://proxyuser:{secret}@127.0.0.1:9/v1?api_key={secret}x&model=m"  # a closed port
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.proxy]\nkind = "openai"\nbase_url = "{url}"\nmodel = "m"\nmax_retries = 0\n'
    )
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-qa")
    db = tmp_path / "ponder.db"
    assert exit_code(["solve", "q", "--provider", "proxy", "--db", str(db)]) == 1
    assert exit_code(["show", "1", "--json", "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err
    assert "127.0.0.1:9" in captured.err  # the message still says where
    for file in tmp_path.glob("ponder.db*"):
        assert secret.encode() not in file.read_bytes(), file.name


# ---- model text that is not valid Unicode ---------------------------------------------------


def test_a_lone_surrogate_in_streamed_text_is_replaced_not_a_crash(openai_env, capsys):
    openai_env.queue(Reply("<step>lone \udcff here</step><answer>4 \ud800</answer>"))
    assert exit_code(["solve", "q", "--json"]) == 0, capsys.readouterr().err
    obj = json.loads(capsys.readouterr().out)
    assert obj["steps"][0]["content"] == "lone \ufffd here" and obj["answer"] == "4 \ufffd"


def test_g1_json_escapes_decode_to_valid_text_even_split_across_deltas(openai_env, capsys):
    step = (
        '{"title": "T \\udcff", "content": "smile \\ud83d\\ude00 lone \\ud800 end",'
        ' "next_action": "final_answer", "confidence": 0.9}'
    )
    openai_env.queue(Reply(step, chunk=3), Reply("4"))
    argv = ["solve", "q", "--paradigm", "g1", "--min-steps", "1", "--max-steps", "2"]
    assert exit_code(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "smile 😀 lone \ufffd end" in out
    assert exit_code(["show", "1", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert steps[0]["title"] == "T \ufffd"
    assert steps[0]["content"] == "smile 😀 lone \ufffd end"


@pytest.mark.parametrize("attempts", ["1", "2"])
def test_a_failed_run_with_json_still_says_why_on_stderr(openai_env, capsys, attempts):
    openai_env.responder = lambda body: Reply(status=401)
    assert exit_code(["solve", "q", "--json", "--attempts", attempts]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "failed"
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "401" in err[0], err


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_text("not a database, just text\n" * 100), "not a SQLite database"),
        (lambda p: p.write_bytes(os.urandom(8192)), "not a SQLite database"),
    ],
    ids=["folder", "text", "random"],
)
def test_a_db_path_that_is_not_a_database_names_the_path_and_the_reason(
    capsys, tmp_path, make, reason
):
    path = tmp_path / "x.db"
    make(path)
    assert exit_code(["runs", "--db", str(path)]) == 2
    line = one_error_line(capsys)
    assert str(path) in line and reason in line


def test_a_db_path_under_a_file_names_the_file(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "ponder.db"
    assert exit_code(["runs", "--db", str(path)]) == 2
    line = one_error_line(capsys)
    assert str(path) in line and "not a folder" in line


def test_a_prompt_file_that_is_not_utf8_is_refused_before_the_run(openai_env, capsys, tmp_path):
    (tmp_path / "dcot_system.txt").write_bytes(b"Budget {budget} \xff\xfe")
    (tmp_path / "notes.txt").write_bytes(b"\xff not a prompt of ours: ignored")
    assert exit_code(["solve", "q", "--prompts", str(tmp_path)]) == 2
    line = one_error_line(capsys)
    assert "dcot_system.txt" in line and "UTF-8" in line
    assert not openai_env.requests


def test_a_dataset_name_with_control_characters_is_refused(capsys, tmp_path):
    path = tmp_path / "p.json"
    path.write_text('[{"question": "q", "answer": "1"}]')
    assert exit_code(["import", str(path), "--dataset", "evil\x1b[31mred"]) == 2
    assert "control" in one_error_line(capsys)


def test_a_file_name_with_control_characters_gives_a_clean_dataset_name(capsys, tmp_path):
    path = tmp_path / "set\x1b[31m\t1.json"
    path.write_text('[{"question": "q", "answer": "1"}]')
    assert exit_code(["import", str(path)]) == 0
    assert exit_code(["datasets", "--json"]) == 0
    names = {d["name"] for d in json.loads(capsys.readouterr().out.splitlines()[-1])}
    assert "set[31m 1" in names


@pytest.mark.parametrize("url", ["notaurl", "ftp://x/v1", "http://", "http://[::1/v1"])
@pytest.mark.parametrize("command", ["solve", "bench"])
def test_a_base_url_that_is_not_http_is_a_usage_error_at_once(openai_env, capsys, url, command):
    argv = ["solve", "q"] if command == "solve" else ["bench", "ponder-mixed", "--limit", "1"]
    # A usage error (2), not a run that failed after retries (1): no request was tried.
    assert exit_code([*argv, "--base-url", url]) == 2
    line = one_error_line(capsys)
    assert "http" in line and (url in line or command == "bench")


def test_resume_of_a_run_whose_base_url_held_a_password_asks_for_the_url(openai_env, capsys):
    from store_helpers import recorder

    from reasoning.events import RunSettings, RunStarted
    from store.db import open_db

    db = open_db()
    rec = recorder(db)
    url = "http://user:pw-qa-SECRET@127.0.0.1:9/v1"
    settings = RunSettings(paradigm="direct")
    rec.handle(RunStarted("direct", "openai", "gpt-test", url, "What is 2+2?", settings))
    db.execute("update runs set status = 'interrupted' where id = ?", [rec.run_id])
    db.conn.commit()
    assert exit_code(["resume", str(rec.run_id)]) == 2
    assert "--base-url" in one_error_line(capsys)
    assert not openai_env.requests  # nothing sent to a URL with '***' for a password
    openai_env.queue(Reply("The answer is 4."))
    argv = ["resume", str(rec.run_id), "--base-url", openai_env.base_url_openai, "--json"]
    assert exit_code(argv) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"


G1_STEP = '{"title": "t", "content": "c", "next_action": "continue", "confidence": 0.8}'


@pytest.mark.parametrize("extra", [[], ["--min-steps", "2"]])
def test_max_steps_is_a_hard_cap_even_below_the_default_min_steps(openai_env, capsys, extra):
    n = iter(range(100))
    openai_env.responder = lambda body: Reply(
        "Final answer: 4"
        if "final answer" in json.dumps(body).lower()[-400:]
        else G1_STEP.replace('"c"', f'"idea {next(n)}"')  # the same step again is a loop
    )
    argv = ["solve", "q", "--paradigm", "g1", "--max-steps", "5", "--json", *extra]
    assert exit_code(argv) == 0, capsys.readouterr().err
    obj = json.loads(capsys.readouterr().out)
    assert obj["stop_reason"] == "max_steps"
    assert len([s for s in obj["steps"] if s["kind"] in ("step", "reflection")]) <= 5


def test_min_steps_above_max_steps_is_a_usage_error(openai_env, capsys):
    argv = ["solve", "q", "--paradigm", "g1", "--min-steps", "10", "--max-steps", "5"]
    assert exit_code(argv) == 2
    assert "--min-steps" in one_error_line(capsys)


def test_direct_cut_by_max_tokens_every_time_fails_and_says_so(openai_env, capsys):
    n = iter(range(1, 100))
    openai_env.responder = lambda body: Reply(
        f"Let me think, part {next(n)}. First 2 + 2 is 4, then", finish="length"
    )
    assert exit_code(["solve", "q", "--paradigm", "direct", "--json"]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert obj["status"] == "failed" and obj["stop_reason"] == "max_tokens"
    assert obj["answer"] is None and "max_tokens" in obj["error"]
    assert obj["usage"]["calls"] == 4  # continued as dcot is: 3 continuations
    assert "part 1" in obj["steps"][0]["content"]  # the partial text is kept


def test_direct_cut_by_max_tokens_is_continued_like_dcot(openai_env, capsys):
    openai_env.queue(Reply("2 + 2 = 4.\nFinal answer: 4", finish="length"), Reply(""))
    assert exit_code(["solve", "q", "--paradigm", "direct", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["status"] == "done" and obj["answer"] == "4" and obj["usage"]["calls"] == 2


@pytest.mark.parametrize("attempts", ["1", "2"])
def test_solve_json_has_the_same_fields_with_and_without_the_store(openai_env, capsys, attempts):
    openai_env.responder = lambda body: Reply(TRANSCRIPT)
    shapes = []
    for store in ([], ["--no-store"]):
        assert exit_code(["solve", "q", "--json", "--attempts", attempts, *store]) == 0
        obj = json.loads(capsys.readouterr().out)
        shapes.append({k for k in obj if k != "run_id"})
        assert obj["started_at"] and obj["problem"] is None
    assert shapes[0] == shapes[1]


def test_an_error_before_the_tui_opens_reads_ponder_error(capsys, tmp_path):
    assert exit_code(["--db", str(tmp_path)]) == 2
    assert one_error_line(capsys).startswith("ponder: error: cannot open database")


def test_a_usage_error_naming_a_hostile_path_stays_one_safe_line(capsys, tmp_path):
    path = tmp_path / "a\nb\x1b]0;PWNED\x07c"
    path.mkdir()
    assert exit_code(["runs", "--db", str(path)]) == 2
    line = one_error_line(capsys)
    assert "\x1b" not in line and "\x07" not in line


def test_an_unknown_argument_with_escapes_is_shown_safely(capsys):
    assert exit_code(["runs", "\x1b]0;PWNED\x07", "x\ny"]) == 2
    line = one_error_line(capsys)
    assert "\x1b" not in line and "\x07" not in line and "unrecognized" in line
