"""Ponder's front doors beside the Textual app (tui/): the command line (cli/), the report
(report/), and what every door prints the same way (text.py, score_text.py) and shares (common.py:
the user's errors and the database named on the command line; signals.py). The doors drive work
through workbench; ponder.cli and tui never import each other, and launch.py joins them."""
