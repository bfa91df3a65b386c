"""Wording a new user reads: counts in the singular, engine notes not dressed as errors."""

from __future__ import annotations

from cli_helpers import exit_code
from fakellm import Reply, g1_responder


def test_one_call_is_one_call_not_one_calls(openai_env, capsys):
    openai_env.responder = lambda body: Reply("Final answer: 4")
    assert exit_code(["solve", "What is 2+2?", "--paradigm", "direct"]) == 0
    out = capsys.readouterr().out
    assert ", 1 call, cost" in out and "1 calls" not in out


def test_a_g1_refusal_is_a_note_not_an_error(openai_env, capsys):
    openai_env.responder = g1_responder  # offers a final answer from step 6
    argv = ["solve", "What is 2+2?", "--paradigm", "g1", "--min-steps", "8", "--max-steps", "12"]
    assert exit_code(argv) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "refused" in line]
    assert notes and all(line.startswith("note: final answer refused") for line in notes), err
    assert "ponder:" not in err
