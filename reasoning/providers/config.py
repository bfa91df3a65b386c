"""The config file (TOML): default provider, named presets, price overrides; built-in presets."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from reasoning.events import Price, RunSettings
from reasoning.providers.base import Secret
from reasoning.secrets import remember, remember_url

CONFIG_ENV = "PONDER_CONFIG"
Kind = Literal["anthropic", "openai"]


class ConfigError(Exception):
    """The config file is unreadable or wrong; the message is one line naming the file."""


@dataclass(frozen=True)
class Preset:
    """A named endpoint: its kind, where it is, its default model, where its key comes from."""

    name: str
    kind: Kind
    base_url: str | None = None
    model: str | None = None  # None: ask the server (GET /models) for the first one
    api_key_env: str | None = None
    needs_key: bool = True
    max_retries: int | None = None
    timeout_s: float | None = None
    reasoning: bool | None = None  # force OpenAI reasoning-model parameter rules on or off
    api_key: Secret | None = field(default=None, repr=False, compare=False)


BUILTIN_PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("anthropic", "anthropic", None, "claude-sonnet-4-6", "ANTHROPIC_API_KEY"),
        Preset("openai", "openai", None, "gpt-4o-mini", "OPENAI_API_KEY"),
        Preset("ollama", "openai", "http://localhost:11434/v1", "llama3.1", None, needs_key=False),
        Preset(
            "groq",
            "openai",
            "https://api.groq.com/openai/v1",
            "llama-3.3-70b-versatile",
            "GROQ_API_KEY",
        ),
        Preset(
            "openrouter",
            "openai",
            "https://openrouter.ai/api/v1",
            "openai/gpt-4o-mini",
            "OPENROUTER_API_KEY",
        ),
        Preset(
            "deepseek", "openai", "https://api.deepseek.com/v1", "deepseek-chat", "DEEPSEEK_API_KEY"
        ),
        Preset("vllm", "openai", "http://localhost:8000/v1", None, None, needs_key=False),
        Preset("lmstudio", "openai", "http://localhost:1234/v1", None, None, needs_key=False),
        Preset("llamacpp", "openai", "http://localhost:8080/v1", None, None, needs_key=False),
    )
}

_PRESET_KEYS = {
    "kind",
    "base_url",
    "model",
    "api_key_env",
    "api_key",
    "max_retries",
    "timeout_s",
    "reasoning",
}
_PRICE_KEYS = {"input", "output", "cache_read", "cache_write"}

DEFAULT_CONFIG = """\
# Ponder configuration (TOML).
# Keys are best left in the environment: name the variable with api_key_env.
# An api_key written here is accepted only while this file is private (chmod 600).

# The provider used when none is named (a built-in preset or one of yours below):
# anthropic, openai, ollama, groq, openrouter, deepseek, vllm, lmstudio, llamacpp.
# default = "anthropic"

# [providers.local]
# kind = "openai"                       # "openai" (any compatible server) or "anthropic"
# base_url = "http://localhost:11434/v1"
# model = "llama3.1"
# api_key_env = "LOCAL_API_KEY"         # optional

# The limits every run keeps (the flags override them):
# [limits]
# max_time_s = 1800                     # a run's wall time (--max-time)
# timeout_s = 60                        # a call's wait for its first byte, and each next one (--timeout)

# Prices in USD per million tokens override the built-in table:
# [prices."llama3.1"]
# input = 0.0
# output = 0.0
# cache_read = 0.0
# cache_write = 0.0
"""


@dataclass(frozen=True)
class LastUsed:
    """The provider and model last picked in the TUI (F3, F2): its next start uses them. Names
    and an address only: never a key."""

    provider: str | None = None
    model: str | None = None
    base_url: str | None = None


@dataclass(frozen=True)
class Config:
    """What the config file says, merged over the built-in presets."""

    path: Path | None = None
    default: str | None = None
    last: LastUsed | None = None
    presets: dict[str, Preset] = field(default_factory=lambda: dict(BUILTIN_PRESETS))
    prices: dict[str, Price] = field(default_factory=dict)
    max_time_s: float | None = None  # [limits]: a run's wall time
    timeout_s: float | None = None  # [limits]: a call's wait for its first or next byte


def config_path() -> Path:
    """PONDER_CONFIG, else config.toml in the platform's user config dir."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("ponder", appauthor=False)) / "config.toml"


