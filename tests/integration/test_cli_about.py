"""`ponder --version`, `paths`, `config init|show`, `completion` and the help text, as subprocesses."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tomllib
from importlib.metadata import version

import pytest

from ponder.cli.main import build_parser

PONDER = [sys.executable, "-m", "ponder"]


def ponder(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PONDER, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_version_prints_the_installed_distributions_version():
    r = ponder("--version")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout == f"ponder {version('ponder')}\n"


def test_paths_json_names_db_config_and_data_dir(isolated_env):
    r = ponder("paths", "--json")
    assert r.returncode == 0
    paths = json.loads(r.stdout)
    assert paths == {
        "db": os.environ["PONDER_DB"],
        "config": str(isolated_env / "config" / "ponder" / "config.toml"),
        "data_dir": str(isolated_env / "data" / "ponder"),
    }


def test_paths_db_prints_only_the_database_path_and_honours_db_flag(tmp_path):
    assert ponder("paths", "--db").stdout == os.environ["PONDER_DB"] + "\n"
    other = str(tmp_path / "other.db")
    assert ponder("--db", other, "paths", "--db").stdout == other + "\n"
    assert ponder("--db", other, "paths", "--json").stdout.count(other) == 1


def test_paths_without_flags_prints_one_line_each():
    lines = ponder("paths").stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == ["db", "config", "data_dir"]


def test_config_init_writes_a_private_commented_file_once(isolated_env):
    path = isolated_env / "config" / "ponder" / "config.toml"
    r = ponder("config", "init")
    assert r.returncode == 0 and str(path) in r.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("# Ponder configuration") and tomllib.loads(text) == {}
    path.write_text('default = "ollama"\n')
    again = ponder("config", "init")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.count("\n") == 1 and str(path) in again.stderr
    assert "already exists" in again.stderr
    assert path.read_text() == 'default = "ollama"\n'  # never overwritten


def test_config_show_masks_keys_from_the_environment_and_the_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        'default = "mine"\n[providers.mine]\nkind = "openai"\n'
        'base_url = "http://127.0.0.1:9/v1"\nmodel = "m1"\napi_key = "sk-file-SECRET"\n'
    )
    cfg.chmod(0o600)
    env = {"PONDER_CONFIG": str(cfg), "ANTHROPIC_API_KEY": "sk-ant-SECRET"}
    r = ponder("config", "show", env=env)
    assert r.returncode == 0, r.stderr
    assert "SECRET" not in r.stdout + r.stderr
    assert f"{cfg} (mode 0600)" in r.stdout
    assert "default      mine" in r.stdout
    assert "in use now   mine · m1 · http://127.0.0.1:9/v1" in r.stdout
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.strip()}
    assert lines["mine"].endswith("in the config file (****)")
    assert lines["anthropic"].endswith("ANTHROPIC_API_KEY (****)")
    assert lines["openai"].endswith("OPENAI_API_KEY not set")


def test_config_show_without_a_file_says_how_to_make_one():
    r = ponder("config", "show")
    assert r.returncode == 0
    assert "none yet: ponder config init" in r.stdout
    assert "in use now   none: no provider configured" in r.stdout


def test_config_show_with_a_bad_file_is_one_line(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("default = [")
    r = ponder("config", "show", env={"PONDER_CONFIG": str(cfg)})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not valid TOML" in r.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_generated_for_every_subcommand(shell):
    r = ponder("completion", shell)
    assert r.returncode == 0 and r.stderr == ""
    assert "shtab" in r.stdout  # generated, not written by hand
    for command in ("solve", "bench", "grade", "paths", "completion"):
        assert command in r.stdout
    assert "--paradigm" in r.stdout and "--concurrency" in r.stdout


def test_bash_completion_completes_subcommands_and_choices():
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    script = ponder("completion", "bash").stdout
    probe = (
        script
        + "\nCOMP_WORDS=(ponder so); COMP_CWORD=1; COMP_LINE='ponder so'; COMP_POINT=9;"
        + ' _shtab_ponder; echo "${COMPREPLY[@]}";'
        + "\nCOMP_WORDS=(ponder solve --paradigm ''); COMP_CWORD=3;"
        + " COMP_LINE='ponder solve --paradigm '; COMP_POINT=24;"
        + ' _shtab_ponder; echo "${COMPREPLY[@]}"'
    )
    r = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, timeout=30)
    first, second = r.stdout.splitlines()[-2:]
    assert first.split() == ["solve"]
    assert sorted(second.split()) == ["dcot", "direct", "g1"]


def test_completion_refuses_an_unknown_shell():
    r = ponder("completion", "csh")
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def _options(parser: argparse.ArgumentParser, name: str):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _options(sub, f"{name} {sub_name}")
        elif action.dest != "help":
            yield name, action


def test_every_option_of_every_subcommand_has_help_text():
    missing = [
        f"{name} {'/'.join(a.option_strings) or a.dest}"
        for name, a in _options(build_parser(), "ponder")
        if not a.help
    ]
    assert missing == []


def test_check_help_lists_the_kinds():
    from graders.result import KINDS

    text = " ".join(ponder("check", "--help").stdout.split())
    assert ", ".join(KINDS) in text
