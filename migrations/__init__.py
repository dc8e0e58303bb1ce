"""Alembic migrations for hqbot's tables (run by `hqbot db upgrade` and at start)."""
