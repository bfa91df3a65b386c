"""store.writer: the bench's writes in one thread with its own connection, in order; a recorder
in that thread, its timers kept by the thread's tick."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlite_utils

from reasoning.events import RunSettings, RunStarted, StepStarted, TextDelta
from store.db import open_db
from store.writer import DbWriter, ThreadedRecorder
from workbench.keeping import KEEPING


def started() -> RunStarted:
    return RunStarted("dcot", "openai", "gpt-test", None, "What is 2+2?", RunSettings())  # type: ignore[arg-type]


async def until(check, tries: int = 400) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never became true")


async def test_jobs_run_in_the_writer_thread_in_the_order_posted(tmp_path: Path) -> None:
    db = open_db(tmp_path / "w.db")
    db.execute("create table log (n integer, thread text)")
    writer = DbWriter(db)
    assert writer.threaded and writer.db is not db  # its own connection
    for n in range(50):
        writer.post(
            lambda w, n=n: w.execute(
                "insert into log values (?, ?)", (n, threading.current_thread().name)
            )
        )
    count = await writer.call(lambda w: w.execute("select count(*) from log").fetchone()[0])
    assert count == 50  # a call runs after everything posted before it
    await writer.aclose()
    rows = db.execute("select n, thread from log").fetchall()
    assert [n for n, _ in rows] == list(range(50))
    assert {t for _, t in rows} == {"ponder-db-writer"}


async def test_a_call_s_exception_reaches_the_caller_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    writer = DbWriter(open_db(tmp_path / "w.db"))
    with pytest.raises(Exception, match="no such table"):
        await writer.call(lambda w: w.execute("select * from no_such_table"))
    writer.post(lambda w: 1 / 0)  # a posted job's own error is its business
    assert await writer.call(lambda w: w.execute("select 41 + 1").fetchone()[0]) == 42
    await writer.aclose()


async def test_an_in_memory_store_is_written_inline() -> None:
    db = sqlite_utils.Database(memory=True)
    writer = DbWriter(db)
    assert not writer.threaded and writer.db is db
    writer.post(lambda w: w.execute("create table t (x)"))
    assert await writer.call(lambda w: w.table_names()) == ["t"]
    await writer.aclose()


async def test_a_stalled_stream_s_text_is_written_by_the_thread_s_tick(tmp_path: Path) -> None:
    db = open_db(tmp_path / "w.db")
    writer = DbWriter(db, tick_s=0.01)
    rec = ThreadedRecorder(
        writer, keeping=KEEPING, flush_interval_s=0.05, heartbeat_interval_s=0.05
    )
    rec.handle(started())
    rec.handle(StepStarted(1, "thinking"))
    rec.handle(TextDelta(1, "Let me think"))  # then nothing more arrives
    await writer.settle()
    run_id = rec.run_id
    assert run_id is not None
    beat = db.execute("select heartbeat_at from runs where id = ?", [run_id]).fetchone()[0]

    def content() -> str:
        row = db.execute("select content from steps where run_id = ?", [run_id]).fetchone()
        return row[0] if row else ""

    await until(lambda: content() == "Let me think")
    await until(
        lambda: (
            db.execute("select heartbeat_at from runs where id = ?", [run_id]).fetchone()[0] > beat
        )
    )
    rec.finish_cancelled()
    await writer.aclose()
    status = db.execute("select status from runs where id = ?", [run_id]).fetchone()[0]
    assert status == "cancelled"


async def test_a_failed_write_is_raised_at_the_next_event(tmp_path: Path) -> None:
    db = open_db(tmp_path / "w.db")
    writer = DbWriter(db)
    rec = ThreadedRecorder(writer, keeping=KEEPING)
    rec.handle(StepStarted(1, "thinking"))  # before RunStarted: the recorder refuses it
    await writer.settle()
    assert isinstance(rec.error, RuntimeError)
    with pytest.raises(RuntimeError, match="before RunStarted"):
        rec.handle(started())
    await writer.aclose()
