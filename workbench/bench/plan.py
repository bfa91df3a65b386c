"""Planning a bench: what to run (a dataset x paradigms x models), checked, and on resume what is
left to run."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlite_utils

from reasoning.events import ARMS, PARADIGMS, RunSettings, arm_of, split_arm


class BenchError(Exception):
    """The plan cannot run (unknown dataset, no provider, bad numbers): one line for the user."""


class BenchBusy(BenchError):
    """The bench is driven by another live process: resuming it now would run its jobs twice."""


@dataclass(frozen=True)
class BenchPlan:
    """What to run: a dataset across paradigms and models, and how."""

    dataset: str
    paradigms: tuple[str, ...] = ("dcot",)  # arms: a paradigm, or "dcot+guided" (see arms())
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
    batch: int | None = None  # batch mode: calls sent through the batch APIs, this many a batch
    batch_poll_s: float = 0.5  # batch mode: the first look at a submitted batch (then backoff)
    # Batch mode: requests whose batch expired or was cancelled are sent again (else a resume
    # answers them from the store: failed, with the reason).
    resubmit_expired: bool = False
    resume_id: str | None = None  # with resume: this bench (None: the latest that matches)
    # With resume: the fields the caller left unset, taken from the resumed bench's own plan
    # (paradigms, models, limit, attempts, provider, base_url, judge).
    inherit: frozenset[str] = frozenset()


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
    plan: BenchPlan | None = None  # the plan as run: a resumed bench's own fields filled in
    resumed: Resumed | None = None  # with resume: which bench, found how


@dataclass(frozen=True)
class Resumed:
    """Which bench a resume continues: `found` says how (named, the latest matching, or none
    matched and a new one starts)."""

    bench_id: str
    found: Literal["named", "latest", "new"]
    started_at: str | None = None


INHERITED = (
    "paradigms",
    "models",
    "limit",
    "attempts",
    "provider",
    "base_url",
    "judge",
    "batch",
)


def arms(paradigms: Sequence[str], reinforce: Sequence[str] = ()) -> tuple[str, ...]:
    """The arms a bench runs: each paradigm, dcot once per reinforcement asked for (`--reinforce
    self --reinforce guided`: "dcot" and "dcot+guided"); the others take no reinforcement."""
    out: list[str] = []
    for paradigm in paradigms:
        modes = (reinforce or ("self",)) if paradigm == "dcot" else ("self",)
        for mode in modes:
            arm = arm_of(paradigm, mode) if paradigm in PARADIGMS else paradigm
            if arm not in out:
                out.append(arm)
    return tuple(out)


def _check(plan: BenchPlan) -> None:
    if not plan.paradigms and not (plan.resume and "paradigms" in plan.inherit):
        raise BenchError("give at least one paradigm")
    bad = [p for p in plan.paradigms if p not in ARMS]
    if bad:
        raise BenchError(f"unknown paradigm {bad[0]!r}: use {', '.join(ARMS)}")
    for name, value in (
        ("concurrency", plan.concurrency),
        ("attempts", plan.attempts),
        ("limit", plan.limit),
        ("provider concurrency", plan.provider_concurrency),
        ("batch size", plan.batch),
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


def stored_plan(plan: BenchPlan, specs: dict[str, Any]) -> dict[str, Any]:
    """What a bench's row keeps of its plan (never a key: a base URL without its user part)."""
    return {
        "paradigms": list(plan.paradigms),
        "models": list(specs),
        "asked_models": list(plan.models),
        "provider": plan.provider,
        "base_url": _without_secrets(plan.base_url),
        "limit": plan.limit,
        "attempts": plan.attempts,
        "concurrency": plan.concurrency,
        "max_cost": plan.max_cost,
        "judge": plan.judge,
        "budget": plan.settings.budget,
        "max_tokens": plan.settings.max_tokens,
        "batch": plan.batch,
        # The settings each arm ran with, whole: the same budget and continuation rule for
        # every arm is then there to be checked (its prompt folder, if any, by its path).
        "arms": {arm: arm_settings(plan.settings, arm).as_dict() for arm in plan.paradigms},
    }


