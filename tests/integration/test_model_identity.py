"""With --base-url and no --model, the model is the one the server lists at /v1/models."""

from __future__ import annotations

import json

import pytest
from cli_helpers import TRANSCRIPT, exit_code
from fakellm import Reply


def test_the_only_model_the_server_lists_is_used_and_recorded(fake_llm, capsys):
    fake_llm.models = ["smollm2"]
    fake_llm.queue(Reply(TRANSCRIPT))
    argv = ["solve", "q", "--base-url", fake_llm.base_url_openai, "--json"]
    assert exit_code(argv) == 0, capsys.readouterr().err
    run = json.loads(capsys.readouterr().out)
    assert run["model"] == "smollm2" and run["usage"]["cost_usd"] is None  # no price to guess
    assert fake_llm.chat_requests[0].body["model"] == "smollm2"
    assert exit_code(["show", str(run["run_id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "smollm2"


def test_the_anthropic_protocol_asks_its_models_list_too(fake_llm, capsys):
    fake_llm.models = ["smollm2"]
    fake_llm.queue(Reply(TRANSCRIPT))
    argv = ["solve", "q", "--provider", "anthropic", "--base-url", fake_llm.base_url_anthropic]
    assert exit_code([*argv, "--json"]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["model"] == "smollm2"


@pytest.mark.parametrize(
    ("models", "said"),
    [(["a-7b", "b-70b"], "serves several models: a-7b, b-70b; choose one with --model"),
     ([], "lists no model: name one with --model")],
)  # fmt: skip
@pytest.mark.parametrize("command", ["solve", "bench"])
def test_several_models_or_none_is_one_line_and_nothing_is_run(
    fake_llm, capsys, models, said, command
):
    fake_llm.models = models
    argv = ["solve", "q"] if command == "solve" else ["bench", "ponder-mixed", "--limit", "1"]
    assert exit_code([*argv, "--base-url", fake_llm.base_url_openai]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and said in err[0]
    assert not fake_llm.chat_requests


def test_a_server_with_no_models_list_asks_for_the_model(capsys):
    argv = ["solve", "q", "--base-url", "http://127.0.0.1:9/v1"]  # nothing listens there
    assert exit_code(argv) == 2
    assert "--model" in capsys.readouterr().err


def test_a_model_named_with_base_url_is_taken_as_given(fake_llm, capsys):
    fake_llm.models = ["a", "b"]
    fake_llm.queue(Reply(TRANSCRIPT))
    argv = ["solve", "q", "--base-url", fake_llm.base_url_openai, "--model", "b", "--json"]
    assert exit_code(argv) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "b"
