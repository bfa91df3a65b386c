"""`ponder paths`, `ponder config init|show`, `ponder completion SHELL` and the version."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ponder.common import UsageError, out, store_path
from ponder.text import json_text, safe_text

if TYPE_CHECKING:
    from reasoning.providers.config import Config

# Environment variables Ponder reads besides the providers' key variables.
_ENV_VARS = (
    "PONDER_DB",
    "PONDER_CONFIG",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OLLAMA_HOST",
)


def version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("ponder")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def run(args: argparse.Namespace) -> int:
    if args.command == "paths":
        return _paths(args)
    if args.command == "completion":
        return _completion(args)
    return _config_init() if args.action == "init" else _config_show(args)


def data_dir() -> Path:
    """The user data dir: where the database lives unless PONDER_DB or --db says otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("ponder", appauthor=False))


def _paths(args: argparse.Namespace) -> int:
    from reasoning.providers.config import config_path

    paths = {"db": str(store_path(args)), "config": str(config_path()), "data_dir": str(data_dir())}
    if args.json:
        out(json_text(paths))
    elif args.only_db:
        out(safe_text(paths["db"]))
    elif args.only_config:
        out(safe_text(paths["config"]))
    else:
        for name, path in paths.items():
            out(f"{name:<9} {safe_text(path)}")
    return 0


def _config_init() -> int:
    from reasoning.providers.config import config_path, write_default_config

    path = config_path()
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} already exists; edit it, or move it away to start again")
    try:
        write_default_config(path)
    except FileExistsError:  # made by another process in between
        raise UsageError(
            f"{path} already exists; edit it, or move it away to start again"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    out(f"wrote {safe_text(str(path))} (mode 0600); edit it to set a default provider")
    return 0


def _config_show(args: argparse.Namespace) -> int:
    import stat

    from reasoning.providers.config import ConfigError, config_path, load_config
    from reasoning.providers.errors import public_url

    path = config_path()
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        out(f"config file  {safe_text(str(path))} (mode {mode:04o})")
    else:
        out(f"config file  {safe_text(str(path))} (none yet: ponder config init writes one)")
    out(f"database     {safe_text(str(store_path(args)))}")
    default = cfg.default or "none: the first of ANTHROPIC_API_KEY, OPENAI_API_KEY, a local Ollama"
    out(f"default      {safe_text(default)}")
    out(f"in use now   {_in_use(args)}")
    out(f"limits       {_limits_line(cfg)}")
    out()
    rows: list[tuple[str, ...]] = [("provider", "kind", "base URL", "model", "key")]
    for p in cfg.presets.values():
        url = public_url(p.base_url) or "(the SDK's)"
        rows.append((p.name, p.kind, url, p.model or "(the server's first)", _key_state(p)))
    _table(rows)
    if cfg.prices:
        out()
        out("prices (USD per million tokens: input, output, cache read, cache write)")
        for model, pr in cfg.prices.items():
            cells = [pr.input, pr.output, pr.cache_read, pr.cache_write]
            out(
                "  "
                + safe_text(model)
                + "  "
                + ", ".join("-" if c is None else f"{c:g}" for c in cells)
            )
    set_vars = [(n, os.environ[n]) for n in _ENV_VARS if os.environ.get(n)]
    if set_vars:
        out()
        out("environment")
        for name, value in set_vars:
            shown = (public_url(value) or "") if name.endswith(("_URL", "_HOST")) else value
            out(f"  {name}={safe_text(shown)}")
    return 0


def _key_state(preset: object) -> str:
    """Where a preset's key comes from and whether it is there; never the key itself."""
    api_key = getattr(preset, "api_key", None)
    env = getattr(preset, "api_key_env", None)
    if api_key is not None:
        return "in the config file (****)"
    if env:
        return f"{env} (****)" if os.environ.get(env) else f"{env} not set"
    return "none needed" if not getattr(preset, "needs_key", True) else "none"


def _in_use(args: argparse.Namespace) -> str:
    """The provider a run would use now, as `ponder solve` would choose it."""
    from reasoning.providers.errors import public_url
    from reasoning.providers.registry import NoProvider, resolve_spec

    try:
        spec = resolve_spec(
            getattr(args, "provider", None),
            getattr(args, "model", None),
            getattr(args, "base_url", None),
        )
    except NoProvider as exc:
        return safe_text("none: " + exc.message)
    where = public_url(spec.base_url) if spec.base_url else "the SDK's default URL"
    return safe_text(f"{spec.name} · {spec.model} · {where}")


def _table(table: list[tuple[str, ...]]) -> None:
    rows = [tuple(safe_text(c) for c in r) for r in table]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _completion(args: argparse.Namespace) -> int:
    import shtab

    from ponder.cli.complete import dynamic, kind_for
    from ponder.cli.main import _PATH_ARGS, build_parser

    parser = build_parser()
    for command, action in _walk(parser):
        if action.dest == "prompts":
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest in _PATH_ARGS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif (kind := kind_for(command, action.dest)) is not None:
            # Asked of ponder as the user presses Tab: the datasets, runs… there are now.
            action.complete = dynamic(kind)  # type: ignore[attr-defined]
    out(shtab.complete(parser, shell=args.shell).rstrip("\n"))
    return 0


def _walk(parser: argparse.ArgumentParser, command: str = "") -> list[tuple[str, argparse.Action]]:
    """Every action of a parser and of its subcommands, with the subcommand's name."""
    actions: list[tuple[str, argparse.Action]] = []
    for action in parser._actions:
        actions.append((command, action))
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                actions.extend(_walk(sub, name))
    return actions


def _limits_line(cfg: Config) -> str:
    """A run's wall time and a call's timeout as a run gets them now (the flags override)."""
    from reasoning.events import DEFAULT_MAX_TIME_S, DEFAULT_TIMEOUT_S

    def given(value: float | None, default: float) -> str:
        return f"{default:g} s" if value is None else f"{value:g} s ([limits])"

    return (
        f"a run's wall time {given(cfg.max_time_s, DEFAULT_MAX_TIME_S)},"
        f" a call's wait for a byte {given(cfg.timeout_s, DEFAULT_TIMEOUT_S)}"
    )
