"""Planning a bench: what to run (a dataset x paradigms x models), checked, and on resume what is
left to run."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from reasoning.events import PARADIGMS, RunSettings


class BenchError(Exception):
    """The plan cannot run (unknown dataset, no provider, bad numbers): one line for the user."""


@dataclass(frozen=True)
class BenchPlan:
    """What to run: a dataset across paradigms and models, and how."""

    dataset: str
    paradigms: tuple[str, ...] = ("dcot",)
    models: tuple[str, ...] = ()  # empty: the provider's default model
    provider: str | None = None
    base_url: str | None = None
    concurrency: int = 4
    limit: int | None = None
    attempts: int = 1
    resume: bool = False
    max_cost: float | None = None
    settings: RunSettings = field(default_factory=RunSettings)
    provider_concurrency: int | None = None  # calls in flight per endpoint; None: = concurrency
    judge: str | None = None  # a judge model: proof and free-text runs are judged as they finish


@dataclass(frozen=True)
class Job:
    """One problem under one paradigm and one model (run `attempts` times)."""

    problem_id: int
    key: str
    prompt: str
    paradigm: str
    model: str

    @property
    def label(self) -> str:
        return f"{self.key} · {self.model} · {self.paradigm}"


@dataclass(frozen=True)
class Planned:
    jobs: list[Job]  # to run now
    all_jobs: int
    skipped_done: int
    skipped_running: int
    specs: dict[str, Any]  # model -> ProviderSpec
    bench_id: str


def _check(plan: BenchPlan) -> None:
    if not plan.paradigms:
        raise BenchError("give at least one paradigm")
    bad = [p for p in plan.paradigms if p not in PARADIGMS]
    if bad:
        raise BenchError(f"unknown paradigm {bad[0]!r}: use {', '.join(PARADIGMS)}")
    for name, value in (
        ("concurrency", plan.concurrency),
        ("attempts", plan.attempts),
        ("limit", plan.limit),
        ("provider concurrency", plan.provider_concurrency),
    ):
        if value is not None and value < 1:
            raise BenchError(f"{name} must be at least 1")
    if plan.max_cost is not None and not plan.max_cost > 0:
        raise BenchError("the cost cap must be a positive number of USD")


def known_datasets(db: sqlite_utils.Database) -> list[str]:
    """Names of the datasets in the store (bundled ones loaded first)."""
    from store.problems import ImportProblem, ensure_bundled, list_datasets

    with contextlib.suppress(ImportProblem):  # a broken bundled file must not block a bench
        ensure_bundled(db)
    return [d["name"] for d in list_datasets(db)]


def resolve_models(plan: BenchPlan) -> dict[str, Any]:
    """Each model of the plan (or the provider's default) mapped to its ProviderSpec."""
    from reasoning.providers import NoProvider, resolve_spec

    specs: dict[str, Any] = {}
    for model in plan.models or (None,):
        try:
            spec = resolve_spec(provider=plan.provider, model=model, base_url=plan.base_url)
        except (NoProvider, ValueError) as exc:
            raise BenchError(str(exc)) from None
        specs.setdefault(spec.model, spec)
    return specs


def plan_runs(db: sqlite_utils.Database, plan: BenchPlan) -> Planned:
    from store.benchq import JobKey, job_states, latest_bench_id
    from store.problems import list_problems
    from store.queries import mark_interrupted

    _check(plan)
    names = known_datasets(db)
    if plan.dataset not in names:
        known = ", ".join(names) if names else "none yet (ponder import FILE)"
        raise BenchError(f"no dataset {plan.dataset!r}; known datasets: {known}")
    specs = resolve_models(plan)
    mark_interrupted(db)  # runs of a dead process are interrupted, so resume re-runs them
    problems = list_problems(db, plan.dataset)[: plan.limit]
    every = [
        Job(p.id, p.key, p.text, paradigm, model)
        for p in problems
        for model in specs
        for paradigm in plan.paradigms
    ]
    states = job_states(db, plan.dataset, plan.paradigms, list(specs), plan.attempts)
    known_runs = [
        run_id
        for j in every
        if (s := states.get(JobKey(j.problem_id, j.paradigm, j.model)))
        for run_id in s.run_ids
    ]
    bench_id = (latest_bench_id(db, known_runs) if plan.resume else None) or uuid.uuid4().hex[:12]
    if not plan.resume:
        return Planned(every, len(every), 0, 0, specs, bench_id)
    todo, done, running = [], 0, 0
    for job in every:
        state = states.get(JobKey(job.problem_id, job.paradigm, job.model))
        status = state.status if state else "new"
        if status == "done":
            done += 1
        elif status == "running":  # alive in another process: do not run it twice
            running += 1
        else:
            todo.append(job)
    return Planned(todo, len(every), done, running, specs, bench_id)


def plan_jobs(db: sqlite_utils.Database, plan: BenchPlan) -> list[Job]:
    """The jobs to run: problem x model x paradigm; with resume, those not done yet."""
    return plan_runs(db, plan).jobs
