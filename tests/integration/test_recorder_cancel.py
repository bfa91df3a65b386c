"""A run cancelled mid-call still counts the tokens that call made (estimated), not zero."""

from __future__ import annotations

from store_helpers import recorder

from reasoning.events import (
    CallFinished,
    CallStarted,
    RunSettings,
    RunStarted,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
)
from store.db import open_db


def test_a_call_cut_off_by_cancel_is_estimated_into_the_totals(tmp_path):
    db = open_db(tmp_path / "c.db")
    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", "gpt-4o-mini", None, "q", RunSettings()))
    # A first call that finished, with its real usage.
    rec.handle(
        CallStarted(1, {"system": "s" * 40, "messages": [{"role": "user", "content": "u" * 360}]})
    )
    rec.handle(CallFinished(1, "done", "stop", Usage(100, 50), 0.5))
    rec.handle(UsageUpdate(Usage(100, 50), 1, 0.001))
    # A second one cut off by the user: 800 characters sent, 80 streamed back.
    rec.handle(
        CallStarted(2, {"system": "s" * 400, "messages": [{"role": "user", "content": "u" * 400}]})
    )
    rec.handle(StepStarted(1, "step"))
    rec.handle(TextDelta(1, "x" * 80))
    rec.finish_cancelled()
    run = db.conn.execute(
        "select status, input_tokens, output_tokens, calls, cost_usd from runs"
    ).fetchone()
    assert run[:4] == ("cancelled", 100 + 200, 50 + 20, 2)
    assert run[4] is not None and run[4] > 0.001  # a known price: the estimate is priced too
    call = db.conn.execute(
        "select stop_reason, input_tokens, output_tokens, error from calls where idx = 2"
    ).fetchone()
    assert call[:3] == ("cancelled", 200, 20) and "estimated" in call[3]


def test_a_finished_call_is_not_estimated_again(tmp_path):
    db = open_db(tmp_path / "c.db")
    rec = recorder(db)
    rec.handle(RunStarted("dcot", "openai", "unknown-model", None, "q", RunSettings()))
    rec.handle(CallStarted(1, {"system": "", "messages": [{"role": "user", "content": "u" * 400}]}))
    rec.handle(CallFinished(1, "done", "stop", Usage(7, 3), 0.5))
    rec.handle(UsageUpdate(Usage(7, 3), 1, None))
    rec.finish_cancelled()
    assert db.conn.execute(
        "select input_tokens, output_tokens, calls, cost_usd from runs"
    ).fetchone() == (7, 3, 1, None)
