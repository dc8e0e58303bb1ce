"""Fresh databases for tests: a temp SQLite file, or a new PostgreSQL database per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.config import normalize_database_url

ENV = "HQBOT_TEST_DATABASE_URL"


def test_backend_url() -> str | None:
    """The PostgreSQL server URL the suite runs against, or None for SQLite."""
    raw = os.environ.get(ENV, "").strip()
    return normalize_database_url(raw) if raw else None


def _asyncpg_dsn(url: str, database: str) -> str:
    parsed = make_url(url).set(drivername="postgresql", database=database)
    return parsed.render_as_string(hide_password=False)


async def create_database(server_url: str, template: str | None = None) -> str:
    """Create an empty (or templated) PostgreSQL database and return its async URL."""
    name = f"hqbot_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(server_url, "postgres"))
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    """Drop a test database, disconnecting stragglers."""
    name = make_url(url).database
    conn = await asyncpg.connect(_asyncpg_dsn(url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def sqlite_url(path: Path) -> str:
    """An aiosqlite URL for a file."""
    return f"sqlite+aiosqlite:///{path}"