def write_default_config(path: Path | None = None) -> Path:
    """Create a commented config file with mode 0600 (an existing file is left alone)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(DEFAULT_CONFIG)
    os.chmod(path, 0o600)  # the umask may have narrowed it further; make it exactly 0600
    return path


def load_config(path: Path | str | None = None) -> Config:
    """Read the config file; a missing file is the built-in defaults; a bad one is ConfigError."""
    path = Path(path).expanduser() if path else config_path()
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return _parse(data, path, private=not (mode & (stat.S_IRWXG | stat.S_IRWXO)), mode=mode)


def _parse(data: dict[str, Any], path: Path, *, private: bool, mode: int) -> Config:
    unknown = set(data) - {"default", "providers", "prices", "limits", "last"}
    if unknown:
        raise ConfigError(f"{path}: unknown setting {sorted(unknown)[0]!r}")
    default = data.get("default")
    if default is not None and not isinstance(default, str):
        raise ConfigError(f"{path}: default must be a provider name (a string)")
    presets = dict(BUILTIN_PRESETS)
    providers = data.get("providers", {})
    if not isinstance(providers, dict):
        raise ConfigError(f"{path}: [providers] must be a table")
    for name, table in providers.items():
        presets[name] = _preset(name, table, presets.get(name), path, private, mode)
    prices: dict[str, Price] = {}
    table = data.get("prices", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [prices] must be a table")
    for model, p in table.items():
        prices[model] = _price(model, p, path)
    if default is not None and default not in presets:
        raise ConfigError(f"{path}: default provider {default!r} is not defined")
    limits = _limits(data.get("limits", {}), path)
    last = _last(data.get("last"), path)
    if last is not None and last.provider is not None and last.provider not in presets:
        last = None  # a preset since removed: forgotten, not an error
    return Config(path=path, default=default, last=last, presets=presets, prices=prices, **limits)


def _last(table: Any, path: Path) -> LastUsed | None:
    """The [last] table: what the TUI last used (written by remember_last)."""
    if table is None:
        return None
    if not isinstance(table, dict) or set(table) - {"provider", "model", "base_url"}:
        raise ConfigError(f"{path}: [last] takes provider, model and base_url")
    if any(not isinstance(v, str) for v in table.values()):
        raise ConfigError(f"{path}: [last]: provider, model and base_url are strings")
    return LastUsed(table.get("provider"), table.get("model"), table.get("base_url"))


LAST_HEADER = "# What the TUI last used (F3, F2), for its next start; rewritten as you pick."


def public_url(url: str | None) -> str | None:
    """A base URL as it may be written down: without a user, a password or a query (where
    keys hide)."""
    if not url:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def remember_last(last: LastUsed, path: Path | None = None) -> Path:
    """Write `last` as the config file's [last] table, the rest of the file as it was (a new
    file is made private, 0600, as `ponder config init` makes it; an existing one keeps its
    mode). Only names and a public URL are written, never a key."""
    import json
    import re
    import tempfile

    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        text, mode = "", 0o600
    # Drop the old [last] table (up to the next table or the end) and its comment.
    text = re.sub(
        r"(?ms)^(?:" + re.escape(LAST_HEADER) + r"\n)?\[last\][ \t]*\n.*?(?=^\[|\Z)", "", text
    )
    lines = [LAST_HEADER, "[last]"]
    values = {"provider": last.provider, "model": last.model, "base_url": public_url(last.base_url)}
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items() if value]
    text = text.rstrip("\n") + ("\n\n" if text.strip() else "") + "\n".join(lines) + "\n"
    tomllib.loads(text)  # what is written reads back
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_LIMIT_KEYS = ("max_time_s", "timeout_s")


def _limits(table: Any, path: Path) -> dict[str, float]:
    """The [limits] table: positive numbers of seconds."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [limits] must be a table")
    unknown = set(table) - set(_LIMIT_KEYS)
    if unknown:
        raise ConfigError(f"{path}: [limits]: unknown setting {sorted(unknown)[0]!r}")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ConfigError(f"{path}: [limits]: {key} must be a number of seconds > 0")
    return {key: float(value) for key, value in table.items()}


