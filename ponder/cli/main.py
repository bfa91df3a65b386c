"""The `ponder` command line (SPEC §6: pinned). Heavy imports happen inside the commands."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from reasoning.events import ARMS, PARADIGMS, RUN_STATUSES

SQLITE_INT_MAX = 2**63 - 1  # run ids and counts are stored or compared in SQLite
# Arguments that name files: any bytes the file system allows; every other argument is text.
_PATH_ARGS = frozenset({"file", "db", "prompts", "rubric", "output"})


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line on stderr, exit 2
        from ponder.text import safe_text

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


def _seconds(text: str) -> float:
    """A positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not 0 < value < 10**9:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number of seconds")
    return value


def _limit_flags(p: argparse.ArgumentParser) -> None:
    """--max-time and --timeout (SPEC §6), for solve and bench."""
    from reasoning.events import DEFAULT_MAX_TIME_S, DEFAULT_TIMEOUT_S

    p.add_argument(
        "--max-time",
        type=_seconds,
        metavar="SECONDS",
        help=f"a run's wall time (default {DEFAULT_MAX_TIME_S:g}, or the config's [limits])",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="a call's wait for its first byte, and for each next one"
        f" (default {DEFAULT_TIMEOUT_S:g}, or the config's)",
    )


def _check_text(args: argparse.Namespace) -> None:
    """Refuse arguments that are not UTF-8 (undecodable bytes arrive as lone surrogates)."""
    from ponder.common import UsageError

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


def _db_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="database file (default: PONDER_DB or the user data dir)",
    )


COMPLETE_KINDS = ("datasets", "runs", "benches", "presets")


