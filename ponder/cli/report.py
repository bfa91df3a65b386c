"""`ponder report DATASET [-o FILE] [--format md|html]`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from ponder.common import UsageError, out
from ponder.text import safe_text


def report_format(args: argparse.Namespace) -> str:
    """--format, else the output file's suffix (.html / .htm), else Markdown."""
    if args.format:
        return str(args.format)
    if args.output and Path(args.output).suffix.lower() in (".html", ".htm"):
        return "html"
    return "md"


def run(args: argparse.Namespace) -> int:
    from ponder.cli.grading import _require_dataset, _store, score_rule
    from ponder.report.render import build_report, render_html, render_markdown

    db = _store(args)
    _require_dataset(db, args.dataset)
    html = report_format(args) == "html"
    report = build_report(db, args.dataset, score_rule(db, args), transcripts=html)
    text = render_html(report) if html else render_markdown(report)
    if not args.output:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    path = Path(args.output)
    try:
        _write(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    out(
        f"wrote the {report_format(args)} report of {safe_text(args.dataset)} to {safe_text(args.output)}"
    )
    return 0


def _write(path: Path, text: str) -> None:
    """Through a temporary file, so a failed write leaves any previous report whole."""
    if path.is_dir():
        raise IsADirectoryError(21, "it is a folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
