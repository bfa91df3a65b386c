"""Usage while a call streams: estimates (about 4 characters a token) as the text arrives,
replaced by the provider's figures when they come; a recorder keeps only the real ones."""

from __future__ import annotations

import pytest
from fakellm import Reply
from test_engine import PROTOCOLS, provider_for, run_all

from reasoning.events import CallFinished, RunSettings, TextDelta, UsageEstimate, UsageUpdate
from reasoning.session import ESTIMATE_EVERY_CHARS

LONG = "Final answer: " + " ".join(f"w{i:03d}" for i in range(600))  # 3,013 characters


@pytest.mark.parametrize("kind", PROTOCOLS)
async def test_estimates_while_streaming_then_the_providers_figures(fake_llm, kind, monkeypatch):
    fake_llm.queue(Reply(LONG, usage={"output_tokens": 999}))
    events, r = await run_all(
        "q", provider_for(fake_llm, kind, monkeypatch), RunSettings(paradigm="direct")
    )
    estimates = [i for i, e in enumerate(events) if isinstance(e, UsageEstimate)]
    finished = next(i for i, e in enumerate(events) if isinstance(e, CallFinished))
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    # One on the first text, then one per ESTIMATE_EVERY_CHARS characters, all before the end.
    assert len(estimates) == 1 + (len(LONG) - 7) // ESTIMATE_EVERY_CHARS
    assert estimates[0] > first_text and estimates[-1] < finished
    outs = [events[i].usage.output_tokens for i in estimates]
    assert outs == sorted(outs) and outs[0] >= 1 and outs[-1] <= len(LONG) // 4 + 1
    assert all(events[i].usage.input_tokens > 0 and events[i].calls == 1 for i in estimates)
    # Then the provider's own count replaces the estimate.
    update = next(e for e in events[finished:] if isinstance(e, UsageUpdate))
    assert update.usage.output_tokens == 999 == r.usage.output_tokens


async def test_estimates_add_to_the_calls_before(fake_llm, monkeypatch):
    words = " ".join(f"x{i:03d}" for i in range(100))  # 500 characters that do not repeat
    fake_llm.responder = lambda body: Reply(f"<step>{words}</step>", finish="length")
    events, r = await run_all(
        "q",
        provider_for(fake_llm, "openai", monkeypatch),
        RunSettings(max_calls=2, max_continuations=5),
    )
    second_call = [e for e in events if isinstance(e, UsageEstimate) and e.calls == 2]
    first_total = next(e for e in events if isinstance(e, UsageUpdate)).usage
    assert second_call and second_call[0].usage.output_tokens > first_total.output_tokens
    assert second_call[0].cost_usd is None  # an unknown price stays unknown


def test_a_recorder_ignores_estimates(tmp_path):
    from store_helpers import recorder

    from reasoning.events import RunStarted, Usage
    from store.db import open_db

    db = open_db(tmp_path / "p.db")
    rec = recorder(db)
    rec.handle(RunStarted("direct", "openai", "m", None, "q", RunSettings(paradigm="direct")))
    rec.handle(UsageEstimate(Usage(100, 50), 1, None))
    row = db.execute("select input_tokens, output_tokens from runs").fetchone()
    assert tuple(v or 0 for v in row) == (0, 0)


def test_the_sidebar_marks_an_estimate_until_the_real_figures():
    from reasoning.events import Usage
    from tui.widgets.run_stats import RunStats

    stats = RunStats()
    stats.active = True
    stats.usage, stats.estimated = Usage(1200, 300), True
    shown = str(stats.render())
    assert "≈ in 1,200" in shown and "Cost     ≈" in shown
    stats.estimated = False
    assert "≈" not in str(stats.render())
