"""Batch mode (`ponder bench --batch`): the calls go through the providers' batch APIs (the
fake server's, through the real SDKs, both protocols), nothing is paid twice, and a run whose
request failed, expired or was cancelled in its batch fails with the reason."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from cli_helpers import import_small, ponder_process
from fakellm import FakeLLM, Reply, demo_responder

from ponder.launch import main
from reasoning.events import RunSettings
from workbench.bench import BenchPlan, run_bench

MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-batch")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-batch")


def number(body: dict[str, Any]) -> int:
    first = next(m for m in body["messages"] if m["role"] == "user")
    text = first["content"]
    text = text if isinstance(text, str) else "".join(b.get("text", "") for b in text)
    return int(text.split(":")[0].split()[-1])


def plan(fake: FakeLLM, protocol: str, **kw: Any) -> BenchPlan:
    base = fake.base_url_openai if protocol == "openai" else fake.base_url_anthropic
    settings = RunSettings(min_steps=2, max_steps=3, budget=5)
    return BenchPlan(
        "small",
        paradigms=kw.pop("paradigms", ("direct", "dcot", "g1")),
        models=(MODELS[protocol],),
        provider=protocol,
        base_url=base,
        settings=settings,
        batch_poll_s=0.02,
        **kw,
    )


def stored_runs(db: sqlite_utils.Database, bench_id: str) -> list[tuple[Any, ...]]:
    """What a bench's runs hold, in a form two benches can be compared by."""
    rows = db.conn.execute(
        "select p.key, r.paradigm, r.status, r.stop_reason, r.answer, r.final_reward, r.calls,"
        # the fake caches prompts it has seen: the second bench reads what the first wrote
        " r.input_tokens + r.cache_read_tokens + r.cache_write_tokens, r.output_tokens,"
        " (select count(*) from steps s where s.run_id = r.id),"
        " (select group_concat(s.kind || ':' || coalesce(s.content, ''), '|') from steps s"
        "  where s.run_id = r.id)"
        " from runs r join problems p on p.id = r.problem_id where r.bench_id = ?"
        " order by p.key, r.paradigm",
        [bench_id],
    ).fetchall()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_a_batched_bench_ends_with_the_same_runs_as_a_live_one_at_half_the_price(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, protocol: str
) -> None:
    import_small(tmp_path, n=3)
    fake_llm.responder = demo_responder
    live = asyncio.run(run_bench(db, plan(fake_llm, protocol)))
    assert fake_llm.batch_creates == 0
    batched = asyncio.run(run_bench(db, plan(fake_llm, protocol, batch=50)))
    assert (batched.done, batched.failed) == (live.done, live.failed) == (9, 0)
    assert stored_runs(db, batched.bench_id) == stored_runs(db, live.bench_id)
    # direct in one batch, dcot in one, g1 round by round: more than two, far fewer than calls.
    calls = sum(r[6] for r in stored_runs(db, batched.bench_id))
    assert 2 < fake_llm.batch_creates < calls
    # Half the price: the same tokens (cached reads aside, which the fake gives the second).
    from reasoning.events import Usage
    from reasoning.providers.pricing import batch_model, cost

    model = MODELS[protocol]
    one = Usage(1000, 1000, 1000, 1000)
    assert cost(batch_model(model), one) == pytest.approx(cost(model, one) / 2)
    batch_costs = db.conn.execute(
        "select sum(cost_usd), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens),"
        " sum(cache_write_tokens) from runs where bench_id = ?",
        [batched.bench_id],
    ).fetchone()
    spent = cost(batch_model(model), Usage(*batch_costs[1:]))
    assert batch_costs[0] == pytest.approx(spent) and batched.cost_usd == pytest.approx(spent)
    from store.batches import batch_states

    states = batch_states(db, batched.bench_id)
    assert states and {s["state"] for s in states} == {"collected"}


