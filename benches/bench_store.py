"""Bench: the run store at scale, 100,000 runs and 1,000,000 steps (SPEC §8: history opens in <= 0.3 s).

    python benches/bench_store.py               build (or reuse) the cached db, print the figures
    python benches/bench_store.py --build PATH  build (or reuse) a db at PATH for other benches/tests
    python benches/bench_store.py --db PATH     time against an existing bench db

The db is rebuilt only when missing or made by another version of this generator.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benches"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from reasoning.events import (
    CallFinished,
    CallStarted,
    RunFinished,
    RunResult,
    RunSettings,
    RunStarted,
    Step,
    StepFinished,
    StepStarted,
    TextDelta,
    Usage,
    UsageUpdate,
)
from store.benchq import bench_dataset, bench_progress, bench_status
from store.calls import run_requests
from store.db import open_db
from store.queries import count_runs, get_run, list_runs, mark_interrupted, run_json
from store.recorder import RunRecorder
from store.score_rows import candidate_rows
from workbench.keeping import KEEPING

TIME_LIMIT_S = 900  # `make bench` kills the bench after this
RUNS = 100_000
STEPS_PER_RUN = 10
PROBLEMS = 2_000
DATASETS = ("jee", "putnam", "imo", "gsm", "mix")
GENERATOR_VERSION = 2  # 2: runs belong to benches of 1,000 (a fifth are ad-hoc)
DEFAULT_PATH = Path(tempfile.gettempdir()) / "ponder-bench-store.db"
TARGET_S = 0.3
BATCH = 10_000
BENCH = "bench0042"  # one bench of 1,000 runs, for the Bench screen's poll


def _words(rng: random.Random, n: int) -> list[str]:
    """A made-up vocabulary with a realistic long tail (Zipf-like use below)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def _text(rng: random.Random, vocab: list[str], n: int) -> str:
    # Low indexes much more often: a few common words, many rare ones.
    return " ".join(vocab[min(len(vocab) - 1, int(rng.paretovariate(1.1)) - 1)] for _ in range(n))


