"""SQLite storage through sqlite-utils: schema and migrations, recording, queries, import, export."""