def test_every_request_is_stored_with_a_custom_id_tied_to_its_run_and_call(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=2)
    fake_llm.responder = demo_responder
    s = asyncio.run(run_bench(db, plan(fake_llm, "openai", paradigms=("g1",), batch=10)))
    rows = db.conn.execute(
        "select custom_id, run_id, call_idx, state from batch_requests where bench_id = ?"
        " order by run_id, call_idx",
        [s.bench_id],
    ).fetchall()
    calls = db.conn.execute(
        "select run_id, count(distinct idx) from calls where run_id in"
        " (select id from runs where bench_id = ?) group by run_id",
        [s.bench_id],
    ).fetchall()
    assert {r: n for r, n in calls} == {
        r: sum(1 for x in rows if x[1] == r) for r in {x[1] for x in rows}
    }
    assert all(state == "succeeded" for *_, state in rows)
    for run_id in {x[1] for x in rows}:
        idx = [x[2] for x in rows if x[1] == run_id]
        assert idx == list(range(1, len(idx) + 1))
    assert len({x[0] for x in rows}) == len(rows)


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_per_request_errors_expiry_and_cancel_become_failed_runs_with_the_reason(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path, protocol: str
) -> None:
    import_small(tmp_path, n=3)

    def answer(body: dict[str, Any]) -> Reply:
        i = number(body)
        if i == 2:
            return Reply(status=400, error="problem 2 is refused by this model")
        return Reply(f"Final answer: {7 * i}")

    fake_llm.responder = answer
    s = asyncio.run(run_bench(db, plan(fake_llm, protocol, paradigms=("direct",), batch=10)))
    assert (s.done, s.failed) == (2, 1)
    (line,) = s.failures
    assert "2 · " in line and "problem 2 is refused by this model" in line

    fake_llm.batch_expire = True
    s = asyncio.run(run_bench(db, plan(fake_llm, protocol, paradigms=("direct",), batch=10)))
    assert (s.done, s.failed) == (0, 3)
    assert all("the batch expired before this request ran" in f for f in s.failures)

    fake_llm.batch_expire = set()
    creates = fake_llm.batch_creates
    again = plan(fake_llm, protocol, paradigms=("direct",), batch=10, resume=True)
    expired_id = s.bench_id
    s = asyncio.run(run_bench(db, again))  # their stored results: expired, not sent again
    assert s.bench_id == expired_id, (s.failures, s.bench_id, expired_id)
    assert (s.done, s.failed, fake_llm.batch_creates) == (0, 3, creates)
    asked = dataclasses.replace(again, resubmit_expired=True)
    s = asyncio.run(run_bench(db, asked))  # on request: sent again, in one new batch
    assert (s.done, s.failed, fake_llm.batch_creates) == (2, 1, creates + 1)  # 2 is refused

    fake_llm.batch_hold = True

    async def cancel_when_submitted() -> Any:
        task = asyncio.create_task(
            run_bench(db, plan(fake_llm, protocol, paradigms=("direct",), batch=10))
        )
        deadline = time.monotonic() + 30
        created = fake_llm.batch_creates
        while fake_llm.batch_creates == created and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for b in fake_llm.batches.batches.values():  # cancelled from the provider's console
            b.cancel_asked = True
        fake_llm.batch_hold = False
        return await task

    s = asyncio.run(cancel_when_submitted())
    assert (s.done, s.failed) == (0, 3)
    assert all("the batch was cancelled before this request ran" in f for f in s.failures)
    statuses = db.conn.execute("select distinct status from runs where bench_id = ?", [s.bench_id])
    assert [r[0] for r in statuses] == ["failed"]


def test_max_cost_counts_a_submitted_batch_at_its_worst_case(
    fake_llm: FakeLLM, db: sqlite_utils.Database, tmp_path: Path
) -> None:
    import_small(tmp_path, n=6)
    fake_llm.responder = lambda body: Reply(f"Final answer: {7 * number(body)}")
    # gpt-4o-mini at the batch price, 4,096 tokens out: about $0.0012 a call at worst. A cap of
    # $0.002 lets one call wait in a batch at a time, until real costs (tiny) are known.
    p = plan(fake_llm, "openai", paradigms=("direct",), batch=10, max_cost=0.002)
    s = asyncio.run(run_bench(db, p))
    assert s.done == 6 and s.cost_usd < 0.002
    sizes = [len(b.requests) for b in fake_llm.batches.batches.values()]
    assert sizes[0] == 1  # the first batch: one call at its worst case fits, two do not
    assert sum(sizes) == 6


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
@pytest.mark.parametrize("id_stored", [True, False], ids=["id-stored", "id-not-stored"])
def test_kill_9_after_submit_then_resume_collects_without_resubmitting(
    fake_llm: FakeLLM,
    db: sqlite_utils.Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    protocol: str,
    id_stored: bool,
) -> None:
    import_small(tmp_path, n=4)
    fake_llm.responder = lambda body: Reply(f"Final answer: {7 * number(body)}")
    fake_llm.batch_hold = True  # the batch stays in progress until the test lets it end
    base = fake_llm.base_url_openai if protocol == "openai" else fake_llm.base_url_anthropic
    flags = ["--provider", protocol, "--base-url", base, "--model", MODELS[protocol]]
    flags += ["--paradigm", "direct"]
    bench = ponder_process("bench", "small", *flags, "--batch", "10")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = db.conn.execute(
                "select count(*) from batches where provider_batch_id is not null"
            ).fetchone()
            if row[0]:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the batch was never submitted")
    finally:
        bench.kill()  # SIGKILL: nothing cleaned up
        bench.communicate(timeout=20)
    assert bench.returncode == -signal.SIGKILL
    assert fake_llm.batch_creates == 1
    if not id_stored:  # as if killed between the provider's answer and storing its id
        with db.conn:
            db.conn.execute("update batches set provider_batch_id = null, state = 'stored'")
    capsys.readouterr()
    assert main(["benches", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["status"], listed["batches_waiting"]) == ("waiting", 1)
    fake_llm.batch_hold = False
    assert main(["bench", "small", *flags, "--resume"]) == 0
    assert fake_llm.batch_creates == 1  # collected, not submitted again
    done = db.conn.execute("select count(*) from runs where status = 'done'").fetchone()[0]
    assert done == 4
    assert fake_llm.chat_requests == []
    states = db.conn.execute("select state, provider_batch_id from batches").fetchall()
    assert [st for st, _ in states] == ["collected"] and states[0][1] is not None
