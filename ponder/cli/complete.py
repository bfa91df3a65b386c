"""Names for shell completion, asked by the completion script as it runs (`ponder --complete
KIND`): the datasets, recent run ids, bench ids and provider presets there are now. Quiet and
quick: a store that is missing or unreadable gives what it can, never an error."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, NoReturn

RECENT = 50  # run and bench ids offered: the latest


def _store() -> Any:
    """The default database, read-only; None when there is none yet (nothing is created)."""
    from store.db import default_db_path, open_db

    path: Path = default_db_path()
    if not path.exists():
        return None
    return open_db(path, read_only=True, migrate_now=False, recover=False)


def datasets() -> list[str]:
    from store.problems import bundled_datasets, list_datasets

    names = [d["name"] for d in bundled_datasets()]
    db = _store()
    if db is not None:
        names += [d["name"] for d in list_datasets(db)]
    return list(dict.fromkeys(names))


def runs() -> list[str]:
    from store.queries import list_runs

    db = _store()
    return [] if db is None else [str(r.run_id) for r in list_runs(db, limit=RECENT)]


def benches() -> list[str]:
    from store.benches import list_benches

    db = _store()
    return [] if db is None else [b.id for b in list_benches(db, limit=RECENT)]


def presets() -> list[str]:
    from reasoning.providers.config import BUILTIN_PRESETS, ConfigError, load_config

    try:
        return list(load_config().presets)
    except ConfigError:
        return list(BUILTIN_PRESETS)


KINDS: dict[str, Callable[[], list[str]]] = {
    "datasets": datasets,
    "runs": runs,
    "benches": benches,
    "presets": presets,
}


class CompleteAction(argparse.Action):
    """`--complete KIND` (hidden): print the names of that kind, one a line, and exit."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> NoReturn:
        kind = str(values)
        names: list[str] = []
        with suppress(Exception):  # completion never shows a traceback
            names = KINDS[kind]()
        from ponder.text import safe_text

        with suppress(BrokenPipeError):  # a shell that stopped reading
            for name in names:
                if name and "\n" not in name:
                    print(safe_text(name))
        parser.exit(0)


def _function(kind: str) -> str:
    return f"_ponder_complete_{kind}"


def dynamic(kind: str) -> dict[str, Any]:
    """shtab's completion of an argument by the names `ponder --complete KIND` prints."""
    fn = _function(kind)
    return {
        "bash": fn,
        "zsh": fn,
        "fish": f"(ponder --complete {kind} 2>/dev/null)",
        "preamble": {
            "bash": f'{fn}() {{ compgen -W "$(ponder --complete {kind} 2>/dev/null)" -- "$1"; }}',
            "zsh": (
                f"{fn}() {{ local -a names; "
                f'names=(${{(f)"$(ponder --complete {kind} 2>/dev/null)"}}); '
                "compadd -a names; }"
            ),
        },
    }


# Which arguments complete with which names: (subcommand or "" for any, dest) -> kind.
ARGUMENTS: dict[tuple[str, str], str] = {
    ("bench", "dataset"): "datasets",
    ("problems", "dataset"): "datasets",
    ("report", "dataset"): "datasets",
    ("scores", "dataset"): "datasets",
    ("", "dataset"): "datasets",  # --dataset of import, export, runs
    ("grade", "target"): "datasets",  # DATASET|RUN: a dataset with --auto, most often
    ("resume", "run"): "runs",
    ("show", "run"): "runs",
    ("bench", "resume"): "benches",
    ("", "bench"): "benches",  # --bench of runs and scores
    ("", "provider"): "presets",
}


def kind_for(command: str, dest: str) -> str | None:
    return ARGUMENTS.get((command, dest)) or ARGUMENTS.get(("", dest))
