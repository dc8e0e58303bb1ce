"""Run Alembic migrations programmatically over the app's own async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config pointing at hqbot's migrations folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class MigrationError(RuntimeError):
    """A migration left rows pointing at rows that do not exist."""


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database up to a revision (head by default), all or nothing.

    On SQLite two things need care. The sqlite3 module runs DDL outside any transaction, so a
    migration failing halfway would leave half a schema: for the migration only, the connection
    drops the module's transaction handling and emits BEGIN itself (SQLAlchemy's documented
    recipe), and is discarded afterwards. And batch migrations rebuild tables (copy, drop,
    rename), which foreign keys would block once other tables point at them: they are switched
    off for the migration (the pragma only works outside a transaction) and every reference is
    checked before the commit.
    """
    sqlite = engine.dialect.name == "sqlite"

    def _upgrade(connection: Connection) -> None:
        if sqlite:
            _transactional_sqlite(connection)
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        with connection.begin():
            command.upgrade(cfg, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise MigrationError(f"foreign keys broken after migration: {broken[:5]}")

    async with engine.connect() as conn:
        try:
            await conn.run_sync(_upgrade)
        finally:
            if sqlite:  # never hand a connection in this special mode back to the pool
                await conn.invalidate()


def _transactional_sqlite(connection: Connection) -> None:
    """Switch one SQLite connection to explicit BEGIN and foreign keys off."""
    dbapi = connection.connection.dbapi_connection
    dbapi.isolation_level = None  # type: ignore[union-attr]
    cursor = dbapi.cursor()  # type: ignore[union-attr]
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()
    event.listen(connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None when it was never migrated."""

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
