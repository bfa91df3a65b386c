"""The `ponder` command line (SPEC §6: pinned). Heavy imports happen inside the commands."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

PARADIGMS = ("dcot", "g1", "direct")
SQLITE_INT_MAX = 2**63 - 1  # run ids and counts are stored or compared in SQLite
# Arguments that name files: any bytes the file system allows; every other argument is text.
_PATH_ARGS = frozenset({"file", "db", "prompts", "rubric"})


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line on stderr, exit 2
        from tui.text import safe_text

        sys.stderr.write(f"{self.prog}: error: {' '.join(safe_text(message).split())}\n")
        raise SystemExit(2)


def _int(text: str) -> int:
    """An integer argument that SQLite can hold (ids, limits, counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if abs(value) > SQLITE_INT_MAX:
        raise argparse.ArgumentTypeError(f"{text} is out of range")
    return value


def _check_text(args: argparse.Namespace) -> None:
    """Refuse arguments that are not UTF-8 (undecodable bytes arrive as lone surrogates)."""
    from tui.commands.common import UsageError

    for name, value in vars(args).items():
        if name in _PATH_ARGS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError(f"{name.replace('_', '-')} is not valid UTF-8 text") from None


def _provider_flags(p: argparse.ArgumentParser, suppress: bool) -> None:
    d = argparse.SUPPRESS if suppress else None
    p.add_argument(
        "--db",
        metavar="PATH",
        default=d,
        help="database file (default: PONDER_DB or the user data dir)",
    )
    p.add_argument("--provider", metavar="NAME", default=d, help="provider kind or preset name")
    p.add_argument("--model", metavar="M", default=d, help="model name")
    p.add_argument(
        "--base-url", metavar="URL", default=d, help="API base URL (OpenAI-compatible servers)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ponder",
        description="A terminal workbench for reasoning by reflection. With no command, opens the TUI.",
    )
    _provider_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("solve", help="solve one problem, streaming the steps")
    s.add_argument("prompt", metavar="PROMPT|-", nargs="?", help="the problem text, or - for stdin")
    s.add_argument("--problem", metavar="DATASET:KEY", help="solve a stored problem")
    s.add_argument("--paradigm", choices=PARADIGMS, default="dcot")
    _provider_flags(s, suppress=True)
    s.add_argument(
        "--budget", type=_int, default=20, metavar="N", help="dcot step budget (default 20)"
    )
    s.add_argument("--reinforce", choices=("self", "guided"), default="self")
    s.add_argument(
        "--min-steps", type=_int, metavar="N", help="g1: steps before a final answer (default 15)"
    )
    s.add_argument("--max-steps", type=_int, metavar="N", help="hard cap on steps (default 40)")
    s.add_argument(
        "--max-tokens", type=_int, default=4096, metavar="N", help="max output tokens per call"
    )
    s.add_argument("--temperature", type=float, default=None, metavar="T")
    s.add_argument(
        "--attempts", type=_int, default=1, metavar="K", help="independent runs, one selected"
    )
    s.add_argument("--select", choices=("reward", "vote"), default="reward")
    s.add_argument("--prompts", metavar="DIR", help="a folder of your own prompt files")
    s.add_argument("--json", action="store_true", help="print one JSON object when the run ends")
    s.add_argument("--no-store", action="store_true", help="do not record the run")

    r = sub.add_parser("resume", help="continue an interrupted run")
    r.add_argument("run", type=_int, metavar="RUN")
    r.add_argument("--json", action="store_true")
    _provider_flags(r, suppress=True)

    i = sub.add_parser(
        "import",
        help="import problems from .xlsx .csv .jsonl .json .parquet",
        description="Import a problem set: JEEBench, MATH, GSM8K, AIME-style, OlympiadBench and"
        " Omni-MATH are recognised by their fields; any other table by its column names.",
    )
    i.add_argument("file", metavar="FILE")
    i.add_argument("--dataset", metavar="NAME")
    i.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; write nothing"
    )
    i.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    d = sub.add_parser("datasets", help="list datasets (bundled and imported)")
    d.add_argument("--json", action="store_true")
    d.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    pr = sub.add_parser("problems", help="list the problems of a dataset")
    pr.add_argument("dataset", metavar="DATASET")
    pr.add_argument("--json", action="store_true")
    pr.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    b = sub.add_parser("bench", help="run a dataset across paradigms and models")
    b.add_argument("dataset", metavar="DATASET")
    b.add_argument("--paradigm", action="append", choices=PARADIGMS, metavar="P")
    b.add_argument("--model", action="append", metavar="M", default=argparse.SUPPRESS)
    b.add_argument("--provider", metavar="NAME", default=argparse.SUPPRESS)
    b.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS)
    b.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)
    b.add_argument("--concurrency", type=_int, default=4, metavar="N")
    b.add_argument("--limit", type=_int, metavar="N")
    b.add_argument("--attempts", type=_int, default=1, metavar="K")
    b.add_argument("--resume", action="store_true")
    b.add_argument("--max-cost", type=float, metavar="USD")
    b.add_argument(
        "--provider-concurrency",
        type=_int,
        metavar="N",
        help="calls in flight per provider endpoint (default: --concurrency)",
    )
    b.add_argument("--budget", type=_int, default=20, metavar="N")
    b.add_argument("--max-tokens", type=_int, default=4096, metavar="N")
    b.add_argument("--judge", metavar="MODEL", help="an LLM judge marks proof runs as they finish")

    g = sub.add_parser("grade", help="grade runs: --auto, or one run by hand")
    g.add_argument("target", nargs="?", metavar="DATASET|RUN")
    g.add_argument("verdict", nargs="?", metavar="full|partial|zero|SCORE|POINTS/MAX")
    g.add_argument("--auto", action="store_true", help="grade every ungraded finished run")
    g.add_argument("--note", metavar="TEXT")
    g.add_argument("--by", metavar="NAME")
    g.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)
    g.add_argument(
        "--judge", action="store_true", help="an LLM judge marks proofs and free-text answers"
    )
    g.add_argument("--provider", metavar="NAME", default=argparse.SUPPRESS, help="judge provider")
    g.add_argument("--model", metavar="M", default=argparse.SUPPRESS, help="judge model")
    g.add_argument("--base-url", metavar="URL", default=argparse.SUPPRESS)
    g.add_argument("--rubric", metavar="FILE", help="the judge's marking scheme (a text file)")
    g.add_argument("--redo", action="store_true", help="judge runs this judge already graded")
    g.add_argument("--prompts", metavar="DIR", help="a folder of your own prompt files")
    g.add_argument(
        "--concurrency", type=_int, default=4, metavar="N", help="judge calls at once (default 4)"
    )

    c = sub.add_parser("check", help="grade one answer against a reference")
    c.add_argument("reference", metavar="REFERENCE")
    c.add_argument("answer", metavar="ANSWER")
    c.add_argument("--kind", metavar="K")
    c.add_argument("--json", action="store_true")

    sc = sub.add_parser("scores", help="score table per dataset x model x paradigm")
    sc.add_argument("dataset", nargs="?", metavar="DATASET")
    fmt = sc.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")
    sc.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)
    sc.add_argument(
        "--agreement", action="store_true", help="how the LLM judge agrees with human grades"
    )

    e = sub.add_parser("export", help="export runs or scores to CSV")
    e.add_argument("file", metavar="FILE.csv")
    e.add_argument("--dataset", metavar="NAME")
    e.add_argument("--what", choices=("runs", "scores"), default="runs")
    e.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    ru = sub.add_parser("runs", help="list runs, newest first")
    ru.add_argument("--limit", type=_int, default=20, metavar="N")
    ru.add_argument("--search", metavar="TEXT")
    ru.add_argument("--json", action="store_true")
    ru.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    sh = sub.add_parser("show", help="show one run")
    sh.add_argument("run", type=_int, metavar="RUN")
    sh.add_argument("--json", action="store_true")
    sh.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)

    db = sub.add_parser("db", help="check the database, or recover what can be read of it")
    dbs = db.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    dbs.add_parser("check", help="SQLite's integrity check").add_argument(
        "--db", metavar="PATH", default=argparse.SUPPRESS
    )
    rec = dbs.add_parser("recover", help="copy every readable row into a new database FILE")
    rec.add_argument("file", metavar="FILE")
    rec.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS)
    return parser


