"""The Bench screen: the bench as a worker on the app's loop (its writes in the store's writer
thread), the paired with/without comparison, the counted score cells, layouts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fakellm import FakeLLM, dcot_responder
from test_tui_screens import make_db, start_bench
from tui_helpers import SIZE, wait_for

from tui.app import PonderApp


@pytest.fixture
def openai_env(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-bench-screen")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    return fake_llm


async def test_the_bench_runs_on_the_app_s_loop_and_writes_in_the_writer_thread(
    openai_env: FakeLLM, tmp_path: Path
) -> None:
    openai_env.responder = dcot_responder
    db = make_db(tmp_path)
    app = PonderApp(db=db)
    progress_threads: set[str] = set()
    writing: list[bool] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.provider_state.resolving)
        screen = await start_bench(pilot, "putnam_mini", ("dcot",))
        shown = screen._on_progress

        def on_progress(progress):  # type: ignore[no-untyped-def]
            progress_threads.add(threading.current_thread().name)
            writing.append(any(t.name == "ponder-db-writer" for t in threading.enumerate()))
            shown(progress)

        screen._on_progress = on_progress  # type: ignore[method-assign]
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.state == "done", timeout=60)
        assert not any(t.name == "ponder-db-writer" for t in threading.enumerate())
    # Progress came on the app's own thread (no second loop), while the writer thread lived.
    assert progress_threads == {threading.main_thread().name}
    assert any(writing)
    statuses = [r[0] for r in db.execute("select status from runs")]
    assert statuses == ["done"] * 3
