"""Database plumbing below every app: set-based reads and writes, SQLite connection rules."""
