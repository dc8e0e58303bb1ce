"""End-to-end fixtures: an in-process emulator and the real bot as a subprocess."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.emulator import EmulatorClient, EmulatorServer
from tests.e2e.harness import BotProcess, start_bot, write_config


@pytest.fixture
async def emulator() -> AsyncIterator[EmulatorServer]:
    """The Bot API emulator on a free loopback port."""
    server = EmulatorServer()
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def tg(emulator: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    """Control-API client of the emulator."""
    async with EmulatorClient(emulator.url) as client:
        yield client


@pytest.fixture
async def admin(tg: EmulatorClient) -> dict:
    """A coordination-office admin (named in the bot's config)."""
    return await tg.create_user("综合协调组", "管理员", username="hq_admin", language_code="zh")


@pytest.fixture
async def bot(
    tg: EmulatorClient, emulator: EmulatorServer, admin: dict, database_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """`hqbot run` against the emulator, on the test database; stopped with SIGTERM after."""
    registered = await tg.create_bot("hqbot", "指挥部调度助手")
    config = write_config(
        tmp_path,
        token=registered["token"],
        base_url=emulator.url,
        database_url=database_url,
        admins=[admin["id"]],
    )
    process = await start_bot(config, registered["token"])
    try:
        yield process
    finally:
        if process.proc.returncode is None:
            await process.stop()
        (tmp_path / "bot.log").write_text(process.log)
        print(f"bot log: {tmp_path}/bot.log")  # shown by pytest only when the test failed
