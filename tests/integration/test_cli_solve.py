"""`ponder solve` and `ponder resume` from the command line: pinned JSON, exit codes, safe output."""

from __future__ import annotations

import json

import pytest
from cli_helpers import TRANSCRIPT
from fakellm import OPENAI_TEST_KEY, Reply

from ponder.launch import main

PINNED = {
    "run_id",
    "status",
    "stop_reason",
    "paradigm",
    "provider",
    "model",
    "steps",
    "answer",
    "final_reward",
    "reinforce",
    "usage",
    "elapsed_s",
}
PINNED_STEP = {"index", "kind", "title", "content", "reward", "budget_left"}
PINNED_USAGE = {"input_tokens", "output_tokens", "cache_read_tokens", "calls", "cost_usd"}


@pytest.fixture
def anthropic_env(fake_llm, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-cli")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_llm.base_url_anthropic)
    return fake_llm


def run_json(capsys, argv) -> tuple[int, dict]:
    code = main(argv)
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # exactly one JSON object
    return code, json.loads(lines[0])


@pytest.mark.parametrize("env", ["openai_env", "anthropic_env"])
@pytest.mark.parametrize("store", [True, False])
def test_solve_json_has_the_pinned_fields(request, capsys, env, store):
    fake = request.getfixturevalue(env)
    fake.queue(Reply(TRANSCRIPT))
    argv = ["solve", "Solve 2x + 3 = 11", "--model", "test-model", "--json"] + (
        [] if store else ["--no-store"]
    )
    code, obj = run_json(capsys, argv)
    assert code == 0
    assert PINNED <= set(obj)
    assert obj["status"] == "done" and obj["stop_reason"] == "answer" and obj["answer"] == "4"
    assert (
        obj["final_reward"] == 0.85 and obj["paradigm"] == "dcot" and obj["model"] == "test-model"
    )
    assert obj["provider"] == ("openai" if env == "openai_env" else "anthropic")
    assert [s["kind"] for s in obj["steps"]] == [
        "thinking",
        "step",
        "reflection",
        "answer",
        "final_reflection",
    ]
    assert all(PINNED_STEP <= set(s) for s in obj["steps"])
    assert obj["steps"][1]["budget_left"] == 19 and obj["steps"][2]["reward"] == 0.9
    assert PINNED_USAGE <= set(obj["usage"]) and obj["usage"]["calls"] == 1
    assert (obj["run_id"] is not None) == store


def test_stored_solve_is_shown_identically(openai_env, capsys):
    openai_env.queue(Reply(TRANSCRIPT))
    _, solved = run_json(capsys, ["solve", "q", "--json"])
    _, shown = run_json(capsys, ["show", str(solved["run_id"]), "--json"])
    for key in PINNED - {"elapsed_s"}:
        assert shown[key] == solved[key], key


def test_solve_streams_steps_as_text(openai_env, capsys):
    openai_env.queue(Reply(TRANSCRIPT))
    assert main(["solve", "q", "--no-store"]) == 0
    out = capsys.readouterr().out
    assert "step 2" in out and "reward 0.9 (continue)" in out and "budget left 19" in out
    assert "answer: 4" in out


def test_model_text_never_reaches_the_terminal_as_control_codes(openai_env, capsys):
    nasty = "\x1b[2J\x1b]8;;http://evil\x07click\x1b]8;;\x07 \x1b]52;c;cGF3bmVk\x07 [bold]x[/]"
    openai_env.queue(Reply(f"<step>{nasty}</step><answer>{nasty}</answer>"))
    main(["solve", "q", "--no-store"])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out and "\x07" not in captured.out
    assert "[bold]x[/]" in captured.out  # shown as text


def test_run_that_fails_exits_1_with_one_clear_line(openai_env, capsys):
    openai_env.queue(Reply(status=401))
    assert main(["solve", "q", "--no-store"]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "Traceback" not in err and OPENAI_TEST_KEY not in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["solve"], "PROMPT"),
        (["solve", "q", "--budget", "0"], "--budget"),
        (["solve", "q", "--paradigm", "nope"], "invalid choice"),
        (["solve", "--problem", "nosuchset:1"], "no dataset 'nosuchset'"),
        (["solve", "q", "--problem", "nosuchset:1"], "either PROMPT or --problem"),
        (["solve", "q", "--prompts", "/nonexistent/dir"], "prompt folder"),
        (["solve", "   "], "empty"),
        (["resume", "999"], "no run 999"),
    ],
)
def test_bad_usage_exits_2_with_one_line(openai_env, capsys, argv, needle):
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_no_provider_is_a_clear_usage_error(capsys):
    assert main(["solve", "q", "--no-store"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_solve_a_bundled_problem(openai_env, capsys):
    from store.db import open_db
    from store.problems import ensure_bundled, list_problems

    db = open_db()
    ensure_bundled(db)
    first = list_problems(db, "ponder-mixed")[0]
    openai_env.queue(Reply(TRANSCRIPT))
    code, obj = run_json(capsys, ["solve", "--problem", f"ponder-mixed:{first.key}", "--json"])
    assert code == 0
    assert first.text in openai_env.chat_requests[0].body["messages"][-1]["content"]


def test_attempts_json_lists_the_others(openai_env, capsys):
    answers = iter(["B", "B", "C"])
    openai_env.responder = lambda body: Reply(
        f"<answer>{next(answers)}</answer><reflection>r</reflection><reward>0.7</reward>"
    )
    code, obj = run_json(capsys, ["solve", "q", "--attempts", "3", "--select", "vote", "--json"])
    assert code == 0 and obj["answer"] == "B" and len(obj["attempts"]) == 3
    # "selected" indexes the chosen attempt in "attempts", which holds every one of them.
    assert obj["attempts"][obj["selected"]]["run_id"] == obj["run_id"]
    assert [a["answer"] for a in obj["attempts"]] == ["B", "B", "C"]
    assert obj["reinforce"] == "self"
    from store.db import open_db

    marks = dict(open_db().conn.execute("select id, selected from runs").fetchall())
    assert marks[obj["run_id"]] == 1 and sorted(marks.values()) == [0, 0, 1]
    assert all(PINNED <= set(a) for a in obj["attempts"])


def test_resume_finishes_an_interrupted_run(openai_env, capsys):
    from store.db import open_db

    # A run that was cut off: the stream stops after two steps and every retry fails.
    openai_env.queue(Reply(TRANSCRIPT[:60], cut_after=60), *[Reply(status=500, retry_after=0)] * 5)
    code, obj = run_json(capsys, ["solve", "Solve 2x+3=11", "--json"])
    assert code == 1 and obj["status"] == "failed"
    db = open_db()
    db.execute("update runs set status = 'interrupted' where id = ?", [obj["run_id"]])
    db.conn.commit()
    openai_env.queue(
        Reply(
            "<step>x = 4</step><count>18</count><answer>4</answer><reflection>ok</reflection><reward>0.8</reward>"
        )
    )
    code, resumed = run_json(capsys, ["resume", str(obj["run_id"]), "--json"])
    assert code == 0 and resumed["run_id"] == obj["run_id"] and resumed["answer"] == "4"
    assert [s["index"] for s in resumed["steps"]] == list(range(1, len(resumed["steps"]) + 1))


def _apart_from_ids(obj: dict) -> dict:
    """The object without what differs between two runs of the same script: the run id, when it
    started and how long it took."""
    same = {k: v for k, v in obj.items() if k not in {"run_id", "started_at", "elapsed_s"}}
    if "attempts" in same:
        same["attempts"] = [_apart_from_ids(a) for a in same["attempts"]]
    return same


STEPS = "<step>one</step><count>3</count>" * 5


@pytest.mark.parametrize(
    ("replies", "extra", "code"),
    [
        ([Reply(TRANSCRIPT)], [], 0),  # done
        (Reply(STEPS), ["--max-steps", "2"], 1),  # a limit (every call answered so)
        ([Reply(status=400, error="bad request")], [], 1),  # the provider refused
        ([Reply(TRANSCRIPT), Reply("<answer>5</answer>")], ["--attempts", "2"], 0),
    ],
)
def test_no_store_prints_the_object_a_stored_run_prints(capsys, openai_env, replies, extra, code):
    """`solve --json` builds its object from what the run's events showed: stored or not, the
    same object; and it is the object the store reads back for that run."""
    from ponder.text import json_text
    from store.db import open_db
    from store.queries import run_json as stored_json

    objs = []
    for store in (["--no-store"], []):
        openai_env.clear()  # the second run's prompt is not cached by the first
        if isinstance(replies, Reply):
            openai_env.responder = lambda body, r=replies: r
        else:
            openai_env.queue(*replies)
        got, obj = run_json(
            capsys, ["solve", "q", "--model", "gpt-4o-mini", "--json", *extra, *store]
        )
        assert got == code
        objs.append(obj)
    no_store, stored = objs
    assert no_store["run_id"] is None and stored["run_id"] is not None
    assert _apart_from_ids(no_store) == _apart_from_ids(stored)
    db = open_db()
    attempts = {"selected", "selected_by", "selection", "attempts"}
    top = {k: v for k, v in stored.items() if k not in attempts}
    read_back = json.loads(json_text(stored_json(db, stored["run_id"])))  # as printed
    assert read_back == top  # the same, elapsed_s and all
