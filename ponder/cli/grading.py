"""`ponder import | datasets | problems | grade | check | scores | export`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ponder.common import (
    RunFailed,
    UsageError,
    open_store,
    out,
    store_path,
    store_writable,
    user_name,
)
from ponder.text import json_text, safe_text
from ponder.words import usd

if TYPE_CHECKING:
    import sqlite_utils

    from graders.scoring.counted import Rule
    from graders.scoring.tables import ComparisonRow, ScoreRow


def run(args: argparse.Namespace) -> int:
    handlers = {
        "import": _import,
        "datasets": _datasets,
        "problems": _problems,
        "grade": _grade,
        "check": _check,
        "scores": _scores,
        "export": _export,
    }
    return handlers[args.command](args)


# ---- helpers -------------------------------------------------------------------------------


def _warn(line: str) -> None:
    sys.stderr.write(f"warning: {safe_text(line)}\n")


def _store(args: argparse.Namespace, *, write: bool = False) -> sqlite_utils.Database:
    """The database, with the bundled problem sets loaded (cheap when they already are)."""
    from store.problems import ImportProblem, ensure_bundled

    db = open_store(args, write=write)
    if not store_writable(args):
        return db  # a read-only database is read as it is
    try:
        ensure_bundled(db)
    except ImportProblem as exc:  # a broken bundled file must not block grading or export
        _warn(str(exc))
    return db


def _dataset_known(db: sqlite_utils.Database, dataset: str) -> bool:
    from store.queries import dataset_exists

    return dataset_exists(db, dataset)


def _require_dataset(db: sqlite_utils.Database, dataset: str | None) -> None:
    if dataset is not None and not _dataset_known(db, dataset):
        raise UsageError(f"no dataset {dataset!r} (see: ponder datasets)")


def _cell(value: Any) -> str:
    return safe_text(str(value)).replace("\n", " ").replace("\t", " ")


def _print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: set[int]) -> None:
    """A plain aligned table: columns in `right` are right-aligned (numbers); on a terminal
    narrower than the table, the columns of lowest priority narrow, then go."""
    from ponder.cli.table import table_lines, terminal_width

    cells = [[_cell(v) for v in row] for row in rows]
    for line in table_lines([_cell(h) for h in headers], cells, right, terminal_width()):
        out(line)


def _short(text: str | None, width: int) -> str:
    flat = " ".join(safe_text(text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _num(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{round(x, digits):g}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _cost(x: float | None) -> str:
    return usd(x)


# ---- import / datasets / problems ----------------------------------------------------------


def _import(args: argparse.Namespace) -> int:
    from store.problems import ImportProblem, import_file

    dry_run = getattr(args, "dry_run", False)
    if dry_run:  # compared with the database if there is one; nothing written, nothing created
        db = open_store(args) if store_path(args).exists() else None
    else:
        db = _store(args, write=True)
    try:
        result = import_file(
            db, args.file, args.dataset, dry_run=dry_run, source=getattr(args, "source", None)
        )
    except ImportProblem as exc:
        raise UsageError(safe_text(str(exc))) from None
    for warning in result.warnings:
        _warn(warning)
    out(f"recognised: {_cell(result.recognised)}")
    if result.format == "results":
        _recorded_lines(result)
        if dry_run:
            out("nothing written (--dry-run)")
        return 0
    kept = f", {result.absent} not in this file kept" if result.absent else ""
    counts = (
        f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged{kept},"
        f" {_count(result.skipped, 'row')} skipped"
    )
    if not dry_run:
        out(f"{_cell(result.dataset)}: {_count(result.total, 'problem')} ({counts})")
        _recorded_lines(result)
        return 0
    out(f"would import into {_cell(result.dataset)}: {_count(result.total, 'problem')} ({counts})")
    out("kinds: " + ", ".join(f"{kind} {n}" for kind, n in result.kinds))
    _print_table(
        ("key", "kind", "reference", "text"),
        [
            (_short(p.key, 28), p.kind or "-", _short(p.reference, 24) or "-", _short(p.text, 60))
            for p in result.examples
        ],
        right=set(),
    )
    _recorded_lines(result)
    out("nothing written (--dry-run)")
    return 0


def _recorded_lines(result: Any) -> None:
    """What the file's recorded results became: runs per model and paradigm, graded by whom."""
    rec = result.recorded
    if rec is None:
        return
    verb = "would record" if result.dry_run else "recorded"
    counts = f"{rec.added} added, {rec.updated} regraded, {rec.unchanged} unchanged"
    if rec.skipped:
        counts += f", {rec.skipped} skipped"
    cells = ", ".join(f"{_cell(m)} · {_cell(p)} {n}" for m, p, n in rec.cells)
    out(
        f"{verb} results in {_cell(result.dataset)}: {_count(rec.total, 'run')} graded human by"
        f" {_cell(rec.source)} ({counts})" + (f": {cells}" if cells else "")
    )


