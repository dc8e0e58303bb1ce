"""Migrations: upgrade from empty on the backend under test; models and migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import models  # noqa: F401
from models.database import create_engine
from models.migrate import current_revision, head_revision, upgrade


async def test_upgrade_from_empty_reaches_head_and_creates_tables(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"headquarters", "chat", "person", "alembic_version"} <= tables
        await upgrade(engine)  # a second run is a no-op
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_models_match_migrations(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}),
                    SQLModel.metadata,
                )
            )
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with engine.connect() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        assert (mode, fks) == ("wal", 1)
    finally:
        await engine.dispose()


async def test_upgrade_keeps_data_referenced_by_other_tables(empty_database_url: str) -> None:
    """A table rebuilt by a later migration (person, in 0003) keeps its rows and references."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    engine = create_engine(empty_database_url)
    now = datetime(2021, 6, 1, tzinfo=UTC)
    try:
        await upgrade(engine, "0002")
        async with engine.begin() as conn:
            await conn.execute(
                text("insert into headquarters (id, name, created_at) values (1, 'hq', :t)"),
                {"t": now},
            )
            await conn.execute(
                text("insert into person (id, name, created_at) values (7, '陈旭', :t)"),
                {"t": now},
            )
            await conn.execute(
                text(
                    "insert into working_group (id, hq_id, name, position, member_units)"
                    " values (3, 1, '海丝引领专项组', 0, '')"
                )
            )
            await conn.execute(
                text(
                    "insert into group_leader (group_id, person_id, title, position)"
                    " values (3, 7, '局长', 0)"
                )
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "select p.name, p.reachable from group_leader g"
                        " join person p on p.id = g.person_id"
                    )
                )
            ).one()
        assert tuple(row) == ("陈旭", True)
    finally:
        await engine.dispose()


async def test_failing_migration_leaves_nothing_behind(
    empty_database_url: str,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """A migration that breaks halfway rolls the whole upgrade back, on SQLite too."""
    import shutil

    import pytest

    from models import migrate

    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, scripts)
    (scripts / "versions" / "9999_broken.py").write_text(
        "from alembic import op\n"
        "import sqlalchemy as sa\n"
        f"revision = '9999'\ndown_revision = {head_revision()!r}\n"
        "branch_labels = None\ndepends_on = None\n"
        "def upgrade():\n"
        "    op.create_table('half_done', sa.Column('id', sa.Integer, primary_key=True))\n"
        "    with op.batch_alter_table('chat') as b:\n"
        "        b.add_column(sa.Column('half_col', sa.Integer))\n"
        "    raise RuntimeError('migration bug')\n"
        "def downgrade():\n    pass\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    engine = create_engine(empty_database_url)
    try:
        with pytest.raises(RuntimeError, match="migration bug"):
            await upgrade(engine)
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert tables == set()
        assert await current_revision(engine) is None
    finally:
        await engine.dispose()


async def test_foreign_keys_enforced_after_migrations(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            try:
                await conn.execute(
                    text(
                        "insert into working_group (hq_id, name, position, member_units)"
                        " values (999, 'x', 0, '')"
                    )
                )
                await conn.commit()
                raise AssertionError("a row pointing at no headquarters was accepted")
            except IntegrityError:
                await conn.rollback()
    finally:
        await engine.dispose()
