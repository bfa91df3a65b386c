"""Screens of the Ponder TUI (Solve now; Grade, Bench, History later) and their modals."""
