"""The provider and model last picked in the TUI are the config file's [last] table: the rest
of the file kept, a new file private (0600), never a key; `ponder` starts with them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reasoning.providers.config import (
    DEFAULT_CONFIG,
    ConfigError,
    LastUsed,
    load_config,
    remember_last,
)
from tui.app import last_used


def test_a_new_config_file_is_private_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    remember_last(LastUsed("openai", "gpt-4o-mini", None), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path).last == LastUsed("openai", "gpt-4o-mini", None)


def test_the_rest_of_the_file_and_its_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(DEFAULT_CONFIG + '\ndefault = "ollama"\n')
    os.chmod(path, 0o640)
    remember_last(LastUsed("groq", "llama-3.3-70b-versatile", None), path)
    remember_last(LastUsed("ollama", "llama3.1", None), path)  # replaces, not appends
    text = path.read_text()
    assert text.startswith(DEFAULT_CONFIG)
    assert text.count("[last]") == 1 and "llama-3.3-70b-versatile" not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    cfg = load_config(path)
    assert (cfg.default, cfg.last) == ("ollama", LastUsed("ollama", "llama3.1", None))


def test_no_key_is_written_from_a_base_url(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    url = "https://user:sk-secret-pw@llm.example:8443/v1?api-key=sk-in-query#frag"
    remember_last(LastUsed("openai", "m", url), path)
    text = path.read_text()
    assert "sk-secret-pw" not in text and "sk-in-query" not in text and "user" not in text
    assert load_config(path).last == LastUsed("openai", "m", "https://llm.example:8443/v1")


def test_a_last_provider_since_removed_is_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[last]\nprovider = "gone"\nmodel = "m"\n')
    assert load_config(path).last is None


def test_a_bad_last_table_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[last]\nprovider = 3\n")
    with pytest.raises(ConfigError, match=r"\[last\]: provider, model and base_url are strings"):
        load_config(path)


def test_ponder_starts_with_what_was_last_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("PONDER_CONFIG", str(path))
    assert last_used() == (None, None, None)
    remember_last(LastUsed("ollama", "qwen2.5", "http://localhost:11434/v1"))
    assert last_used() == ("ollama", "qwen2.5", "http://localhost:11434/v1")
