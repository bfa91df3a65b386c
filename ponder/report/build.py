"""What a report holds, as data: the score table and paired comparisons, each arm's settings
and graders, judge-vs-human agreement, and every counted run per problem with its transcript.
Markdown and HTML are drawn from it (report_markdown, report_html)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from reasoning.events import RunSettings

if TYPE_CHECKING:
    import sqlite_utils

    from graders.scoring.agreement import Agreement
    from graders.scoring.counted import CellKey, Rule
    from graders.scoring.tables import ComparisonRow, ScoreRow
    from store.report_rows import ReportRun, RunTranscript

ANSWER_SHOWN = 80  # characters of an answer in the per-problem table (all of it in the transcript)


@dataclass(frozen=True)
class Arm:
    """One score cell (model x paradigm x provider) as the report presents it."""

    key: CellKey
    label: str  # "gpt-4o · dcot", with the provider when one model ran through two
    row: ScoreRow
    settings: tuple[tuple[str, str], ...]  # (setting, value as shown)
    graders: tuple[tuple[str, int], ...]  # ("auto", 30), ("human ann", 5), ("judge gpt-4o", 3)
    recorded_from: str | None  # the source of recorded results, for an arm without transcripts


@dataclass(frozen=True)
class Cell:
    """One arm's counted run on one problem."""

    run_id: int
    answer: str  # the extracted answer, else the run's answer ("" when none)
    verdict: str  # full | partial | zero | needs_human | ungraded | failed
    score: float | None
    grader: str  # who gave the grade that counts ("" when none)


@dataclass(frozen=True)
class ProblemLine:
    problem_id: int
    key: str
    text: str
    reference: str | None
    cells: tuple[Cell | None, ...]  # one per arm, in the arms' order


@dataclass(frozen=True)
class Report:
    dataset: str
    problems: int
    rule: str
    generated: str
    rows: list[ScoreRow]
    pairs: list[ComparisonRow]
    arms: tuple[Arm, ...] = ()
    lines: tuple[ProblemLine, ...] = ()
    runs: dict[int, ReportRun] | None = None
    transcripts: dict[int, RunTranscript] | None = None
    agreement: tuple[Agreement, ...] = ()


def grader_label(grader: str | None, name: str | None) -> str:
    """Who gave a grade, in a few words: auto, human ann, judge gpt-4o."""
    if grader is None:
        return ""
    if grader == "auto":
        return "auto"
    if grader == "llm":
        return f"judge {name or '?'}"
    return f"human {name}" if name else "human"


def build_report(
    db: sqlite_utils.Database, dataset: str, rule: Rule, *, transcripts: bool = True
) -> Report:
    """Everything a report of `dataset` shows, under `rule` for which run counts."""
    from graders.scoring.agreement import GradePair, agreement_by_judge
    from graders.scoring.tables import needs_provider_column
    from store import report_rows
    from store.judge import human_judge_pairs
    from store.queries import problem_count
    from workbench.scores import comparison, counted, score_table

    rows = score_table(db, dataset, rule)
    cells = counted(db, dataset, rule)
    run_ids = [r.run_id for runs in cells.values() for r in runs]
    runs = {r.run_id: r for r in report_rows.report_runs(db, run_ids)}
    with_provider = needs_provider_column(rows)
    arms = tuple(
        _arm(
            row,
            [runs[r.run_id] for r in cells.get(_key(row), ()) if r.run_id in runs],
            with_provider,
        )
        for row in rows
    )
    pairs = [GradePair(*p) for p in human_judge_pairs(db, dataset)]
    return Report(
        dataset=dataset,
        problems=problem_count(db, dataset),
        rule=rule.describe(),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        rows=rows,
        pairs=comparison(db, dataset, rows),
        arms=arms,
        lines=_lines(arms, cells, runs),
        runs=runs,
        transcripts=report_rows.transcripts(db, run_ids) if transcripts else None,
        agreement=tuple(agreement_by_judge(pairs)),
    )


def _key(row: ScoreRow) -> CellKey:
    return (row.dataset, row.model, row.paradigm, row.provider)


