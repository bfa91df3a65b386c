"""The `ponder` command line: main.py parses it (SPEC §6, pinned) and hands each subcommand to
its module here (one per group of subcommands, each exposing `run(args) -> int`)."""