def arm_settings(settings: RunSettings, arm: str) -> RunSettings:
    """The settings a run of `arm` is made with: the bench's, with the arm's paradigm and
    reinforcement."""
    paradigm, reinforce = split_arm(arm)
    return dataclasses.replace(settings, paradigm=paradigm, reinforce=reinforce)


def _without_secrets(url: str | None) -> str | None:
    """A URL without its user and password, nor a query string (where a key may be)."""
    if url is None:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None and not parts.query:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _matches(plan: BenchPlan, stored: dict[str, Any]) -> bool:
    """Whether a stored bench is the one a resume with these fields asks for."""
    if "paradigms" not in plan.inherit and set(plan.paradigms) != set(stored.get("paradigms", ())):
        return False
    if "models" not in plan.inherit:
        names = {*stored.get("models", ()), *stored.get("asked_models", ())}
        if not set(plan.models) <= names:
            return False
    return True


def _inherit(plan: BenchPlan, stored: dict[str, Any]) -> BenchPlan:
    changes: dict[str, Any] = {}
    for name in plan.inherit:
        if name not in INHERITED or name not in stored:
            continue
        value = stored[name]
        if name == "models":
            value = tuple(stored.get("asked_models") or value or ())
        elif name == "paradigms":
            value = tuple(value or ())
        elif name == "attempts":
            value = value or 1
        changes[name] = value
    return dataclasses.replace(plan, **changes)


def find_resumed(db: sqlite_utils.Database, plan: BenchPlan) -> tuple[BenchPlan, Resumed | None]:
    """The bench a resume continues (named, else the dataset's latest that matches the fields
    given), and the plan with its own fields filled in; (plan, None) when no bench has a row
    (a bench from before benches had rows is found from its runs, as it always was)."""
    from store.benches import benches_of, get_bench

    if plan.resume_id is not None:
        record = get_bench(db, plan.resume_id)
        if record is None:
            known = db.conn.execute(
                "select 1 from runs where bench_id = ? limit 1", [plan.resume_id]
            ).fetchone()
            if known is None:
                raise BenchError(f"no bench {plan.resume_id!r} (ponder benches lists them)")
            return plan, Resumed(plan.resume_id, "named")
        if record.dataset != plan.dataset:
            raise BenchError(
                f"bench {record.id} ran {record.dataset!r}, not {plan.dataset!r}:"
                f" ponder bench {record.dataset} --resume {record.id}"
            )
        return _inherit(plan, record.plan), Resumed(record.id, "named", record.started_at)
    for record in benches_of(db, plan.dataset):
        if _matches(plan, record.plan):
            return _inherit(plan, record.plan), Resumed(record.id, "latest", record.started_at)
    return plan, None


def plan_runs(db: sqlite_utils.Database, plan: BenchPlan) -> Planned:
    from store.benchq import JobKey, job_states, latest_bench_id
    from store.problems import list_problems
    from store.queries import mark_interrupted

    _check(plan)
    names = known_datasets(db)
    if plan.dataset not in names:
        known = ", ".join(names) if names else "none yet (ponder import FILE)"
        raise BenchError(f"no dataset {plan.dataset!r}; known datasets: {known}")
    resumed: Resumed | None = None
    if plan.resume:
        plan, resumed = find_resumed(db, plan)
        if not plan.paradigms:
            plan = dataclasses.replace(plan, paradigms=("dcot",))
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
    if resumed is None and plan.resume:
        found = latest_bench_id(db, known_runs)
        resumed = Resumed(found, "latest") if found else Resumed(uuid.uuid4().hex[:12], "new")
    bench_id = resumed.bench_id if resumed is not None else uuid.uuid4().hex[:12]
    if not plan.resume:
        return Planned(every, len(every), 0, 0, specs, bench_id, plan)
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
    return Planned(todo, len(every), done, running, specs, bench_id, plan, resumed)


def plan_jobs(db: sqlite_utils.Database, plan: BenchPlan) -> list[Job]:
    """The jobs to run: problem x model x paradigm; with resume, those not done yet."""
    return plan_runs(db, plan).jobs
