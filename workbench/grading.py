"""Grading finished runs off the event loop: a thread with its own database connection."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib

import sqlite_utils


def _db_file(db: sqlite_utils.Database) -> str | None:
    for _, name, path in db.conn.execute("pragma database_list").fetchall():
        if name == "main":
            return path or None
    return None


class GradingThread:
    """Auto-grades finished runs one at a time in a thread with its own connection, so a slow
    symbolic check never stalls the streams; in memory (tests) it grades inline."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.path = _db_file(db)
        self.pool = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="ponder-grade")
            if self.path
            else None
        )
        self._own: sqlite_utils.Database | None = None

    def _connection(self) -> sqlite_utils.Database:
        if self.pool is None:
            return self.db
        if self._own is None:
            from store.db import open_db

            self._own = open_db(self.path, recover=False)
        return self._own

    def _grade(self, run_id: int) -> str:
        from store.grades import auto_grade_run

        return auto_grade_run(self._connection(), run_id).verdict

    def _warm(self) -> None:
        from graders import grade  # noqa: F401
        from reasoning.providers.pricing import config_prices
        from store.grades import auto_grade_run  # noqa: F401

        config_prices()
        self._connection()

    def warm_up(self) -> None:
        """Load what grading and pricing need, in the grading thread: called while the first
        calls are in flight, so this is not done when the first runs end and the next start."""
        if self.pool is not None:
            with contextlib.suppress(RuntimeError):  # the pool is already shut down
                self.pool.submit(self._warm)

    def _grade_all(self, run_ids: list[int]) -> list[str | Exception]:
        out: list[str | Exception] = []
        for run_id in run_ids:
            try:
                out.append(self._grade(run_id))
            except Exception as exc:  # one bad run must not keep the others ungraded
                out.append(exc)
        return out

    async def grade_all(self, run_ids: list[int]) -> list[str | Exception]:
        """Each run's verdict, or the exception its grading raised."""
        if self.pool is None:
            return self._grade_all(run_ids)
        return await asyncio.wrap_future(self.pool.submit(self._grade_all, run_ids))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self._own is not None:
            self._own.conn.close()
            self._own = None
