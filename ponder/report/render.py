"""`ponder report`: a dataset's scores, comparisons, settings, graders, per-problem results and
transcripts, as Markdown (tables) or one self-contained HTML page (tables, SVG charts and a
transcript viewer). Built as data by build, drawn by markdown and page."""

from __future__ import annotations

from ponder.report.build import Report, build_report
from ponder.report.markdown import render_markdown
from ponder.report.page import render_html

__all__ = ["CALIBRATION_NOTE", "Report", "build_report", "render_html", "render_markdown"]

CALIBRATION_NOTE = (
    "a run is correct when it got full credit; AUROC is the chance that a correct run's final"
    " reward is above an incorrect one's (0.5: the reward tells nothing)"
)
