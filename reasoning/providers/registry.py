"""Which provider to use (SPEC §3 order) and building it; the SDKs are imported only when built."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from reasoning.providers.base import Provider, ProviderSpec
from reasoning.providers.config import BUILTIN_PRESETS, Config, ConfigError, Preset, load_config

PROBE_TIMEOUT_S = 0.3
OLLAMA_DEFAULT = "http://localhost:11434/v1"
HOW_TO = (
    "set ANTHROPIC_API_KEY or OPENAI_API_KEY, start Ollama, "
    "or choose one with --provider NAME / --base-url URL"
)


class NoProvider(Exception):
    """No usable provider: the message is one line telling how to set one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ollama_base_url() -> str:
    """Ollama's OpenAI-compatible URL, honouring OLLAMA_HOST ("host:port" or a URL)."""
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return OLLAMA_DEFAULT
    if "://" not in host:
        host = "http://" + host
    parts = urlsplit(host)
    hostname = parts.hostname or "localhost"
    if hostname in ("0.0.0.0", "::"):  # a bind-all address: reach it on loopback
        hostname = "localhost"
    return f"{parts.scheme}://{hostname}:{parts.port or 11434}/v1"


def list_models(
    base_url: str, timeout: float = PROBE_TIMEOUT_S, key: str | None = None
) -> list[str] | None:
    """GET {base_url}/models on a plain-HTTP server: the model ids, or None if it does not answer."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    conn_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_type(parts.hostname, parts.port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {key}", "x-api-key": key} if key else {}
        query = f"?{parts.query}" if parts.query else ""  # a key or version the server wants
        conn.request("GET", parts.path.rstrip("/") + "/models" + query, headers=headers)
        resp = conn.getresponse()
        if resp.status != 200:
            return None
        data = json.loads(resp.read())
        return [m["id"] for m in data.get("data", []) if isinstance(m, dict) and "id" in m]
    except (OSError, ValueError, http.client.HTTPException, AttributeError, TypeError):
        return None
    finally:
        conn.close()


def _check_url(url: str) -> None:
    """A base URL the SDKs can call: http(s) with a host; anything else fails now, not after
    five retries."""
    from reasoning.providers.errors import public_url

    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        ok = False
    if not ok:
        raise NoProvider(f"base URL {public_url(url)!r} is not an http:// or https:// URL")
    if parts.fragment:
        raise NoProvider(f"base URL {public_url(url)!r} has a #fragment, which is never sent")


def _is_local(url: str | None) -> bool:
    host = urlsplit(url).hostname if url else None
    return host in ("localhost", "127.0.0.1", "::1") or bool(host and host.startswith("127."))


def resolve_spec(
    provider: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    config: Config | Path | str | None = None,
    *,
    probe: Callable[[str], list[str] | None] = list_models,
) -> ProviderSpec:
    """The provider to use: the one named, else config default, Anthropic key, OpenAI key, Ollama."""
    try:
        cfg = config if isinstance(config, Config) else load_config(config)
    except ConfigError as exc:
        raise NoProvider(str(exc)) from None
    env_openai_url = os.environ.get("OPENAI_BASE_URL") or None
    if provider is not None:
        preset = cfg.presets.get(provider)
        if preset is None:
            names = ", ".join(sorted(cfg.presets))
            raise NoProvider(f"unknown provider {provider!r}: choose one of {names}")
    elif base_url is not None:
        preset = cfg.presets["openai"]
    elif cfg.default is not None:
        preset = cfg.presets[cfg.default]
    elif os.environ.get("ANTHROPIC_API_KEY"):
        preset = cfg.presets["anthropic"]
    elif os.environ.get("OPENAI_API_KEY") or env_openai_url:
        preset = cfg.presets["openai"]
    else:
        url = ollama_base_url()
        models = probe(url)
        if models is None:
            raise NoProvider(f"no provider configured: {HOW_TO}")
        preset = replace(cfg.presets["ollama"], base_url=url)
        return _with_limits(_spec(preset, model or _pick(preset.model, models), url), preset, cfg)
    if base_url is not None and model is None:
        model = served_model(preset, base_url, probe)
    return _with_limits(_spec(preset, model, base_url, probe), preset, cfg)


DISCOVER_TIMEOUT_S = 10.0


def served_model(
    preset: Preset, base_url: str, probe: Callable[[str], list[str] | None] = list_models
) -> str:
    """The model a server named by --base-url serves, from its /v1/models: the only one it
    lists; several or none (or no answer) is one line asking for --model. A run never records
    a model (and its price) the server did not serve."""
    from reasoning.providers.base import Secret
    from reasoning.providers.errors import public_url

    _check_url(base_url)
    parts = urlsplit(base_url)
    root = parts.path.rstrip("/")
    if preset.kind == "anthropic" and not root.endswith("/v1"):
        root += "/v1"  # the Anthropic SDK's base URL has no /v1; its models list does
    root = urlunsplit(parts._replace(path=root, fragment=""))
    if probe is list_models:
        key = preset.api_key.reveal() if isinstance(preset.api_key, Secret) else None
        key = key or (os.environ.get(preset.api_key_env) if preset.api_key_env else None)
        models = list_models(root, DISCOVER_TIMEOUT_S, key)
    else:
        models = probe(root)
    where = public_url(base_url)
    if models is None:
        raise NoProvider(f"{where} did not list its models (GET /v1/models): name one with --model")
    if not models:
        raise NoProvider(f"{where} lists no model: name one with --model")
    if len(models) > 1:
        shown = ", ".join(models[:10]) + (f" … ({len(models)} in all)" if len(models) > 10 else "")
        raise NoProvider(f"{where} serves several models: {shown}; choose one with --model")
    return models[0]


def _pick(wanted: str | None, available: list[str]) -> str:
    """The preset's model if the server has it (tags ignored), else the first it lists."""
    if wanted and (not available or any(m.split(":")[0] == wanted for m in available)):
        return wanted
    if available:
        return available[0]
    return wanted or "default"