# command -> module under tui.commands exposing run(args) -> int
_COMMANDS = {
    "solve": "solve",
    "resume": "solve",
    "runs": "runs",
    "show": "runs",
    "import": "grading",
    "datasets": "grading",
    "problems": "grading",
    "grade": "grading",
    "check": "grading",
    "scores": "grading",
    "export": "grading",
    "bench": "bench",
    "db": "db",
}


def _one_line(exc: Exception) -> str:
    """An error message as one line safe for a terminal, whatever paths or text it quotes."""
    from tui.text import safe_text

    return " ".join(safe_text(str(exc)).split())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from importlib import import_module

    from tui.commands.common import RunFailed, StoreFault, UsageError

    try:
        _check_text(args)
        if args.command is None:
            from tui.app import run_app

            return run_app(args)
        module = import_module(f"tui.commands.{_COMMANDS[args.command]}")
        return int(module.run(args) or 0)
    except UsageError as exc:
        where = f"ponder {args.command}" if args.command else "ponder"
        sys.stderr.write(f"{where}: error: {_one_line(exc)}\n")
        return 2
    except RunFailed as exc:
        sys.stderr.write(f"ponder: {_one_line(exc)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("ponder: interrupted\n")
        return 130
    except sqlite3.DatabaseError as exc:  # a damaged file, a full disk...: say which and why
        from tui.commands.common import store_path

        sys.stderr.write(f"ponder: {_one_line(StoreFault(store_path(args), exc))}\n")
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): point stdout at /dev/null so the flush at exit is quiet.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
