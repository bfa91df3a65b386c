"""The headless application layer: running, recording and grading problems for the TUI and the CLI.

`tui` reaches `reasoning`, `store` and `graders` through here for anything that runs or grades.
"""
