"""SPEC §2's dependency picture, checked on the source: {tui, ponder} → workbench → {reasoning,
store, graders}; reasoning knows no UI or database, graders nothing of the project but the
vocabulary of reasoning.events (for scoring), store only reasoning's events; tui and ponder.cli
never import each other. Every import counts, the lazy ones inside functions too."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("reasoning", "graders", "store", "workbench", "tui", "ponder")


def imports(part: str) -> set[tuple[str, str, str]]:
    """(file, module, name) for every import in a part; name is "" for `import x`."""
    found = set()
    for path in sorted((ROOT / part).rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(rel, alias.name, "") for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found |= {(rel, node.module, alias.name) for alias in node.names}
    return found


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def offending(part: str, bad) -> list[str]:
    return sorted(f"{f}: {m}{' ' + n if n else ''}" for f, m, n in imports(part) if bad(m, n))


def test_reasoning_imports_no_ui_no_database_and_no_other_part() -> None:
    bad = offending(
        "reasoning",
        lambda m, _: under(m, "textual", "sqlite3", "sqlite_utils", *PARTS[1:]),
    )
    assert bad == []


def test_graders_import_nothing_of_the_project_but_the_vocabulary() -> None:
    def wrong(module: str, _: str) -> bool:
        if under(module, "reasoning"):
            return module != "reasoning.events"
        return under(module, *PARTS[2:], "textual")

    assert offending("graders", wrong) == []


def test_store_imports_only_reasoning_events_of_the_other_parts() -> None:
    def wrong(module: str, _: str) -> bool:
        if under(module, "graders", "workbench", "tui", "textual"):
            return True
        if under(module, "reasoning"):
            return module != "reasoning.events"
        return False

    assert offending("store", wrong) == []


def test_workbench_knows_no_ui() -> None:
    assert offending("workbench", lambda m, _: under(m, "tui", "ponder", "textual")) == []


def test_the_command_line_and_the_tui_never_import_each_other() -> None:
    """Only ponder.launch knows both doors (the `ponder` command: a subcommand, or the TUI)."""
    assert offending("tui", lambda m, _: under(m, "ponder.cli", "ponder.launch")) == []
    in_ponder = [
        line
        for line in offending("ponder", lambda m, _: under(m, "tui", "textual"))
        if not line.startswith("ponder/launch.py:")
    ]
    assert in_ponder == []
    assert offending("ponder", lambda m, _: under(m, "tui") and m != "tui.app") == []


def test_the_report_is_not_the_command_line() -> None:
    assert offending("ponder/report", lambda m, _: under(m, "ponder.cli")) == []


def test_tui_runs_and_grades_only_through_workbench() -> None:
    """No engine, paradigm, recorder or grader in tui: it calls workbench.drive, workbench.bench,
    workbench.grading. (graders.result, the vocabulary of kinds, may be read for help text, and
    graders.scoring's pure tables and rules, which the screens show.)"""

    def wrong(module: str, name: str) -> bool:
        if under(module, "reasoning.engine", "reasoning.session", "reasoning.paradigms"):
            return True
        if under(module, "store.recorder") and name != "StoreFull":
            return True
        if under(module, "graders") and not under(module, "graders.result", "graders.scoring"):
            return True
        return name in {"build_provider", "solve", "RunRecorder", "auto_grade_run", "grade"} and (
            under(module, "reasoning", "store", "graders")
        )

    assert offending("tui", wrong) == []


def test_no_sql_in_the_front_doors() -> None:
    """Every SQL statement lives in store/: tui and ponder call store functions. (Our SQL is lower case;
    f-strings are read part by part.)"""
    sql = re.compile(r"\s*(select|insert into|update|delete from|pragma|with \w+ as \() ")
    found = []
    for path in sorted([*(ROOT / "tui").rglob("*.py"), *(ROOT / "ponder").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and sql.match(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    assert found == []


@pytest.mark.parametrize(
    ("store_fact", "graders_fact"),
    [
        ("store.importers.rows.KINDS", "graders.result.KINDS"),
        ("store.grades.HUMAN_KINDS", "graders.policy.HUMAN_KINDS"),
        ("store.grades.VERDICTS", "graders.result.Verdict"),
    ],
)
def test_the_store_s_copy_of_a_graders_fact_is_the_same(store_fact: str, graders_fact: str) -> None:
    """store may not import graders (SPEC §2), so it keeps its own copy of these names."""
    import importlib

    def value(path: str) -> tuple[str, ...]:
        module, _, name = path.rpartition(".")
        obj = getattr(importlib.import_module(module), name)
        return tuple(get_args(obj) or obj)

    assert value(store_fact) == value(graders_fact)
