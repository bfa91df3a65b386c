"""Every key Ponder holds — environment, config file, base URL — is redacted wherever text goes."""

from __future__ import annotations

import json

import pytest
from cli_helpers import exit_code
from fakellm import Reply

from reasoning.secrets import REDACTED, StreamRedactor, redact

CONFIG_KEY = "cfg-SECRET-key-0123456789abcdef"


@pytest.mark.parametrize("held", ["", "cfg-", "cfg-SECRET-key-0123"])
def test_a_key_split_across_pieces_is_still_redacted(held):
    guard = StreamRedactor((CONFIG_KEY,))
    text = f"before {CONFIG_KEY} after and {CONFIG_KEY}"
    out = ""
    for i in range(0, len(text), 3):
        out += guard.feed(text[i : i + 3])
    out += guard.flush()
    assert out == f"before {REDACTED} after and {REDACTED}"
    # A text that only starts like a key is given back whole once the stream ends.
    guard = StreamRedactor((CONFIG_KEY,))
    assert guard.feed("x " + held) + guard.flush() == "x " + held


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_config_file_key_echoed_by_the_server_reaches_no_output_and_no_table(
    fake_llm, tmp_path, monkeypatch, capsys, kind
):
    base = fake_llm.base_url_openai if kind == "openai" else fake_llm.base_url_anthropic
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.echo]\nkind = "{kind}"\nbase_url = "{base}"\nmodel = "m"\n'
        f'api_key = "{CONFIG_KEY}"\nmax_retries = 0\n'
    )
    config.chmod(0o600)
    monkeypatch.setenv("PONDER_CONFIG", str(config))
    db = tmp_path / "ponder.db"
    echo = (
        "<thinking>my key is {key}</thinking><step>I was given {key}</step><count>19</count>"
        "<reflection>ok</reflection><reward>0.9</reward><answer>{key}</answer>"
        "<reflection>done</reflection><reward>0.8</reward>"
    )
    fake_llm.queue(Reply(echo, echo_key=True, chunk=5), Reply(echo, echo_key=True, chunk=3))
    assert exit_code(["solve", "q", "--provider", "echo", "--db", str(db)]) == 0
    assert exit_code(["solve", "q", "--provider", "echo", "--db", str(db), "--json"]) == 0
    captured = capsys.readouterr()
    assert fake_llm.requests and all(
        CONFIG_KEY in " ".join(r.headers.values()) for r in fake_llm.requests
    )
    assert CONFIG_KEY not in captured.out + captured.err
    assert REDACTED in captured.out
    obj = json.loads(captured.out.strip().splitlines()[-1])
    assert obj["answer"] == REDACTED
    export = tmp_path / "runs.csv"
    assert exit_code(["export", str(export), "--db", str(db)]) == 0
    assert exit_code(["show", "1", "--db", str(db)]) == 0
    assert CONFIG_KEY not in capsys.readouterr().out
    assert CONFIG_KEY.encode() not in export.read_bytes()
    for file in tmp_path.glob("ponder.db*"):
        assert CONFIG_KEY.encode() not in file.read_bytes(), file.name
    from store.db import open_db

    conn = open_db(db).conn
    assert conn.execute("select count(*) from runs where answer = ?", (REDACTED,)).fetchone()[0]
    assert conn.execute("select count(*) from calls where response like '%[redacted]%'").fetchone()[
        0
    ]


def test_an_error_message_quoting_the_key_is_redacted(fake_llm, tmp_path, monkeypatch, capsys):
    key = "sk-other-env-key-1234"
    fake_llm.queue(Reply(status=400, error="bad request from key {key}", echo_key=True))
    monkeypatch.setenv("OPENAI_API_KEY", key)
    db = tmp_path / "ponder.db"
    argv = ["solve", "q", "--base-url", fake_llm.base_url_openai, "--model", "m", "--db", str(db)]
    assert exit_code(argv) == 1
    captured = capsys.readouterr()
    assert "bad request" in captured.err and key not in captured.out + captured.err
    for file in tmp_path.glob("ponder.db*"):
        assert key.encode() not in file.read_bytes(), file.name


def test_a_password_in_a_base_url_is_a_key_too():
    from reasoning.secrets import remember_url

    remember_url("http://me:url-password-9876@host/v1?token=url-token-abcdef&model=m")
    assert redact("url-password-9876 url-token-abcdef m") == f"{REDACTED} {REDACTED} m"


def test_redact_knows_the_environment_keys(monkeypatch):
    monkeypatch.setenv("SOME_SERVICE_API_KEY", "env-secret-value-1")
    assert redact("x env-secret-value-1 y") == f"x {REDACTED} y"


def test_redacting_in_pieces_gives_what_redacting_the_whole_text_gives():
    import random

    keys = ("sk-abcdefghijklmnop1234", "cfg-SECRET-key-0123456789abcdef", "another-key-xyz1")
    rnd = random.Random(1)
    for _ in range(300):
        parts = []
        for _ in range(20):
            r = rnd.random()
            key = rnd.choice(keys)
            if r < 0.2:
                parts.append(key)
            elif r < 0.4:
                parts.append(key[: rnd.randint(1, len(key) - 1)])
            else:
                parts.append("".join(rnd.choice("abc sk-cfg") for _ in range(rnd.randint(0, 9))))
        text = "".join(parts)
        guard, out, i = StreamRedactor(keys), "", 0
        while i < len(text):
            n = rnd.randint(1, 9)
            out += guard.feed(text[i : i + n])
            i += n
        assert out + guard.flush() == redact(text, tuple(sorted(keys, key=len, reverse=True)))
