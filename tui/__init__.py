"""The Textual app and the `ponder` command line."""
