"""The bench: a dataset x paradigms x models, run concurrently, recorded and graded live.

plan.py says what to run (and on resume what is left), scheduler.py when each run starts,
costcap.py what `--max-cost` allows, breaker.py which models are left out and why, progress.py
what the caller is told, and runner.py runs it all (`run_bench`).
"""

from workbench.bench.plan import (
    BenchBusy,
    BenchError,
    BenchPlan,
    Job,
    Planned,
    plan_jobs,
    plan_runs,
)
from workbench.bench.progress import BenchProgress, BenchSummary, ProgressFn, StopReason
from workbench.bench.runner import load_sdks, run_bench

__all__ = [
    "BenchBusy",
    "BenchError",
    "BenchPlan",
    "BenchProgress",
    "BenchSummary",
    "Job",
    "Planned",
    "ProgressFn",
    "StopReason",
    "load_sdks",
    "plan_jobs",
    "plan_runs",
    "run_bench",
]
