"""Shared fixtures: an isolated environment for every test, and the scripted fake LLM server."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

# The shared helpers (support/: the fake server, db, CLI and TUI helpers) import by their plain
# names, and so do the few test modules that lend a helper to a test of another kind.
_HERE = Path(__file__).resolve().parent
for _folder in ("tui", "integration", "unit", "support"):
    sys.path.insert(0, str(_HERE / _folder))

from fakellm import OPENAI_TEST_KEY, FakeLLM  # noqa: E402 (after the path above)

# Variables that would let a test reach a real provider, a real key or the user's own files.
_CLEARED = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_PROFILE",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "GROQ_API_KEY",
    "OPENROUTER_API_KEY",
    "DEEPSEEK_API_KEY",
    "PONDER_CONFIG",
    "PONDER_DB",
)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No keys, no base URLs, a throwaway database and config/data dirs; returns that dir."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("PONDER_DB", str(home / "ponder.db"))
    for xdg in ("CONFIG", "DATA", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{xdg}_HOME", str(home / xdg.lower()))
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", str(home / "anthropic"))
    # A closed loopback port: provider resolution never finds the machine's own Ollama.
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")
    return home


@pytest.fixture
def db(isolated_env: Path) -> Iterator[sqlite_utils.Database]:
    """A fresh store: the test's own PONDER_DB, so `ponder` commands run in the test see it too.
    A test file that needs more in it extends this one (`def db(db): ...`)."""
    from store.db import open_db

    database = open_db(os.environ["PONDER_DB"])
    yield database
    database.close()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A running FakeLLM; the test fails if it received a malformed request."""
    with FakeLLM() as fake:
        yield fake
    if fake.violations and not fake.allow_violations:
        pytest.fail("FakeLLM received malformed requests:\n" + "\n".join(fake.violations))


@pytest.fixture
def openai_env(fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    """The OpenAI provider configured by its environment, pointed at the running fake server."""
    monkeypatch.setenv("OPENAI_BASE_URL", fake_llm.base_url_openai)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_TEST_KEY)
    return fake_llm
