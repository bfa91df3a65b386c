"""`ponder db check` (SQLite's integrity check) and `ponder db recover FILE` (copy what reads)."""

from __future__ import annotations

import argparse
import sqlite3

from ponder.common import RunFailed, UsageError, out, store_path
from ponder.text import safe_text


def run(args: argparse.Namespace) -> int:
    path = store_path(args)
    if not path.is_file():
        raise UsageError(f"no database at {path}")
    if args.action == "check":
        return _check(path)
    return _recover(path, args.file)


def _check(path: object) -> int:
    from store.repair import integrity_problems

    try:
        problems = integrity_problems(str(path))
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    if not problems:
        out(f"ok: {path} passes SQLite's integrity check")
        return 0
    out(f"{path}: SQLite's integrity check found problems:")
    for line in problems:
        out("  " + safe_text(line))
    out(f"recover what can be read with: ponder db recover NEW_FILE --db {path}")
    return 1


def _recover(path: object, target: str) -> int:
    from pathlib import Path

    from store.repair import RecoverError, recover

    try:
        report = recover(Path(str(path)), Path(target).expanduser())
    except RecoverError as exc:
        raise RunFailed(str(exc)) from None
    if report.header_lost:
        out(f"SQLite cannot open {path} (its header is damaged): read it page by page")
    for table, n in report.copied.items():
        line = f"{table}: {n} rows copied"
        lost = report.unreadable.get(table)
        if lost is not None:
            line += f", {lost.words()}"
        dropped = report.dropped.get(table)
        if dropped:
            line += f", {dropped} dropped (their run was lost)"
        out(line)
    damaged = f" (damaged: {', '.join(report.damaged)})" if report.damaged else ""
    out(f"recovered into {target}; {path} is left as it was{damaged}")
    out(f"use it with: ponder --db {target}  (or move it over the original once checked)")
    return 0