def configured_settings() -> RunSettings:
    """The run settings a front door starts from: the defaults, with the config's [limits]
    wall time (its timeout reaches the provider through the spec)."""
    max_time = configured_limits()[0]
    return RunSettings() if max_time is None else RunSettings(wall_time_s=max_time)


def configured_limits() -> tuple[float | None, float | None]:
    """The config file's [limits] (max_time_s, timeout_s); a file that cannot be read counts as
    none here (whatever resolves the provider reports it)."""
    try:
        cfg = load_config()
    except ConfigError:
        return None, None
    return cfg.max_time_s, cfg.timeout_s


def _preset(
    name: str, table: Any, base: Preset | None, path: Path, private: bool, mode: int
) -> Preset:
    where = f"{path}: [providers.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - _PRESET_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    kind = table.get("kind", base.kind if base else None)
    if kind not in ("openai", "anthropic"):
        raise ConfigError(f'{where}: kind must be "openai" or "anthropic"')
    for key in ("base_url", "model", "api_key_env", "api_key"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}: {key} must be a string")
    if "reasoning" in table and not isinstance(table["reasoning"], bool):
        raise ConfigError(f"{where}: reasoning must be true or false")
    for key in ("max_retries", "timeout_s"):
        value = table.get(key)
        if value is not None and (not isinstance(value, int | float) or value < 0):
            raise ConfigError(f"{where}: {key} must be a number >= 0")
    secret = None
    if "api_key" in table:
        if not private:
            raise ConfigError(
                f"{where}: api_key in a file others can read (mode {stat.S_IMODE(mode):o}); "
                f"run chmod 600 {path} or use api_key_env"
            )
        secret = Secret(table["api_key"])
        remember(table["api_key"])
    remember_url(table.get("base_url"))
    start = base if base is not None and base.kind == kind else Preset(name, kind, needs_key=False)
    preset = replace(
        start,
        name=name,
        base_url=table.get("base_url", start.base_url),
        model=table.get("model", start.model),
        api_key_env=table.get("api_key_env", start.api_key_env),
        max_retries=int(table["max_retries"]) if "max_retries" in table else start.max_retries,
        timeout_s=float(table["timeout_s"]) if "timeout_s" in table else start.timeout_s,
        reasoning=table.get("reasoning", start.reasoning),
        api_key=secret,
    )
    if start is not base:
        # A preset of the user's own needs a key exactly when it names where the key lives.
        preset = replace(preset, needs_key=preset.api_key_env is not None)
    return preset


def _price(model: str, p: Any, path: Path) -> Price:
    where = f'{path}: [prices."{model}"]'
    if not isinstance(p, dict) or set(p) - _PRICE_KEYS:
        raise ConfigError(f"{where}: expected input, output, cache_read, cache_write")
    for key, value in p.items():
        if not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: {key} must be a number >= 0")
    if "input" not in p or "output" not in p:
        raise ConfigError(f"{where}: input and output prices are required")
    return Price(
        float(p["input"]),
        float(p["output"]),
        float(p["cache_read"]) if "cache_read" in p else None,
        float(p["cache_write"]) if "cache_write" in p else None,
    )
