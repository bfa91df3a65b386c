"""Widgets of the Ponder TUI: step blocks, the prompt box, the sidebar parts."""