def _spec(
    preset: Preset,
    model: str | None,
    base_url: str | None,
    probe: Callable[[str], list[str] | None] | None = None,
) -> ProviderSpec:
    url = base_url or preset.base_url
    if url is None and preset.name in ("anthropic", "openai"):
        url = os.environ.get(f"{preset.name.upper()}_BASE_URL") or None
    if preset.name == "ollama" and base_url is None and preset.base_url == OLLAMA_DEFAULT:
        url = ollama_base_url()
    if url is not None:
        _check_url(url)
    key_set = preset.api_key is not None or bool(
        preset.api_key_env and os.environ.get(preset.api_key_env)
    )
    if preset.needs_key and not key_set and not _is_local(url) and base_url is None:
        if preset.api_key_env:
            raise NoProvider(f"{preset.name}: {preset.api_key_env} is not set ({HOW_TO})")
        raise NoProvider(f"{preset.name}: no API key configured")
    chosen = model or preset.model
    if chosen is None:
        models = probe(url) if probe is not None and url else None
        if not models:
            raise NoProvider(f"{preset.name}: no model given and {url} lists none; use --model")
        chosen = models[0]
    extra: dict[str, object] = {}
    if preset.reasoning is not None:
        extra["reasoning"] = preset.reasoning
    spec = ProviderSpec(
        kind=preset.kind,
        name=preset.name,
        model=chosen,
        base_url=url,
        api_key_env=preset.api_key_env,
        extra=extra,
        api_key=preset.api_key,
    )
    if preset.max_retries is not None:
        spec.max_retries = preset.max_retries
    if preset.timeout_s is not None:
        spec.timeout_s = preset.timeout_s
    return spec


def _with_limits(spec: ProviderSpec, preset: Preset, cfg: Config) -> ProviderSpec:
    """The config's [limits] timeout where the preset sets none of its own."""
    if preset.timeout_s is None and cfg.timeout_s is not None:
        spec.timeout_s = cfg.timeout_s
    return spec


def build_provider(
    spec: ProviderSpec, *, on_notice: Callable[[str], None] | None = None
) -> Provider:
    """A ready provider for a spec (the SDK is imported here, not before)."""
    if spec.kind == "anthropic":
        from reasoning.providers.anthropic import AnthropicProvider

        return AnthropicProvider(spec, on_notice=on_notice)
    if spec.kind == "openai":
        from reasoning.providers.openai import OpenAIProvider

        return OpenAIProvider(spec, on_notice=on_notice)
    raise NoProvider(f"unknown provider kind {spec.kind!r}")


__all__ = ["BUILTIN_PRESETS", "NoProvider", "build_provider", "resolve_spec"]
