"""The write side: the eventsourcing application for family cases, its settings, its
store (SQLite by default, PostgreSQL in production) and per-family encryption keys."""