def _meta_ok(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        db = open_db(path, recover=False)
        row = db.execute("select runs, steps, version from _bench_meta").fetchone()
        db.close()
    except Exception:
        return False
    return tuple(row or ()) == (RUNS, RUNS * STEPS_PER_RUN, GENERATOR_VERSION)


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """One builder at a time, so two benches starting together share one build."""
    with open(str(path) + ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_bench_db(path: Path = DEFAULT_PATH, *, quiet: bool = False) -> Path:
    """The bench database at `path`: reused if present and current, else built (~1 min)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(path):
        if _meta_ok(path):
            return path
        tmp = path.with_name(path.name + ".building")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        t0 = time.perf_counter()
        _build(tmp)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, path)  # others never see a half-built file
        if not quiet:
            size = path.stat().st_size / 1e6
            print(f"built {path} in {time.perf_counter() - t0:.1f} s ({size:.0f} MB)")
    return path


def _build(path: Path) -> None:
    rng = random.Random(20260101)
    vocab = _words(rng, 5_000)
    db = open_db(path)
    conn = db.conn
    conn.execute("pragma synchronous = off")  # a throwaway file: speed over durability
    models = ("claude-sonnet-4-5", "gpt-5-mini", "llama3.1:8b", "deepseek-reasoner")
    paradigms = ("dcot", "g1", "direct")
    conn.execute("begin")
    conn.executemany(
        "insert into problems (id, dataset, key, text, reference, kind) values (?, ?, ?, ?, ?, ?)",
        [
            (i, DATASETS[i % len(DATASETS)], f"q{i}", _text(rng, vocab, 40), str(i % 97), "integer")
            for i in range(1, PROBLEMS + 1)
        ],
    )
    conn.execute("commit")
    t_first = 1_767_225_600  # 2026-01-01
    for start in range(1, RUNS + 1, BATCH):
        ids = range(start, min(RUNS, start + BATCH - 1) + 1)
        runs: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        grades: list[tuple[Any, ...]] = []
        for i in ids:
            problem = i % PROBLEMS + 1 if i % 4 else None  # a quarter are free prompts
            started = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t_first + i * 60))
            runs.append(
                (
                    i,
                    problem,
                    _text(rng, vocab, 30),
                    paradigms[i % 3],
                    "openai" if i % 2 else "anthropic",
                    models[i % len(models)],
                    '{"budget": 20}',
                    "done" if i % 20 else "failed",
                    "answer" if i % 20 else "provider_error",
                    _text(rng, vocab, 6),
                    round(rng.random(), 2),
                    started,
                    STEPS_PER_RUN * 350,
                    STEPS_PER_RUN * 120,
                    None if i % 5 == 0 else f"bench{(i - 1) // 1_000:04d}",
                )
            )
            for k in range(1, STEPS_PER_RUN + 1):
                steps.append(
                    (
                        i,
                        k,
                        "reflection" if k % 3 == 0 else "step",
                        f"Step {k}",
                        _text(rng, vocab, 25),
                        0.8,
                        20 - k,
                    )
                )
            if i % 5:
                grades.append((i, "auto", 1.0 if i % 3 else 0.0, "full" if i % 3 else "zero"))
            if i % 10 == 0:
                grades.append((i, "human", 0.5, "partial"))
        conn.execute("begin")
        conn.executemany(
            "insert into runs (id, problem_id, prompt, paradigm, provider, model, params, status,"
            " stop_reason, answer, final_reward, started_at, input_tokens, output_tokens, bench_id,"
            " calls, elapsed_s, finished_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 3, 12.5, 'x')",
            runs,
        )
        conn.executemany(
            "insert into steps (run_id, idx, kind, title, content, reward, budget_left, partial)"
            " values (?, ?, ?, ?, ?, ?, ?, 0)",
            steps,
        )
        conn.executemany(
            "insert into grades (run_id, grader, score, verdict, created_at) values (?, ?, ?, ?, 'x')",
            grades,
        )
        conn.execute("commit")
    db.execute("create table _bench_meta (runs int, steps int, version int)")
    db.execute(
        "insert into _bench_meta values (?, ?, ?)", (RUNS, RUNS * STEPS_PER_RUN, GENERATOR_VERSION)
    )
    conn.execute("analyze")
    conn.execute("pragma wal_checkpoint(truncate)")
    db.close()


# ---- timing ------------------------------------------------------------------------------------


def _time(fn: Callable[[], object], repeat: int = 7) -> tuple[float, float, float]:
    """First call, median and worst of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times[0], statistics.median(times), max(times)


def _common_and_rare_words(db: Any) -> tuple[str, str]:
    """The most frequent indexed word, and one found in only a handful of runs."""
    db.execute(
        "create virtual table if not exists temp.runs_vocab using fts5vocab(main, runs_fts, row)"
    )
    common = db.execute("select term from temp.runs_vocab order by doc desc limit 1").fetchone()[0]
    rare = db.execute(
        "select term from temp.runs_vocab where doc between 3 and 20 limit 1"
    ).fetchone()
    return common, rare[0] if rare else common


def _trigger_cost(db: Any, updates: int = 2_000) -> tuple[float, float]:
    """Heartbeat updates per second with sqlite-utils' update-any-column trigger vs ours (rolled back)."""
    conn = db.conn
    old = (
        "create trigger runs_au after update on runs begin"
        " insert into runs_fts (runs_fts, rowid, prompt, answer, model)"
        " values ('delete', old.rowid, old.prompt, old.answer, old.model);"
        " insert into runs_fts (rowid, prompt, answer, model) values (new.rowid, new.prompt, new.answer, new.model);"
        " end"
    )
    results = []
    for variant in ("old", "new"):
        conn.execute("begin immediate")
        try:
            if variant == "old":
                conn.execute("drop trigger runs_au")
                conn.execute(old)
            t0 = time.perf_counter()
            for i in range(updates):
                conn.execute(
                    "update runs set heartbeat_at = ?, input_tokens = ? where id = ?",
                    (time.time(), i, 1 + i * 37 % RUNS),
                )
            results.append(updates / (time.perf_counter() - t0))
        finally:
            conn.execute("rollback")
    return results[0], results[1]


def _recorder_throughput(
    runs: int = 50, steps: int = 10, deltas: int = 200
) -> tuple[float, float, float]:
    """Events/s through RunRecorder; the cost of a TextDelta (no flush due) and of a StepFinished."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "rec.db")
        events = 0
        t0 = time.perf_counter()
        for r in range(runs):
            rec = RunRecorder(db, keeping=KEEPING)
            rec.handle(RunStarted("dcot", "openai", "m", None, f"problem {r}", RunSettings()))
            rec.handle(CallStarted(1, {"messages": [{"role": "user", "content": "p"}]}))
            for k in range(1, steps + 1):
                rec.handle(StepStarted(k, "step"))
                for _ in range(deltas):
                    rec.handle(TextDelta(k, "token "))
                rec.handle(StepFinished(Step(k, "step", "token " * deltas, reward=0.8)))
                rec.handle(UsageUpdate(Usage(100 * k, 10 * k), 1, None))
            rec.handle(CallFinished(1, "text", "stop", Usage(100, 10), 1.0))
            rec.handle(
                RunFinished(RunResult("done", "answer", "4", 0.9, (), Usage(100, 10), 1, None, 1.0))
            )
            events += 5 + steps * (deltas + 3)
        per_event = (time.perf_counter() - t0) / events
        rec = RunRecorder(db, keeping=KEEPING)
        rec.handle(RunStarted("dcot", "openai", "m", None, "p", RunSettings()))
        rec.handle(StepStarted(1, "step"))
        n = 200_000
        delta = TextDelta(1, "tok ")
        t0 = time.perf_counter()
        for _ in range(n):
            rec.handle(delta)
        per_delta = (time.perf_counter() - t0) / n
        n = 2_000
        t0 = time.perf_counter()
        for k in range(2, n + 2):
            rec.handle(StepFinished(Step(k, "step", "a finished step of ordinary length " * 20)))
        per_step = (time.perf_counter() - t0) / n
        rec.finish_cancelled()
        db.close()
    return 1 / per_event, per_delta, per_step


# ---- storage per run ---------------------------------------------------------------------------


async def _record_runs(db: Any, fake: Any, paradigm: str, steps: int, runs: int) -> list[int]:
    """`runs` runs of one paradigm, the real engine against the fake server, recorded."""
    from bench_cost import PROBLEM, responder_for, sonnet_provider
    from fakellm import Reply

    from reasoning.engine import solve

    provider = sonnet_provider(fake)
    settings = RunSettings(
        paradigm="g1" if paradigm == "g1" else "direct" if paradigm == "direct" else "dcot",
        reinforce="guided" if paradigm == "dcot-guided" else "self",
        budget=max(steps, 20),
        min_steps=steps,
        max_steps=steps + 5,
        max_calls=200,
    )
    ids = []
    try:
        for _ in range(runs):
            fake.responder = (
                (lambda body: Reply("Counting the draws gives 7/22.\nFinal answer: 7/22"))
                if paradigm == "direct"
                else responder_for(paradigm, steps)
            )
            rec = RunRecorder(db, keeping=KEEPING)
            async for event in solve(PROBLEM, provider, settings):
                rec.handle(event)
            assert rec.run_id is not None
            ids.append(rec.run_id)
    finally:
        await provider.aclose()
    return ids


def _storage_per_run(runs: int = 10) -> list[tuple[str, int, int, float, float, float]]:
    """(paradigm, steps, calls a run, database bytes a run, its requests whole and as stored
    in characters) for each paradigm at 10 / 20 / 40 steps."""
    import asyncio

    from benchkit import free_port
    from fakellm import FakeLLM

    os.environ.setdefault("ANTHROPIC_API_KEY", "bench-key")
    rows = []
    with FakeLLM(port=free_port()) as fake:
        for paradigm, steps in [
            ("direct", 1),
            *((p, n) for p in ("dcot", "dcot-guided", "g1") for n in (10, 20, 40)),
        ]:
            with tempfile.TemporaryDirectory() as tmp:
                db = open_db(Path(tmp) / "runs.db")
                db.execute("vacuum")
                empty = _file_bytes(db)
                ids = asyncio.run(_record_runs(db, fake, paradigm, steps, runs))
                db.conn.execute("pragma wal_checkpoint(truncate)")
                db.execute("vacuum")
                size = (_file_bytes(db) - empty) / runs
                calls = db.execute("select count(*) from calls").fetchone()[0] / runs
                whole = sum(
                    len(text or "") for run_id in ids for text in run_requests(db, run_id).values()
                )
                stored = db.execute("select sum(length(request)) from calls").fetchone()[0]
                rows.append((paradigm, steps, round(calls), size, whole / runs, stored / runs))
                db.close()
    return rows


def _file_bytes(db: Any) -> int:
    page_size = db.execute("pragma page_size").fetchone()[0]
    return int(db.execute("pragma page_count").fetchone()[0]) * int(page_size)


def print_storage() -> None:
    print(
        "\nstorage per run (the real engine against the fake server, recorded; bytes after vacuum):"
    )
    print(
        f"{'paradigm':<12} {'steps':>5} {'calls':>5} {'bytes a run':>12}"
        f" {'requests whole':>15} {'stored':>9}  per step"
    )
    for paradigm, steps, calls, size, whole, stored in _storage_per_run():
        print(
            f"{paradigm:<12} {steps:>5} {calls:>5} {size:>12,.0f} {whole:>15,.0f}"
            f" {stored:>9,.0f}  {size / max(1, steps):,.0f}"
        )
    print("(requests whole: what the calls would hold if each stored its whole conversation)")


def bench(path: Path) -> int:
    opening = _time(lambda: open_db(path).close())
    db = open_db(path)
    common, rare = _common_and_rare_words(db)
    n_common, n_rare = count_runs(db, search=common), count_runs(db, search=rare)
    rows: list[tuple[str, tuple[float, float, float]]] = [
        ("open the database (migrate check + recovery)", opening),
        ("list_runs: latest 50", _time(lambda: list_runs(db, limit=50))),
        (
            "list_runs: page 1000 (offset 49,950)",
            _time(lambda: list_runs(db, limit=50, offset=49_950)),
        ),
        (
            "list_runs: last page (offset 99,950)",
            _time(lambda: list_runs(db, limit=50, offset=99_950)),
        ),
        (
            f"list_runs: search {common!r} ({n_common:,} hits)",
            _time(lambda: list_runs(db, search=common)),
        ),
        (
            f"list_runs: search {rare!r} ({n_rare:,} hits)",
            _time(lambda: list_runs(db, search=rare)),
        ),
        (
            "list_runs: last page (by key)",
            _time(lambda: list_runs(db, limit=100, last=True)),
        ),
        (
            "list_runs: the page after run 1,000 (by key)",
            _time(lambda: list_runs(db, limit=100, after=1_000)),
        ),
        ("list_runs: dataset 'imo', latest 50", _time(lambda: list_runs(db, dataset="imo"))),
        ("count_runs: all", _time(lambda: count_runs(db))),
        (f"count_runs: search {common!r}", _time(lambda: count_runs(db, search=common))),
        ("get_run: 10 steps", _time(lambda: get_run(db, 54_321))),
        ("run_json: 10 steps", _time(lambda: run_json(db, 12_345))),
        ("mark_interrupted", _time(lambda: mark_interrupted(db))),
        # The Bench screen's poll, every 0.5 s while a bench runs: its bars, its heading, its
        # score matrix (scores of that bench's runs only).
        ("Bench poll: bench_progress (1,000 runs)", _time(lambda: bench_progress(db, BENCH))),
        ("Bench poll: bench_status", _time(lambda: bench_status(db, BENCH))),
        (
            "Bench poll: the bench's score rows",
            _time(lambda: candidate_rows(db, bench_dataset(db, BENCH), BENCH)),
        ),
    ]
    runs = db.execute("select count(*) from runs").fetchone()[0]
    steps = db.execute("select max(id) from steps").fetchone()[0]
    print(
        f"store bench: {runs:,} runs, {steps:,} steps, {path.stat().st_size / 1e6:.0f} MB at {path}"
    )
    print(f"{'operation':52} {'first':>9} {'median':>9} {'worst':>9}  target {TARGET_S} s")
    worst_ok = True
    for name, (first, median, worst) in rows:
        ok = worst <= TARGET_S
        worst_ok &= ok
        print(
            f"{name:52} {first * 1e3:7.1f}ms {median * 1e3:7.1f}ms {worst * 1e3:7.1f}ms  {'ok' if ok else 'SLOW'}"
        )
    old, new = _trigger_cost(db)
    print(
        f"heartbeat/usage updates: {old:,.0f}/s with the update-any-column FTS trigger, {new:,.0f}/s with m003 ({new / old:.1f}x)"
    )
    events_per_s, per_delta, per_step = _recorder_throughput()
    print(
        f"recorder: {events_per_s:,.0f} events/s end to end (200 deltas a step); a TextDelta costs"
        f" {per_delta * 1e6:.2f} µs when no flush is due, a StepFinished (its own commit)"
        f" {per_step * 1e6:.0f} µs"
    )
    db.close()
    print_storage()
    return 0 if worst_ok else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "--build", metavar="PATH", type=Path, help="build (or reuse) the bench db at PATH and exit"
    )
    ap.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        help="time against this bench db (default: cached under /tmp)",
    )
    ap.add_argument("--storage", action="store_true", help="only the storage per run")
    args = ap.parse_args(argv)
    if args.build:
        print(ensure_bench_db(args.build))
        return 0
    if args.storage:
        print_storage()
        return 0
    return bench(ensure_bench_db(args.db or DEFAULT_PATH))


if __name__ == "__main__":
    raise SystemExit(main())