def _datasets(args: argparse.Namespace) -> int:
    from store.problems import FORMAT_LABELS, bundled_datasets, list_datasets

    path = store_path(args)
    try:
        datasets = list_datasets(_store(args))
    except RunFailed as exc:  # no database, and none can be made here (an unwritable home)
        if path.exists():
            raise
        sys.stderr.write(f"ponder: {safe_text(str(exc))}: the bundled sets only\n")
        datasets = bundled_datasets()
    if args.json:
        out(json_text(datasets))
        return 0
    if not datasets:
        out("no datasets yet: ponder import FILE")
        return 0
    _print_table(
        ("dataset", "problems", "source", "format", "file"),
        [
            (
                d["name"],
                d["problems"],
                d["source"],
                FORMAT_LABELS.get(d["format"], d["format"] or "-"),
                d["origin"] or "-",
            )
            for d in datasets
        ],
        right={1},
    )
    return 0


def _problems(args: argparse.Namespace) -> int:
    from store.problems import list_problems

    db = _store(args)
    _require_dataset(db, args.dataset)
    problems = list_problems(db, args.dataset)
    if args.json:
        out(
            json_text(
                [
                    {"key": p.key, "text": p.text, "reference": p.reference, "kind": p.kind}
                    for p in problems
                ]
            )
        )
        return 0
    _print_table(
        ("key", "kind", "reference", "text"),
        [
            (p.key, p.kind or "-", _short(p.reference, 24) or "-", _short(p.text, 70))
            for p in problems
        ],
        right=set(),
    )
    return 0


# ---- grading -------------------------------------------------------------------------------


def _grade(args: argparse.Namespace) -> int:
    from store.grades import GradeError

    db = _store(args, write=True)
    try:
        if args.judge:
            from ponder.cli.judging import judge_command

            return judge_command(db, args)
        if args.rubric or args.redo or args.prompts:
            raise UsageError("--rubric, --redo and --prompts are for --judge")
        if args.max_tokens is not None or args.max_time is not None:
            raise UsageError("--max-tokens and --max-time are for --judge")
        if args.auto:
            if args.verdict is not None:
                raise UsageError("--auto takes a DATASET (or a RUN), not a verdict")
            if args.note or args.by:
                raise UsageError("--note and --by are for a human grade, not --auto")
            return _grade_auto(db, args.target)
        if args.target is None or args.verdict is None:
            raise UsageError(
                "give --auto [DATASET], --judge [DATASET], or RUN and"
                " full|partial|zero|SCORE|POINTS/MAX"
            )
        return _grade_by_hand(db, args)
    except GradeError as exc:
        raise UsageError(str(exc)) from None