class _Complete(argparse.Action):
    """`--complete KIND`: ponder.cli.complete prints the names and exits (imported then only)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from ponder.cli.complete import CompleteAction

        CompleteAction(self.option_strings, self.dest)(parser, *args, **kwargs)


class _Version(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> NoReturn:
        from ponder.cli.about import version

        sys.stdout.write(f"ponder {version()}\n")
        parser.exit()


class _KindAction(argparse.Action):
    """`check --kind`: its help lists the kinds, read from graders only when help is shown."""

    def __call__(self, parser: argparse.ArgumentParser, ns: argparse.Namespace, *a: Any) -> None:
        setattr(ns, self.dest, a[0])

    @property  # type: ignore[override]
    def help(self) -> str:
        from graders.result import KINDS

        return f"the answer's kind: {', '.join(KINDS)} (default: inferred from the reference)"

    @help.setter
    def help(self, _value: object) -> None:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ponder",
        description="A terminal workbench for reasoning by reflection. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    # For the completion script (ponder completion SHELL): the names there are now.
    parser.add_argument(
        "--complete", action=_Complete, choices=COMPLETE_KINDS, help=argparse.SUPPRESS
    )
    _provider_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    s = sub.add_parser("solve", help="solve one problem, streaming the steps")
    s.add_argument("prompt", metavar="PROMPT|-", nargs="?", help="the problem text, or - for stdin")
    s.add_argument("--problem", metavar="DATASET:KEY", help="solve a stored problem")
    s.add_argument(
        "--paradigm", choices=PARADIGMS, default="dcot", help="how to reason (default dcot)"
    )
    _provider_flags(s, suppress=True)
    s.add_argument(
        "--budget", type=_int, default=20, metavar="N", help="dcot step budget (default 20)"
    )
    s.add_argument(
        "--reinforce",
        choices=("self", "guided"),
        default="self",
        help="self: the model rewards itself; guided: feedback after each reward (default self)",
    )
    s.add_argument(
        "--min-steps", type=_int, metavar="N", help="g1: steps before a final answer (default 15)"
    )
    s.add_argument("--max-steps", type=_int, metavar="N", help="hard cap on steps (default 40)")
    s.add_argument(
        "--max-tokens", type=_int, default=4096, metavar="N", help="max output tokens per call"
    )
    _limit_flags(s)
    s.add_argument(
        "--temperature", type=float, default=None, metavar="T", help="sampling temperature"
    )
    s.add_argument(
        "--attempts", type=_int, default=1, metavar="K", help="independent runs, one selected"
    )
    s.add_argument(
        "--select",
        choices=("reward", "vote"),
        default="reward",
        help="with --attempts: keep the best final reward, or the majority answer",
    )
    s.add_argument("--prompts", metavar="DIR", help="a folder of your own prompt files")
    s.add_argument("--json", action="store_true", help="print one JSON object when the run ends")
    s.add_argument("--no-store", action="store_true", help="do not record the run")
    s.add_argument(
        "--yes", action="store_true", help="send a prompt above 20,000 tokens without asking"
    )

    r = sub.add_parser("resume", help="continue an interrupted run")
    r.add_argument("run", type=_int, metavar="RUN", help="the run id (see ponder runs)")
    r.add_argument("--json", action="store_true", help="print one JSON object when the run ends")
    _provider_flags(r, suppress=True)

    i = sub.add_parser(
        "import",
        help="import problems from .xlsx .csv .jsonl .json .parquet",
        description="Import a problem set: JEEBench, MATH, GSM8K, AIME-style, OlympiadBench and"
        " Omni-MATH are recognised by their fields; any other table by its column names.",
    )
    i.add_argument("file", metavar="FILE", help="the file to import")
    i.add_argument("--dataset", metavar="NAME", help="dataset name (default: the file's name)")
    i.add_argument(
        "--source",
        metavar="NAME",
        help="who graded the recorded results in the file: their human grader's name"
        " (default: the file's name)",
    )
    i.add_argument(
        "--dry-run", action="store_true", help="show what would be imported; write nothing"
    )
    _db_flag(i)

    d = sub.add_parser("datasets", help="list datasets (bundled and imported)")
    d.add_argument("--json", action="store_true", help="print a JSON list")
    _db_flag(d)

    pr = sub.add_parser("problems", help="list the problems of a dataset")
    pr.add_argument("dataset", metavar="DATASET", help="the dataset (see ponder datasets)")
    pr.add_argument("--json", action="store_true", help="print a JSON list")
    _db_flag(pr)

    b = sub.add_parser("bench", help="run a dataset across paradigms and models")
    b.add_argument("dataset", metavar="DATASET", help="the dataset to run (see ponder datasets)")
    b.add_argument(
        "--paradigm",
        action="append",
        choices=PARADIGMS,
        metavar="P",
        help=f"a paradigm to run, repeatable: {', '.join(PARADIGMS)} (default dcot)",
    )
    b.add_argument(
        "--reinforce",
        action="append",
        choices=("self", "guided"),
        metavar="MODE",
        help="dcot's reinforcement, repeatable: self, guided (an arm of its own, dcot+guided);"
        " default self",
    )
    b.add_argument(
        "--model",
        action="append",
        metavar="M",
        default=argparse.SUPPRESS,
        help="a model to run, repeatable (default: the provider's)",
    )
    b.add_argument(
        "--provider", metavar="NAME", default=argparse.SUPPRESS, help="provider kind or preset name"
    )
    b.add_argument(
        "--base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="API base URL (OpenAI-compatible servers)",
    )
    _db_flag(b)
    b.add_argument(
        "--concurrency", type=_int, default=4, metavar="N", help="runs at once (default 4)"
    )
    b.add_argument("--limit", type=_int, metavar="N", help="only the first N problems")
    b.add_argument("--attempts", type=_int, metavar="K", help="runs per problem (default 1)")
    b.add_argument(
        "--resume",
        nargs="?",
        const=True,
        default=False,
        metavar="ID",
        help="continue bench ID, else the latest bench of DATASET (with the arms and models"
        " given): only the runs it has not finished",
    )
    b.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="stop starting runs once this is spent (the --judge model's calls included)",
    )
    b.add_argument(
        "--provider-concurrency",
        type=_int,
        metavar="N",
        help="calls in flight per provider endpoint (default: --concurrency)",
    )
    b.add_argument(
        "--budget", type=_int, default=20, metavar="N", help="dcot step budget (default 20)"
    )
    b.add_argument(
        "--max-tokens", type=_int, default=4096, metavar="N", help="max output tokens per call"
    )
    _limit_flags(b)
    b.add_argument("--judge", metavar="MODEL", help="an LLM judge marks proof runs as they finish")
    b.add_argument(
        "--batch",
        nargs="?",
        type=_int,
        const=1000,
        metavar="SIZE",
        help="send the calls through the providers' batch APIs (half price, results within"
        " 24 h), SIZE calls a batch (default 1000); --resume collects what was submitted",
    )
    b.add_argument(
        "--resubmit-expired",
        action="store_true",
        help="with --batch: send again the requests whose batch expired or was cancelled",
    )

    bl = sub.add_parser("benches", help="list benches: status, progress, spend")
    bl.add_argument("--json", action="store_true", help="print a JSON list")
    _db_flag(bl)

    g = sub.add_parser("grade", help="grade runs: --auto, or one run by hand")
    g.add_argument(
        "target", nargs="?", metavar="DATASET|RUN", help="with --auto a dataset, else a run id"
    )
    g.add_argument(
        "verdict",
        nargs="?",
        metavar="full|partial|zero|SCORE|POINTS/MAX",
        help="the grade: a word, a score 0..1 (0.75) or points (7/10)",
    )
    g.add_argument("--auto", action="store_true", help="grade every ungraded finished run")
    g.add_argument("--note", metavar="TEXT", help="a note kept with the grade")
    g.add_argument("--by", metavar="NAME", help="who graded (default: your user name)")
    _db_flag(g)
    g.add_argument(
        "--judge", action="store_true", help="an LLM judge marks proofs and free-text answers"
    )
    g.add_argument("--provider", metavar="NAME", default=argparse.SUPPRESS, help="judge provider")
    g.add_argument("--model", metavar="M", default=argparse.SUPPRESS, help="judge model")
    g.add_argument(
        "--base-url", metavar="URL", default=argparse.SUPPRESS, help="the judge's API base URL"
    )
    g.add_argument("--rubric", metavar="FILE", help="the judge's marking scheme (a text file)")
    g.add_argument("--redo", action="store_true", help="judge runs this judge already graded")
    g.add_argument("--prompts", metavar="DIR", help="a folder of your own prompt files")
    g.add_argument(
        "--concurrency", type=_int, default=4, metavar="N", help="judge calls at once (default 4)"
    )
    g.add_argument(
        "--max-tokens",
        type=_int,
        default=None,
        metavar="N",
        help="the judge's output tokens per reply (default 2048)",
    )
    g.add_argument(
        "--max-time",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wall time for judging one run, retries included (default 300)",
    )

    c = sub.add_parser("check", help="grade one answer against a reference")
    c.add_argument("reference", metavar="REFERENCE", help="the correct answer")
    c.add_argument(
        "answer", metavar="ANSWER", help="the answer to grade (a whole response is fine)"
    )
    c.add_argument("--kind", metavar="K", action=_KindAction)
    c.add_argument("--json", action="store_true", help="print the grade as JSON")

    sc = sub.add_parser("scores", help="score table per dataset x model x paradigm")
    sc.add_argument("dataset", nargs="?", metavar="DATASET", help="one dataset (default: all)")
    fmt = sc.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV")
    which = sc.add_mutually_exclusive_group()
    which.add_argument("--bench", metavar="ID", help="count only this bench's runs")
    which.add_argument(
        "--latest", action="store_true", help="count the latest graded run, ad-hoc ones too"
    )
    _db_flag(sc)
    sc.add_argument(
        "--agreement", action="store_true", help="how the LLM judge agrees with human grades"
    )

    rp = sub.add_parser("report", help="a shareable report of a dataset's scores (md or html)")
    rp.add_argument("dataset", metavar="DATASET", help="the dataset to report on")
    rp.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    rp.add_argument("--format", choices=("md", "html"), help="default: from FILE's suffix, else md")
    which = rp.add_mutually_exclusive_group()
    which.add_argument("--bench", metavar="ID", help="count only this bench's runs")
    which.add_argument("--latest", action="store_true", help="count the latest graded run")
    _db_flag(rp)

    e = sub.add_parser("export", help="export runs or scores to CSV")
    e.add_argument("file", metavar="FILE.csv", help="the CSV file to write")
    e.add_argument("--dataset", metavar="NAME", help="one dataset (default: all)")
    e.add_argument(
        "--what",
        choices=("runs", "scores"),
        default="runs",
        help="runs: one row a run; scores: the score table (default runs)",
    )
    e.add_argument(
        "--bom",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start with UTF-8's byte order mark, which spreadsheets need to read accents"
        " (default); --no-bom for programs (else read it as utf-8-sig)",
    )
    _db_flag(e)

    ru = sub.add_parser("runs", help="list runs, newest first")
    ru.add_argument(
        "--limit", type=_int, default=20, metavar="N", help="how many runs (default 20)"
    )
    ru.add_argument("--search", metavar="TEXT", help="full-text search of runs and problems")
    ru.add_argument("--dataset", metavar="D", help="only runs of this dataset's problems")
    # Its own dest: `ponder --model M` (the TUI's model) must not filter the list.
    ru.add_argument("--model", dest="only_model", metavar="M", help="only this model's runs")
    ru.add_argument(
        "--paradigm",
        choices=ARMS,
        metavar="P",
        help=f"only this paradigm: {', '.join(ARMS)} (dcot: guided ones too)",
    )
    ru.add_argument(
        "--status", choices=tuple(RUN_STATUSES), metavar="S", help=", ".join(RUN_STATUSES)
    )
    ru.add_argument("--bench", metavar="ID", help="only this bench's runs (see ponder benches)")
    ru.add_argument("--json", action="store_true", help="print a JSON list")
    _db_flag(ru)

    sh = sub.add_parser("show", help="show one run")
    sh.add_argument("run", type=_int, metavar="RUN", help="the run id (see ponder runs)")
    sh.add_argument("--json", action="store_true", help="print one JSON object")
    sh.add_argument(
        "--calls",
        action="store_true",
        help="also every provider call: its exact request (messages, parameters) and raw reply",
    )
    _db_flag(sh)

    db = sub.add_parser("db", help="check the database, or recover what can be read of it")
    dbs = db.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    _db_flag(dbs.add_parser("check", help="SQLite's integrity check"))
    rec = dbs.add_parser("recover", help="copy every readable row into a new database FILE")
    rec.add_argument("file", metavar="FILE", help="the new database file to write")
    _db_flag(rec)

    pa = sub.add_parser("paths", help="where the database, config file and data dir are")
    only = pa.add_mutually_exclusive_group()
    only.add_argument("--json", action="store_true", help='print {"db", "config", "data_dir"}')
    only.add_argument(
        "--db", dest="only_db", action="store_true", help="print only the database path"
    )
    only.add_argument(
        "--config", dest="only_config", action="store_true", help="print only the config path"
    )

    cf = sub.add_parser("config", help="create or show the config file")
    cfs = cf.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, required=True)
    cfs.add_parser("init", help="write a commented config file (mode 0600), never overwriting")
    cfs.add_parser("show", help="print the effective settings, keys masked")

    co = sub.add_parser("completion", help="print a shell completion script")
    co.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete for")
    return parser


# command -> module under ponder.cli exposing run(args) -> int
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
    "benches": "benches",
    "db": "db",
    "paths": "about",
    "config": "about",
    "completion": "about",
    "report": "report",
}


def _one_line(exc: Exception) -> str:
    """An error message as one line safe for a terminal, whatever paths or text it quotes."""
    from ponder.text import safe_text

    return " ".join(safe_text(str(exc)).split())


def main(
    argv: Sequence[str] | None = None, open_app: Callable[[argparse.Namespace], int] | None = None
) -> int:
    """`ponder ARGS`: one subcommand, or with none `open_app` (the launcher passes the TUI's)."""
    args = build_parser().parse_args(argv)
    from importlib import import_module

    from ponder.common import RunFailed, StoreFault, UsageError, forget_created
    from store.owner import RunTakenOver

    forget_created()
    try:
        _check_text(args)
        if args.command is None:
            if open_app is None:
                raise UsageError("name a command (ponder --help lists them)")
            return open_app(args)
        module = import_module(f"ponder.cli.{_COMMANDS[args.command]}")
        from ponder.signals import StopLikeCtrlC

        with StopLikeCtrlC() as stop:
            try:
                code = int(module.run(args) or 0)
            except KeyboardInterrupt:
                sys.stderr.write("ponder: interrupted\n")
                code = 130
        return stop.exit_code(code)
    except UsageError as exc:
        from ponder.common import discard_created

        discard_created()  # a command that fails on usage creates nothing
        where = f"ponder {args.command}" if args.command else "ponder"
        sys.stderr.write(f"{where}: error: {_one_line(exc)}\n")
        return 2
    except (RunFailed, RunTakenOver, StoreFault) as exc:
        sys.stderr.write(f"ponder: {_one_line(exc)}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("ponder: interrupted\n")
        return 130
    except sqlite3.DatabaseError as exc:  # a damaged file, a full disk...: say which and why
        from ponder.common import store_path

        line = _one_line(StoreFault(store_path(args), exc))
        run_id = getattr(exc, "run_id", None)
        if run_id is not None:
            line += f"; run {run_id} kept as interrupted: ponder resume {run_id} once there is room"
        sys.stderr.write(f"ponder: {line}\n")
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): point stdout at /dev/null so the flush at exit is quiet.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
