"""The config file, provider resolution in SPEC §3 order, prices, and lazy SDK imports."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakellm import FakeLLM

from reasoning.events import Usage
from reasoning.providers import NoProvider, build_provider, resolve_spec
from reasoning.providers.base import ChatRequest, Delta, Message, Secret
from reasoning.providers.config import (
    BUILTIN_PRESETS,
    ConfigError,
    Price,
    config_path,
    load_config,
    write_default_config,
)
from reasoning.providers.pricing import cost, price_for
from reasoning.providers.registry import ollama_base_url


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def no_ollama(_url: str) -> None:
    return None


# ---- the config file ----


def test_config_path_follows_ponder_config_then_the_user_config_dir(monkeypatch, tmp_path):
    assert config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "ponder" / "config.toml"
    monkeypatch.setenv("PONDER_CONFIG", str(tmp_path / "c.toml"))
    assert config_path() == tmp_path / "c.toml"


def test_write_default_config_creates_a_private_file_once(tmp_path):
    old_umask = os.umask(0o002)  # a permissive umask must not widen the file
    try:
        path = write_default_config(tmp_path / "sub" / "config.toml")
    finally:
        os.umask(old_umask)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_config(path).default is None  # the template is all comments
    path.write_text('default = "openai"\n')
    assert write_default_config(path) == path
    assert path.read_text() == 'default = "openai"\n'  # an existing file is left alone


def test_missing_config_is_the_builtin_presets(tmp_path):
    cfg = load_config(tmp_path / "absent.toml")
    assert cfg.default is None and cfg.presets == BUILTIN_PRESETS and cfg.prices == {}


def test_builtin_presets_cover_the_spec():
    assert set(BUILTIN_PRESETS) >= {
        "anthropic",
        "openai",
        "ollama",
        "groq",
        "openrouter",
        "deepseek",
        "vllm",
        "lmstudio",
        "llamacpp",
    }
    assert BUILTIN_PRESETS["ollama"].base_url == "http://localhost:11434/v1"
    assert not BUILTIN_PRESETS["ollama"].needs_key


def test_config_presets_and_prices_are_read(tmp_path):
    path = write(
        tmp_path / "c.toml",
        """
