"""`ponder benches`: every bench, newest first: dataset, arms, models, status, progress, spend."""

from __future__ import annotations

import argparse

from ponder.common import open_store, out
from ponder.text import safe_text


def run(args: argparse.Namespace) -> int:
    from store.benches import list_benches

    db = open_store(args)
    benches = list_benches(db)
    if args.json:
        import json

        rows = [
            {
                "bench_id": b.id,
                "dataset": b.dataset,
                "paradigms": list(b.paradigms),
                "models": list(b.models),
                "status": b.status,
                "batches_waiting": b.batches_waiting,
                "jobs": b.jobs,
                "done": b.done,
                "failed": b.failed,
                "runs": b.runs,
                "cost_usd": b.cost_usd,
                "started_at": b.started_at,
            }
            for b in benches
        ]
        out(json.dumps(rows, ensure_ascii=False))
        return 0
    if not benches:
        out("no benches yet (try: ponder bench DATASET)")
        return 0
    from ponder.cli.bench import _money
    from ponder.cli.grading import _print_table

    _print_table(
        ("bench", "dataset", "arms", "models", "status", "progress", "spend", "started"),
        [
            (
                b.id,
                safe_text(b.dataset or "?"),
                " + ".join(b.paradigms),
                safe_text(", ".join(b.models)),
                status_text(b.status, b.batches_waiting),
                f"{b.done}/{b.jobs}" if b.jobs is not None else f"{b.done} done",
                "?" if b.cost_usd is None else _money(b.cost_usd, 0),
                (b.started_at or "")[:16].replace("T", " "),
            )
            for b in benches
        ],
        right={5, 6},
    )
    return 0


def status_text(status: str, batches: int) -> str:
    """The status in words: `waiting on 3 batches` for a bench whose batches are out."""
    if status == "waiting":
        return f"waiting on {batches} batch{'es' if batches != 1 else ''}"
    if status == "running" and batches:
        return f"running, {batches} batch{'es' if batches != 1 else ''} out"
    return status