def _arm(row: ScoreRow, runs: list[ReportRun], with_provider: bool) -> Arm:
    from store.recorded import SOURCE_PARAM

    label = f"{row.model} · {row.paradigm}"
    if with_provider:
        label += f" ({row.provider})"
    sources = Counter(str(r.params[SOURCE_PARAM]) for r in runs if SOURCE_PARAM in r.params)
    graders = Counter(grader_label(r.grader, r.grader_name) for r in runs if r.grader)
    return Arm(
        key=_key(row),
        label=label,
        row=row,
        settings=_settings(runs) if not sources else (("recorded by", _mix(sources)),),
        graders=tuple(graders.most_common()),
        recorded_from=_mix(sources) if sources else None,
    )


def _mix(values: Counter[str]) -> str:
    """One value, or each value with its count when the runs differ."""
    if len(values) == 1:
        return next(iter(values))
    return ", ".join(f"{v} ({n})" for v, n in values.most_common())


def _endpoint(run: ReportRun) -> str:
    if not run.base_url:
        return run.provider
    host = urlsplit(run.base_url).hostname or run.base_url
    return f"{run.provider} @ {host}"


def _settings(runs: Iterable[ReportRun]) -> tuple[tuple[str, str], ...]:
    """The settings the arm's runs recorded (each value with its count where they differ); a
    setting a run did not record (an older version's run) is not guessed."""
    known = {f.name for f in fields(RunSettings)}
    shown: dict[str, Counter[str]] = {}

    def add(name: str, value: object) -> None:
        shown.setdefault(name, Counter())[str(value)] += 1

    for run in runs:
        p = run.params
        s = RunSettings(**{k: v for k, v in p.items() if k in known})
        add("endpoint", _endpoint(run))
        if "max_tokens" in p:
            add("max tokens", s.max_tokens)
            add("output budget", s.run_output_budget)
        if run.paradigm.startswith("dcot"):
            for key, name in (("budget", "step budget"), ("reinforce", "reinforce")):
                if key in p:
                    add(name, p[key])
            if "max_continuations" in p:
                add("continuations", s.max_continuations)
        if run.paradigm == "g1" and "min_steps" in p:
            add("steps", f"{s.min_steps}–{s.max_steps}")
        if "temperature" in p:
            add("temperature", "default" if s.temperature is None else f"{s.temperature:g}")
        if "wall_time_s" in p:
            add("wall time", "none" if s.wall_time_s is None else f"{s.wall_time_s:g} s")
        if s.cost_cap_usd is not None:
            add("cost cap", f"${s.cost_cap_usd:g}")
        if "prompt_dir" in p or "max_tokens" in p:
            add("prompts", s.prompt_dir or "bundled")
    return tuple((name, _mix(values)) for name, values in shown.items())


def _lines(
    arms: tuple[Arm, ...],
    cells: dict[CellKey, list],  # type: ignore[type-arg]
    runs: dict[int, ReportRun],
) -> tuple[ProblemLine, ...]:
    from store.importers.rows import is_content_key

    by_problem: dict[int, list[Cell | None]] = {}
    problem: dict[int, ReportRun] = {}
    for i, arm in enumerate(arms):
        for counted in cells.get(arm.key, ()):
            run = runs.get(counted.run_id)
            if run is None:
                continue
            problem.setdefault(run.problem_id, run)
            slots = by_problem.setdefault(run.problem_id, [None] * len(arms))
            slots[i] = _cell(run)
    ordered = sorted(problem.values(), key=lambda r: _natural(r.key))
    if ordered and all(is_content_key(r.key) for r in ordered):
        ordered = sorted(problem.values(), key=lambda r: r.problem_id)
    return tuple(
        ProblemLine(r.problem_id, r.key, r.text, r.reference, tuple(by_problem[r.problem_id]))
        for r in ordered
    )


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    import re

    return tuple((0, p.zfill(12)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", key))


def _cell(run: ReportRun) -> Cell:
    verdict = "failed" if run.status == "failed" else run.verdict or "ungraded"
    answer = run.extracted or run.answer or ""
    return Cell(
        run_id=run.run_id,
        answer=answer,
        verdict=verdict,
        score=run.score if run.status != "failed" else 0.0,
        grader=grader_label(run.grader, run.grader_name),
    )