def _run_id(text: str) -> int | None:
    """A run id typed by the user: ASCII digits that SQLite can hold, else None."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= 2**63 - 1 else None


def _grade_auto(db: sqlite_utils.Database, target: str | None) -> int:
    from workbench.grading import GRADE_TIMEOUT_S, auto_grade_pending, auto_grade_run

    if target is not None and not _dataset_known(db, target):
        run_id = _run_id(target)
        from store.queries import run_status

        if run_id is None or run_status(db, run_id) is None:
            raise UsageError(f"no dataset or run {target!r} (see: ponder datasets, ponder runs)")
        g = auto_grade_run(db, run_id, timeout=GRADE_TIMEOUT_S)
        out(f"run {run_id}: {g.verdict} {_num(g.score)}  {_cell(g.note or '')}".rstrip())
        return 0
    counts = auto_grade_pending(db, target, timeout=GRADE_TIMEOUT_S)
    scope = f" in {_cell(target)}" if target else ""
    if not counts.total:
        out(f"no ungraded finished runs{scope}")
        return 0
    if counts.needs_human == counts.total:
        # Nothing got a verdict: say so, rather than "graded N runs: 0 full, 0 partial, 0 zero".
        verb = "needs" if counts.total == 1 else "need"
        out(
            f"{_count(counts.total, 'run')}{scope} {verb} a human: none could be graded"
            " automatically (proofs, free text, or no reference); grade them with ponder grade"
            " RUN VERDICT, in the TUI (^g), or with --judge"
        )
        return 0
    out(
        f"graded {_count(counts.total, 'run')}{scope}: {counts.full} full, {counts.partial} partial,"
        f" {counts.zero} zero, {counts.needs_human} need a human"
    )
    return 0


def _grade_by_hand(db: sqlite_utils.Database, args: argparse.Namespace) -> int:
    from store.grades import effective_grade, human_grade

    run_id = _run_id(args.target)
    if run_id is None:
        raise UsageError(f"RUN must be a run id, got {args.target!r} (for a dataset use --auto)")
    by = args.by or user_name()
    human_grade(db, run_id, args.verdict, note=args.note, grader_name=by)
    g = effective_grade(db, run_id)
    assert g is not None
    points = f" ({_num(g.points)}/{_num(g.max_points)})" if g.max_points else ""
    out(f"run {run_id}: {g.verdict} {_num(g.score)}{points} by {_cell(by)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from graders.result import KINDS

    if args.kind is not None and args.kind not in KINDS:
        raise UsageError(f"unknown kind {args.kind!r}: use one of {', '.join(KINDS)}")
    from workbench.grading import check_answer  # only once the input is known good

    g = check_answer(args.answer, args.reference, args.kind)
    if args.json:
        out(json_text(asdict(g)))
        return 0
    out(f"verdict:   {g.verdict}")
    out(f"score:     {_num(g.score, 4)}")
    if g.points is not None:
        out(f"points:    {_num(g.points)}/{_num(g.max_points)}")
    out(f"kind:      {g.kind}")
    out(f"extracted: {_cell(g.extracted) if g.extracted is not None else '-'}")
    out(f"reason:    {_cell(g.reason)}")
    return 0


# ---- scores / export -----------------------------------------------------------------------


def score_rule(db: sqlite_utils.Database, args: argparse.Namespace) -> Rule:
    """Which run of each problem counts, from --bench ID / --latest (an unknown bench is refused)."""
    from graders.scoring.counted import Rule
    from store.score_rows import bench_exists

    bench = getattr(args, "bench", None)
    if bench is not None and not bench_exists(db, bench):
        raise UsageError(f"no bench {bench!r} (ponder scores --json lists each cell's benches)")
    return Rule(bench=bench, latest=bool(getattr(args, "latest", False)))


def _scores(args: argparse.Namespace) -> int:
    from workbench.scores import comparison, score_table

    db = _store(args)
    _require_dataset(db, args.dataset)
    if args.agreement:
        from ponder.cli.judging import agreement_command

        return agreement_command(db, args)
    rule = score_rule(db, args)
    rows = score_table(db, args.dataset, rule)
    if args.csv:
        import csv

        from store.export import neutralise
        from workbench.scores import SCORE_COLUMNS, score_cells

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(SCORE_COLUMNS)
        for row in rows:
            writer.writerow([neutralise(v) for v in score_cells(row)])
        return 0
    pairs = comparison(db, args.dataset, rows)
    if args.json:
        out(
            json_text(
                {
                    "rule": rule.describe(),
                    "scores": [r.as_dict() for r in rows],
                    "comparison": [c.as_dict() for c in pairs],
                }
            )
        )
        return 0
    if not rows:
        out("no finished runs on a dataset yet: ponder bench DATASET")
        return 0
    _print_scores(rows, rule)
    if any(c.paired_dcot or c.paired_g1 for c in pairs):
        out()
        _print_comparison(pairs, rows)
    from ponder.cli.judging import judge_cost_line

    if line := judge_cost_line(db, args.dataset):
        out(line)
    return 0


def _print_scores(rows: list[ScoreRow], rule: Rule | None = None) -> None:
    from graders.scoring.counted import Rule
    from ponder.score_text import MEAN_NOTE, rule_line, score_table_cells

    headers, table, common = score_table_cells(rows)
    words = {"dataset", "model", "provider", "paradigm", "coverage", "from"}
    _print_table(headers, table, right={i for i, h in enumerate(headers) if h not in words})
    out(rule_line(rule or Rule()) + (f": every cell from {common}" if common else ""))
    out(f"({MEAN_NOTE})")
    ungraded = sum(r.ungraded for r in rows)
    if ungraded:
        out(f"({ungraded} finished runs not graded yet: ponder grade --auto)")


def _print_comparison(pairs: list[ComparisonRow], rows: list[ScoreRow]) -> None:
    from graders.scoring.tables import needs_provider_column
    from ponder.score_text import COMPARISON_HEADERS, METHOD_NOTE, comparison_cells

    out("with technique vs without, paired on the problems scored under both:")
    _print_table(
        COMPARISON_HEADERS,
        comparison_cells(pairs, needs_provider_column(rows)),
        right={3, 4, 5, 6, 8},
    )
    out(f"({METHOD_NOTE})")


def _export(args: argparse.Namespace) -> int:
    from store.export import export_runs_csv
    from workbench.scores import export_scores_csv

    db = _store(args)
    _require_dataset(db, args.dataset)
    if not args.file.lower().endswith(".csv"):
        raise UsageError(f"export writes CSV: name the file FILE.csv, not {args.file!r}")
    try:
        if args.what == "scores":
            count = export_scores_csv(db, args.file, args.dataset, bom=args.bom)
        else:
            count = export_runs_csv(db, args.file, args.dataset, bom=args.bom)
    except OSError as exc:
        raise UsageError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    out(f"wrote {_count(count, 'score row' if args.what == 'scores' else 'run')} to {args.file}")
    return 0