default = "local"
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:9999/v1"
model = "qwen2.5"
timeout_s = 30
[providers.openai]
model = "gpt-4.1"
[prices."qwen2.5"]
input = 0.1
output = 0.2
""",
    )
    cfg = load_config(path)
    assert cfg.default == "local"
    local = cfg.presets["local"]
    assert (local.kind, local.base_url, local.model, local.timeout_s) == (
        "openai",
        "http://127.0.0.1:9999/v1",
        "qwen2.5",
        30.0,
    )
    assert not local.needs_key
    # A built-in preset is refined, not replaced.
    assert cfg.presets["openai"].model == "gpt-4.1"
    assert cfg.presets["openai"].api_key_env == "OPENAI_API_KEY"
    assert cfg.prices == {"qwen2.5": Price(0.1, 0.2)}


def test_api_key_in_a_private_file_is_accepted_and_hidden(tmp_path):
    path = write(
        tmp_path / "c.toml", '[providers.mine]\nkind = "openai"\napi_key = "sk-FILEKEY-123456"\n'
    )
    preset = load_config(path).presets["mine"]
    assert isinstance(preset.api_key, Secret) and preset.api_key.reveal() == "sk-FILEKEY-123456"
    assert "FILEKEY" not in repr(preset) and "FILEKEY" not in repr(load_config(path))


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_api_key_in_a_file_others_can_read_is_refused(tmp_path, mode):
    path = write(tmp_path / "c.toml", '[providers.openai]\napi_key = "sk-FILEKEY-123456"\n', mode)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert f"mode {mode:o}" in msg and f"chmod 600 {path}" in msg
    assert "FILEKEY" not in msg and "\n" not in msg


def test_a_readable_file_without_keys_is_fine(tmp_path):
    path = write(tmp_path / "c.toml", 'default = "ollama"\n', 0o644)
    assert load_config(path).default == "ollama"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("default = ", "not valid TOML"),
        ("colour = 1", "unknown setting 'colour'"),
        ('default = "nowhere"', "default provider 'nowhere' is not defined"),
        ('[providers.x]\nkind = "gemini"', 'kind must be "openai" or "anthropic"'),
        ('[providers.openai]\nmodle = "x"', "unknown setting 'modle'"),
        ('[providers.openai]\ntimeout_s = "slow"', "timeout_s must be a number"),
        ('[prices."m"]\ninput = 1', "input and output prices are required"),
        ('[prices."m"]\ninput = -1\noutput = 1', "input must be a number >= 0"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path, text, expected):
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert expected in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


# ---- resolve_spec: SPEC §3 order ----


def test_no_provider_anywhere_says_how_to_set_one():
    with pytest.raises(NoProvider) as info:
        resolve_spec()  # OLLAMA_HOST points at a closed port (conftest)
    assert "ANTHROPIC_API_KEY" in info.value.message and "--provider" in info.value.message
    assert "\n" not in info.value.message


def test_anthropic_key_wins_over_openai_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a")
    monkeypatch.setenv("OPENAI_API_KEY", "o")
    spec = resolve_spec(probe=no_ollama)
    assert (spec.kind, spec.name, spec.model, spec.base_url) == (
        "anthropic",
        "anthropic",
        "claude-sonnet-4-6",
        None,
    )
    assert spec.api_key_env == "ANTHROPIC_API_KEY"


def test_openai_key_is_next(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "o")
    spec = resolve_spec(probe=no_ollama)
    assert (spec.kind, spec.model) == ("openai", "gpt-4o-mini")


def test_config_default_wins_over_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "a")
    path = write(tmp_path / "c.toml", 'default = "ollama"\n')
    spec = resolve_spec(config=path)
    assert (spec.name, spec.kind) == ("ollama", "openai")


def test_a_running_ollama_is_found(fake_llm, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{fake_llm.port}")
    spec = resolve_spec()
    assert (spec.name, spec.kind, spec.base_url) == (
        "ollama",
        "openai",
        f"http://127.0.0.1:{fake_llm.port}/v1",
    )
    # llama3.1 is not pulled on this "Ollama": the first model it lists is used.
    assert spec.model == "fake-model"
    assert [r.path for r in fake_llm.requests] == ["/v1/models"]


def test_ollama_keeps_its_default_model_when_pulled(fake_llm, monkeypatch):
    fake_llm.model = "llama3.1:latest"
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{fake_llm.port}")
    assert resolve_spec().model == "llama3.1"


def test_no_provider_when_nothing_listens_on_ollama_s_port():
    with pytest.raises(NoProvider):
        resolve_spec()


@pytest.mark.parametrize(
    ("value", "url"),
    [
        ("", "http://localhost:11434/v1"),
        ("127.0.0.1:9", "http://127.0.0.1:9/v1"),
        ("0.0.0.0", "http://localhost:11434/v1"),
        ("https://ollama.lan:443", "https://ollama.lan:443/v1"),
    ],
)
def test_ollama_host_is_honoured(monkeypatch, value, url):
    monkeypatch.setenv("OLLAMA_HOST", value)
    assert ollama_base_url() == url


def test_named_provider_and_model(monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "g")
    spec = resolve_spec("groq", model="llama-3.1-8b-instant")
    assert (spec.kind, spec.base_url, spec.model, spec.api_key_env) == (
        "openai",
        "https://api.groq.com/openai/v1",
        "llama-3.1-8b-instant",
        "GROQ_API_KEY",
    )


def test_named_provider_without_its_key_is_refused():
    with pytest.raises(NoProvider, match="openrouter: OPENROUTER_API_KEY is not set"):
        resolve_spec("openrouter")


def test_unknown_provider_lists_the_known_ones():
    with pytest.raises(
        NoProvider, match="unknown provider 'gemini': choose one of anthropic, deepseek"
    ):
        resolve_spec("gemini")


def test_base_url_alone_means_an_openai_compatible_server_without_key():
    spec = resolve_spec(base_url="http://127.0.0.1:8000/v1", model="qwen")
    assert (spec.kind, spec.base_url, spec.model) == ("openai", "http://127.0.0.1:8000/v1", "qwen")


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_sdk_base_url_variables_are_honoured(monkeypatch, kind):
    monkeypatch.setenv(f"{kind.upper()}_API_KEY", "k")
    monkeypatch.setenv(f"{kind.upper()}_BASE_URL", "http://proxy.example/v1")
    assert resolve_spec(kind).base_url == "http://proxy.example/v1"
    spec = resolve_spec(kind, model="m", base_url="http://flag.example")
    assert spec.base_url == "http://flag.example"


def test_openai_base_url_alone_selects_openai(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    spec = resolve_spec(probe=no_ollama)
    assert (spec.kind, spec.base_url) == ("openai", "http://127.0.0.1:8000/v1")


def test_preset_without_model_asks_the_server(fake_llm, tmp_path):
    path = write(
        tmp_path / "c.toml", f'[providers.vllm]\nbase_url = "{fake_llm.base_url_openai}"\n'
    )
    assert resolve_spec("vllm", config=path).model == "fake-model"


def test_preset_without_model_and_no_server_says_use_model(tmp_path):
    path = write(tmp_path / "c.toml", '[providers.vllm]\nbase_url = "http://127.0.0.1:9/v1"\n')
    with pytest.raises(NoProvider, match="use --model"):
        resolve_spec("vllm", config=path)


def test_broken_config_is_a_no_provider_with_its_message(tmp_path):
    path = write(tmp_path / "c.toml", "default = ")
    with pytest.raises(NoProvider, match="not valid TOML"):
        resolve_spec(config=path)


def test_config_preset_settings_reach_the_spec(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_KEY", "k")
    path = write(
        tmp_path / "c.toml",
        '[providers.mine]\nkind = "anthropic"\nbase_url = "https://gw.example"\nmodel = "claude-x"\n'
        'api_key_env = "MY_KEY"\nmax_retries = 1\ntimeout_s = 9\n',
    )
    spec = resolve_spec("mine", config=path)
    assert (spec.kind, spec.max_retries, spec.timeout_s, spec.api_key_env) == (
        "anthropic",
        1,
        9.0,
        "MY_KEY",
    )
    monkeypatch.delenv("MY_KEY")
    with pytest.raises(NoProvider, match="mine: MY_KEY is not set"):
        resolve_spec("mine", config=path)


async def test_a_key_from_the_config_file_reaches_the_server(fake_llm, tmp_path):
    path = write(
        tmp_path / "c.toml",
        f'[providers.mine]\nkind = "anthropic"\nbase_url = "{fake_llm.base_url_anthropic}"\n'
        'model = "m"\napi_key = "sk-FROM-FILE-123456"\n',
    )
    spec = resolve_spec("mine", config=path)
    assert "FROM-FILE" not in repr(spec)
    # Recording a spec cannot leak the key: it shows as *** and refuses to serialise.
    assert "FROM-FILE" not in str(dataclasses.asdict(spec))
    with pytest.raises(TypeError):
        json.dumps(dataclasses.asdict(spec))
    fake_llm.queue("hello")
    provider = build_provider(spec)
    request = ChatRequest(system="", messages=(Message("user", "hi"),))
    text = "".join([i.text async for i in provider.stream(request) if isinstance(i, Delta)])
    assert text == "hello"
    h = fake_llm.chat_requests[0].headers
    assert "sk-FROM-FILE-123456" in (h.get("x-api-key"), h.get("authorization", "")[7:])


# ---- prices ----


def test_cost_of_a_known_model():
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=200_000)
    assert cost("gpt-4o-mini", usage) == pytest.approx(0.15 + 0.06 + 0.2 * 0.075)
    assert cost("claude-sonnet-4-5", Usage(cache_write_tokens=1_000_000)) == pytest.approx(3.75)


def test_the_default_models_are_priced():
    for name in ("anthropic", "openai"):
        assert price_for(BUILTIN_PRESETS[name].model or "", {}) is not None


def test_unknown_model_costs_none_not_zero():
    assert cost("my-local-model", Usage(input_tokens=10)) is None
    assert cost("gpt-4o-mini", Usage()) == 0.0


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("claude-3-5-haiku-20241022", "claude-3-5-haiku"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("chatgpt-4o-latest", None),
        ("gpt-4o-audio-preview", None),  # a different product, not a snapshot
    ],
)
def test_snapshots_cost_as_their_model(model, base):
    from reasoning.providers.pricing import PRICES

    assert price_for(model, {}) == (PRICES[base] if base else None)


def test_config_prices_override_the_table(monkeypatch, tmp_path):
    path = write(
        tmp_path / "c.toml",
        '[prices."gpt-4o-mini"]\ninput = 1\noutput = 2\n[prices."llama3.1"]\ninput = 0\noutput = 0\n',
    )
    monkeypatch.setenv("PONDER_CONFIG", str(path))
    assert cost("gpt-4o-mini", Usage(input_tokens=1_000_000, cache_read_tokens=1_000_000)) == 2.0
    assert cost("llama3.1", Usage(input_tokens=5)) == 0.0


def test_a_broken_config_leaves_the_table_prices(monkeypatch, tmp_path):
    monkeypatch.setenv("PONDER_CONFIG", str(write(tmp_path / "c.toml", "[prices")))
    assert cost("gpt-4o", Usage(output_tokens=1_000_000)) == 10.0


# ---- lazy imports ----


def test_provider_sdks_are_imported_only_when_a_provider_is_built():
    code = (
        "import sys\n"
        "from reasoning.providers import resolve_spec, build_provider\n"
        "from reasoning.providers import pricing\n"
        "assert 'anthropic' not in sys.modules and 'openai' not in sys.modules, 'eager SDK import'\n"
        "from reasoning.providers.base import ProviderSpec\n"
        "build_provider(ProviderSpec(kind='openai', name='openai', model='m'))\n"
        "assert 'anthropic' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_fake_is_an_ollama_like_server(fake_llm: FakeLLM):
    from reasoning.providers.registry import list_models

    assert list_models(fake_llm.base_url_openai) == ["fake-model"]
    assert list_models("http://127.0.0.1:9/v1") is None
