"""Recorded results stored as runs: no transcript, provider `recorded`, graded `human` by the
source named at import, so scores and reports put them beside fresh runs (SPEC §4)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from store.clock import now_iso
from store.grades import add_grade
from store.importers.recorded import RECORDED_PROVIDER, RecordedResult
from store.importers.rows import Warnings

SOURCE_PARAM = "recorded_from"  # the run's params field naming where its result came from


@dataclass(frozen=True)
class RecordedCounts:
    """What storing recorded results did: runs added, regraded (the source changed its verdict
    or answer), unchanged, and results skipped (their problem is not in the dataset)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    source: str = ""
    cells: tuple[tuple[str, str, int], ...] = ()  # (model, paradigm, results) in file order

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


def is_recorded(params: dict[str, Any] | None) -> bool:
    """True for a run imported as a recorded result (it has no transcript)."""
    return bool(params) and SOURCE_PARAM in (params or {})


def _problem_ids(db: sqlite_utils.Database, dataset: str) -> dict[str, tuple[int, str]]:
    rows = db.conn.execute("select key, id, text from problems where dataset = ?", [dataset])
    return {key: (pid, text) for key, pid, text in rows}


def _existing(db: sqlite_utils.Database, source: str) -> dict[tuple[int, str, str], Any]:
    """This source's recorded runs by (problem, model, paradigm): run id, answer, and the
    source's own latest grade (a person's later grade of the run is theirs, not compared)."""
    rows = db.conn.execute(
        "select r.problem_id, r.model, r.paradigm, r.id, r.answer, g.score, g.verdict, g.note"
        " from runs r left join grades g on g.id = (select id from grades where run_id = r.id"
        " and grader = 'human' and grader_name = ? order by id desc limit 1)"
        " where r.provider = ? and json_extract(r.params, '$.recorded_from') = ?",
        [source, RECORDED_PROVIDER, source],
    )
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def store_recorded(
    db: sqlite_utils.Database,
    dataset: str,
    results: list[RecordedResult],
    source: str,
    warnings: Warnings,
    *,
    write: bool = True,
) -> RecordedCounts:
    """Store results as runs of `dataset`'s problems, in the caller's transaction; importing the
    same results again changes nothing, a changed verdict is a new grade in the run's history."""
    problems = _problem_ids(db, dataset)
    existing = _existing(db, source)
    added = updated = unchanged = skipped = 0
    cells: dict[tuple[str, str], int] = {}
    now = now_iso()
    for result in results:
        found = problems.get(result.key)
        if found is None:
            warnings.add(
                f"no problem {result.key!r} in {dataset}; not recorded",
                where=result.origin if result.origin.startswith(("line", "row", "item")) else None,
                group=f"problems not in {dataset}: not recorded",
                detail=f"key {result.key!r}",
            )
            skipped += 1
            continue
        pid, text = found
        cells[(result.model, result.paradigm)] = cells.get((result.model, result.paradigm), 0) + 1
        grade = result.grade
        before = existing.get((pid, result.model, result.paradigm))
        if before is not None:
            run_id, answer, score, verdict, note = before
            same_grade = grade is None or (score, verdict, note) == (
                grade.score,
                grade.verdict,
                result.note,
            )
            if answer == result.answer and same_grade:
                unchanged += 1
                continue
            updated += 1
            if not write:
                continue
            db.conn.execute("update runs set answer = ? where id = ?", [result.answer, run_id])
        else:
            added += 1
            if not write:
                continue
            params = {SOURCE_PARAM: source, "origin": result.origin}
            cur = db.conn.execute(
                "insert into runs (problem_id, prompt, paradigm, provider, model, params, status,"
                " answer, started_at, finished_at, calls, input_tokens, output_tokens)"
                " values (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, 0, 0, 0)",
                [
                    pid,
                    text,
                    result.paradigm,
                    RECORDED_PROVIDER,
                    result.model,
                    json.dumps(params, ensure_ascii=False),
                    result.answer,
                    now,
                    now,
                ],
            )
            assert cur.lastrowid is not None
            run_id = cur.lastrowid
        if grade is not None:
            add_grade(
                db,
                run_id,
                grader="human",
                grader_name=source,
                score=grade.score,
                verdict=grade.verdict,
                points=grade.points,
                max_points=grade.max_points,
                note=result.note,
            )
    return RecordedCounts(
        added,
        updated,
        unchanged,
        skipped,
        source,
        tuple((m, p, n) for (m, p), n in cells.items()),
    )
