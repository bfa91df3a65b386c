"""One module per group of `ponder` subcommands; each exposes `run(args) -> int`."""
