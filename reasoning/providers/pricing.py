"""Token prices (USD per million) and the cost of a call; an unknown price is None, never 0."""

from __future__ import annotations

import re
from pathlib import Path

from reasoning.events import Price, Usage
from reasoning.providers.config import ConfigError, config_path, load_config

# List prices as published; the config's [prices."model"] tables override them.
PRICES: dict[str, Price] = {
    # Anthropic: cache writes (5 min) cost 1.25x input, cache reads 0.1x.
    "claude-opus-4-1": Price(15.0, 75.0, 1.50, 18.75),
    "claude-opus-4": Price(15.0, 75.0, 1.50, 18.75),
    "claude-opus-4-5": Price(5.0, 25.0, 0.50, 6.25),
    "claude-sonnet-4-6": Price(3.0, 15.0, 0.30, 3.75),
    "claude-sonnet-4-5": Price(3.0, 15.0, 0.30, 3.75),
    "claude-sonnet-4": Price(3.0, 15.0, 0.30, 3.75),
    "claude-3-7-sonnet": Price(3.0, 15.0, 0.30, 3.75),
    "claude-3-5-sonnet": Price(3.0, 15.0, 0.30, 3.75),
    "claude-haiku-4-5": Price(1.0, 5.0, 0.10, 1.25),
    "claude-3-5-haiku": Price(0.80, 4.0, 0.08, 1.0),
    "claude-3-haiku": Price(0.25, 1.25, 0.03, 0.30),
    # OpenAI: cached input is discounted, there is no write surcharge.
    "gpt-4o": Price(2.50, 10.0, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4.1": Price(2.0, 8.0, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "gpt-5": Price(1.25, 10.0, 0.125),
    "gpt-5-mini": Price(0.25, 2.0, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "o1": Price(15.0, 60.0, 7.50),
    "o1-mini": Price(1.10, 4.40, 0.55),
    "o3": Price(2.0, 8.0, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o4-mini": Price(1.10, 4.40, 0.275),
    # Others reached through the OpenAI-compatible API.
    "deepseek-chat": Price(0.27, 1.10, 0.07),
    "deepseek-reasoner": Price(0.55, 2.19, 0.14),
    "llama-3.3-70b-versatile": Price(0.59, 0.79),
    "llama-3.1-8b-instant": Price(0.05, 0.08),
}

# A dated snapshot or alias of a listed model costs the same: "gpt-4o-2024-08-06", "...-latest".
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")
_cache: dict[tuple[str, int], dict[str, Price]] = {}


# The providers' batch APIs (OpenAI Batch, Anthropic Message Batches) bill half the live price.
BATCH_DISCOUNT = 0.5
BATCH_PREFIX = "batch:"  # "batch:gpt-4o-mini": that model's price through the batch API


def batch_model(model: str) -> str:
    """The name a model's batch price is found by (set it in the config as [prices."batch:M"])."""
    return BATCH_PREFIX + model


def price_for(model: str, overrides: dict[str, Price] | None = None) -> Price | None:
    """The price of a model: config overrides first, then the table; snapshots map to their base.
    `batch:MODEL` is the config's price of that name, else half the model's live price."""
    table = {**PRICES, **(overrides if overrides is not None else config_prices())}
    if model.startswith(BATCH_PREFIX):
        if model in table:
            return table[model]
        live = price_for(model.removeprefix(BATCH_PREFIX), overrides)
        if live is None:
            return None
        half = BATCH_DISCOUNT
        return Price(
            live.input * half,
            live.output * half,
            None if live.cache_read is None else live.cache_read * half,
            None if live.cache_write is None else live.cache_write * half,
        )
    candidates = [model, _SNAPSHOT.sub("", model)]
    if "/" in model:  # OpenRouter-style "openai/gpt-4o-mini"
        tail = model.rsplit("/", 1)[1]
        candidates += [tail, _SNAPSHOT.sub("", tail)]
    for name in candidates:
        if name in table:
            return table[name]
    return None


def cost(model: str, usage: Usage, prices: dict[str, Price] | None = None) -> float | None:
    """USD for the usage of one call (or a sum of calls of one model); None when not priced."""
    p = price_for(model, prices)
    return None if p is None else p.cost(usage)


def config_prices() -> dict[str, Price]:
    """The config file's [prices], re-read when the file changes; a bad file counts as none."""
    path: Path = config_path()
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}
    if key not in _cache:
        try:
            _cache[key] = load_config(path).prices
        except ConfigError:
            _cache[key] = {}  # resolve_spec reports a broken config; cost stays best-effort
    return _cache[key]
