"""CSV export of runs with their grades, and the writer that every export uses (workbench.scores
writes the score table through it): safe to open in a spreadsheet, never a half file."""

from __future__ import annotations

import csv
import glob
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

try:
    import fcntl
except ImportError:  # not POSIX: stale temporaries are told by their age
    fcntl = None  # type: ignore[assignment]

from reasoning.events import USD_DECIMALS, round_seconds, round_usd
from store.arms import arm_sql, reinforce_sql
from store.grades import EFFECTIVE_GRADE_ID

RUN_COLUMNS = (
    "run_id",
    "dataset",
    "key",
    "question",
    "model",
    "paradigm",
    "status",
    "stop_reason",
    "answer",
    "extracted",
    "reference",
    "score",
    "verdict",
    "points",
    "max_points",
    "grader",
    "grader_name",
    "note",
    "final_reward",
    "tokens",
    "cost_usd",
    "elapsed_s",
    "started_at",
    "provider",
    "reinforce",
    "arm",
    "bench_id",
    "attempt_group",
    "selected",
)

STALE_TMP_S = 60.0  # where files cannot be locked: a temporary file untouched this long is stale

# A spreadsheet runs a cell that starts with one of these as a formula (full-width forms too).
_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if (
        isinstance(value, str)
        and value
        and value[0] in _FORMULA_START
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _clean_stale_temporaries(path: Path) -> None:
    """Temporary files a killed export left beside `path`. An export being written holds a lock
    on its own (released by the system when its process dies, however it dies), so any file
    that can be locked is a dead export's; where locks are not to be had, an untouched one."""
    cutoff = time.time() - STALE_TMP_S
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if not stale.is_file():
                continue
            if fcntl is None:
                if stale.stat().st_mtime < cutoff:
                    stale.unlink()
                continue
            fd = os.open(stale, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # an export at work
            else:
                stale.unlink()
            finally:
                os.close(fd)
        except OSError:
            pass  # not ours to remove, or gone already


def write_csv(
    path: str | Path, header: Iterable[str], rows: Iterable[Iterable[Any]], *, bom: bool = True
) -> int:
    """Write rows to a CSV through a temporary file, so a failed export leaves no half file.
    `bom`: start with UTF-8's byte order mark, for spreadsheets (a program reading the file
    then opens it as utf-8-sig, or asks for none)."""
    path = Path(path)
    _clean_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        if fcntl is not None:  # held until the file is in place: another export leaves it be
            fcntl.flock(fd, fcntl.LOCK_EX)
        # utf-8-sig: Excel reads the accents right only with the BOM.
        encoding = "utf-8-sig" if bom else "utf-8"
        with os.fdopen(os.dup(fd), "w", newline="", encoding=encoding) as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for row in rows:
                writer.writerow([neutralise(v) for v in row])
                count += 1
        os.chmod(tmp, 0o644)  # mkstemp makes it private; an export is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return count


# question: the problem's text, or the prompt of a run without a problem.
_RUNS_SQL = f"""
select r.id, p.dataset, p.key, coalesce(p.text, r.prompt), r.model, r.paradigm, r.status,
       r.stop_reason, r.answer, g.extracted, p.reference, g.score, g.verdict, g.points,
       coalesce(g.max_points, p.max_points), g.grader, g.grader_name, g.note, r.final_reward,
       coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0), r.cost_usd, r.elapsed_s,
       r.started_at, r.provider, {reinforce_sql("r")},
       {arm_sql("r")}, r.bench_id, r.attempt_group, r.selected
from runs r
left join problems p on p.id = r.problem_id
left join grades g on g.id = {EFFECTIVE_GRADE_ID.format(run="r.id")}
{{where}}
order by r.id
"""


def export_runs_csv(
    db: sqlite_utils.Database, path: str | Path, dataset: str | None = None, *, bom: bool = True
) -> int:
    """Write every run (of one dataset, if given) with its effective grade; return the row count."""
    # The condition only when a dataset is named (`:dataset is null or ...` defeats the index).
    where = "" if dataset is None else "where p.dataset = :dataset"
    cursor = db.conn.execute(_RUNS_SQL.replace("{where}", where), {"dataset": dataset})
    cost, elapsed = RUN_COLUMNS.index("cost_usd"), RUN_COLUMNS.index("elapsed_s")

    def rows() -> Iterator[list[Any]]:
        for row in cursor:
            cells = list(row)
            cells[cost] = usd_cell(cells[cost])
            cells[elapsed] = round_seconds(cells[elapsed])
            yield cells

    return write_csv(path, RUN_COLUMNS, rows(), bom=bom)


def usd_cell(usd: float | None) -> str | None:
    """An amount of USD for a spreadsheet: plain decimals (0.00006435), never 6.435e-05."""
    rounded = round_usd(usd)
    if rounded is None:
        return None
    return f"{rounded:.{USD_DECIMALS}f}".rstrip("0").rstrip(".") or "0"
