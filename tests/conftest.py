"""Shared fixtures: clock, fresh databases (SQLite or PostgreSQL), sessions, renderer."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.templating import Renderer
from models.database import SessionFactory, create_engine, session_factory
from models.migrate import upgrade
from services.clock import ManualClock
from tests.dbutil import create_database, drop_database, sqlite_url, test_backend_url

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def clock() -> ManualClock:
    """A clock frozen at 2021-06-20 09:00 Asia/Shanghai (a monthly opening)."""
    return ManualClock(datetime(2021, 6, 20, 9, 0), tz="Asia/Shanghai")


@pytest.fixture
def renderer() -> Renderer:
    """The Chinese renderer."""
    return Renderer("zh")


@pytest.fixture(scope="session")
def _template_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Per-session cache of a migrated template database."""
    return {"dir": str(tmp_path_factory.mktemp("dbtpl"))}


@pytest.fixture
async def empty_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new, empty database on the backend under test."""
    server = test_backend_url()
    if server is None:
        yield sqlite_url(tmp_path / "empty.db")
        return
    url = await create_database(server)
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
async def database_url(tmp_path: Path, _template_store: dict[str, str]) -> AsyncIterator[str]:
    """A fresh database already migrated to head (copied from a per-session template)."""
    server = test_backend_url()
    if server is None:
        template = Path(_template_store["dir"]) / "head.db"
        if not template.exists():
            engine = create_engine(sqlite_url(template))
            await upgrade(engine)
            await engine.dispose()
        target = tmp_path / "hqbot.db"
        shutil.copyfile(template, target)
        yield sqlite_url(target)
        return
    if "pg_template" not in _template_store:
        tpl_url = await create_database(server)
        engine = create_engine(tpl_url)
        await upgrade(engine)
        await engine.dispose()
        _template_store["pg_template"] = tpl_url
        _PG_TEMPLATES.append(tpl_url)
    from sqlalchemy.engine import make_url

    url = await create_database(server, template=make_url(_template_store["pg_template"]).database)
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a migrated database."""
    eng = create_engine(database_url)
    try:
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    """Session factory on the migrated test database."""
    return session_factory(engine)


_PG_TEMPLATES: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the PostgreSQL template database made for this run."""
    import asyncio

    for url in _PG_TEMPLATES:
        asyncio.run(drop_database(url))
