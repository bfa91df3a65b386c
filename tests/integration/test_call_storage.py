"""A call stores what its request adds to the one before; every request is rebuilt exactly
(SPEC §4: the calls table is the audit trail and what `resume` needs), and an older database
is converted by its migration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from cli_helpers import ponder
from fakellm import FakeLLM, Reply, last_user_text
from store_helpers import recorder

from reasoning.engine import solve
from reasoning.events import CallFinished, CallStarted, RunSettings, RunStarted, Usage
from reasoning.providers import build_provider
from reasoning.providers.base import ProviderSpec
from store.calls import (
    MIN_SHARED,
    apply_delta,
    call_request,
    delta_columns,
    request_delta,
    run_requests,
)
from store.db import open_db
from store.migrations import MIGRATIONS, migrate
from store.queries import recorded_figures

STEP = "Choose 2 of the 5 red balls and 1 of the 7 blue ones: C(5,2)*C(7,1) = 70 ways. "


def g1_responder(steps: int):
    """A model that takes `steps` JSON steps, then gives its final answer."""
    taken = {"n": 0}

    def reply(body: dict[str, Any]) -> Reply:
        if "final answer now" in last_user_text(body):
            return Reply("Final answer: 7/22")
        taken["n"] += 1
        action = "final_answer" if taken["n"] >= steps else "continue"
        # Each step its own (the same step again and again would be stopped as a repetition).
        content = f"Step {taken['n']} of the count. {STEP}"
        step = {"title": f"Step {taken['n']}", "content": content, "next_action": action}
        return Reply(json.dumps({**step, "confidence": 0.8}))

    return reply


async def record_g1(db: sqlite_utils.Database, fake: FakeLLM, steps: int) -> tuple[int, list[str]]:
    """A g1 run of `steps` steps through the real SDK, recorded: its id, and each request as the
    engine sent it, as JSON text (what a call stored whole before)."""
    fake.responder = g1_responder(steps)
    spec = ProviderSpec(
        kind="openai", name="openai", model="gpt-4o-mini", base_url=fake.base_url_openai
    )
    provider = build_provider(spec)
    settings = RunSettings(paradigm="g1", min_steps=steps, max_steps=steps + 5, max_calls=200)
    sent: list[str] = []
    rec = recorder(db)
    try:
        async for event in solve("Two red balls of three drawn?", provider, settings):
            rec.handle(event)
            if isinstance(event, CallStarted):
                sent.append(json.dumps(event.request, ensure_ascii=False, default=str))
    finally:
        await provider.aclose()
    assert rec.run_id is not None and rec.finished
    return rec.run_id, sent


def stored_chars(db: sqlite_utils.Database, run_id: int) -> int:
    row = db.execute("select sum(length(request)) from calls where run_id = ?", (run_id,))
    return int(row.fetchone()[0])


@pytest.fixture
def openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-calls")


async def test_every_call_of_a_g1_run_is_rebuilt_byte_for_byte(db, fake_llm, openai_key):
    run_id, sent = await record_g1(db, fake_llm, steps=12)
    rebuilt = run_requests(db, run_id)
    assert len(sent) >= 13  # 12 steps and the final answer
    assert list(rebuilt.values()) == sent
    ids = list(rebuilt)
    assert [call_request(db, call_id) for call_id in ids] == sent
    bases = [r[0] for r in db.execute("select request_base from calls where run_id = ?", [run_id])]
    assert bases[0] is None and all(b is not None for b in bases[1:])  # deltas after the first


async def test_a_g1_runs_stored_requests_grow_linearly_with_its_steps(db, fake_llm, openai_key):
    short, sent_short = await record_g1(db, fake_llm, steps=10)
    long, sent_long = await record_g1(db, fake_llm, steps=40)
    whole = sum(map(len, sent_long)) / sum(map(len, sent_short))
    kept = stored_chars(db, long) / stored_chars(db, short)
    assert whole > 8  # the requests themselves: quadratic (about 10x for 4x the steps)
    assert kept < 5.5  # what is stored: linear (about 4x)


def test_a_request_that_shares_little_is_stored_whole():
    assert request_delta("x" * 10, "y" * 200) is None
    assert delta_columns((7, "abc"), "abd") == ("abd", None, 0, 0)
    assert delta_columns(None, "a request") == ("a request", None, 0, 0)


@pytest.mark.parametrize(
    ("base", "text"),
    [
        ("A" * MIN_SHARED + "]}", "A" * MIN_SHARED + ', "new"]}'),  # grown in the middle
        ("P" * MIN_SHARED, "P" * MIN_SHARED + "tail"),  # grown at the end
        ("é" * 40 + "∑" * 40, "é" * 40 + "中" + "∑" * 40),  # characters, not bytes
        ("same" * 30, "same" * 30),  # a retry: nothing new
        ("ab" * 50, "ab" * 40),  # shrunk
    ],
)
def test_a_delta_rebuilds_its_request(base, text):
    delta = request_delta(base, text)
    assert delta is not None
    assert apply_delta(base, delta.head, delta.middle, delta.tail) == text
    assert len(delta.middle) <= max(0, len(text) - len(base)) + 1


def test_an_unfinished_calls_estimate_counts_its_whole_request(db):
    rec = recorder(db)
    history = [{"role": "user", "content": "x" * 400}]
    rec.handle(RunStarted("g1", "openai", "m", None, "p", RunSettings(paradigm="g1")))
    rec.handle(CallStarted(1, {"messages": history}))
    rec.handle(CallFinished(1, "{}", "stop", Usage(100, 10), 1.0))
    grown = [*history, {"role": "assistant", "content": "{}"}, {"role": "user", "content": "go"}]
    rec.handle(CallStarted(2, {"messages": grown}))  # then the process dies
    assert rec.run_id is not None
    usage, calls, _ = recorded_figures(db, rec.run_id)
    sent = len(json.dumps({"messages": grown}))
    assert calls == 2 and usage.input_tokens == 100 + -(-sent // 4)


# ---- the migration -------------------------------------------------------------------------


def requests_of_a_growing_conversation(calls: int) -> list[str]:
    messages: list[dict[str, str]] = [{"role": "user", "content": "Problem: " + STEP}]
    out = []
    for k in range(calls):
        out.append(json.dumps({"system": "Reason in JSON steps.", "messages": messages}))
        messages = [*messages, {"role": "assistant", "content": f"step {k}"}]
        messages.append({"role": "user", "content": "continue"})
    return out


def database_before_the_delta(path: Path) -> tuple[int, list[str]]:
    """A database as the schema before m011 made it: two runs whose calls hold whole requests."""
    db = sqlite_utils.Database(path)
    before = [step for step in MIGRATIONS if step[0] < "m011"]
    migrate(db, before)
    sent = requests_of_a_growing_conversation(8)
    run_ids = []
    for _ in range(2):
        cur = db.execute("insert into runs (prompt, status) values ('p', 'done')")
        run_ids.append(cur.lastrowid)
        for idx, request in enumerate(sent, start=1):
            db.execute(
                "insert into calls (run_id, idx, attempt, request, response) values (?, ?, 1, ?, 'r')",
                (cur.lastrowid, idx, request),
            )
    db.execute("insert into calls (run_id, idx, attempt) values (?, 99, 1)", (run_ids[1],))
    db.conn.commit()
    db.close()
    return run_ids[0], sent


def test_the_migration_stores_an_older_databases_requests_as_deltas(tmp_path):
    path = tmp_path / "old.db"
    run_id, sent = database_before_the_delta(path)
    whole = sum(map(len, sent))
    db = open_db(path)
    assert list(run_requests(db, run_id).values()) == sent
    assert list(run_requests(db, run_id + 1).values()) == [*sent, None]  # a call never sent
    assert stored_chars(db, run_id) < whole / 3
    assert migrate(db) == []


async def test_show_calls_prints_every_calls_exact_request(db, fake_llm, openai_key, capsys):
    run_id, sent = await record_g1(db, fake_llm, steps=4)
    code, out, _ = ponder(capsys, "show", str(run_id), "--calls", "--json")
    calls = json.loads(out)["calls"]
    assert code == 0 and [c["request"] for c in calls] == [json.loads(s) for s in sent]
    assert [c["idx"] for c in calls] == list(range(1, len(sent) + 1))
    code, out, _ = ponder(capsys, "show", str(run_id), "--calls")
    assert code == 0 and f"calls ({len(sent)}):" in out and "Final answer: 7/22" in out
