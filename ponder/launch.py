"""The `ponder` command: the command line's subcommands, or the TUI when none is named. The one
place that knows both front doors, so neither imports the other."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def open_app(args: argparse.Namespace) -> int:
    from tui.app import run_app

    return run_app(args)


def main(argv: Sequence[str] | None = None) -> int:
    from ponder.cli.main import main as cli_main

    return cli_main(argv, open_app=open_app)
