"""Fixtures: an in-process emulator with fake clocks, a control client, a bot, a user, PTB."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot

from sandbox.emulator import EmulatorClient, EmulatorServer
from tests.emulator.helpers import WALL_START, FakeClock


@pytest.fixture
def wall() -> FakeClock:
    """The emulator's wall clock (message dates)."""
    return FakeClock(WALL_START)


@pytest.fixture
def mono() -> FakeClock:
    """The emulator's monotonic clock (rate limits)."""
    return FakeClock(1000.0)


@pytest.fixture
async def emulator(wall: FakeClock, mono: FakeClock) -> AsyncIterator[EmulatorServer]:
    """A running emulator on a free loopback port."""
    server = EmulatorServer(clock=wall, monotonic=mono)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(emulator: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    """Control-API client."""
    async with EmulatorClient(emulator.url) as control:
        yield control


@pytest.fixture
async def bot_info(client: EmulatorClient) -> dict:
    """A registered bot (dict with token, id, username)."""
    return await client.create_bot("hqbot", "HQ Bot")


@pytest.fixture
async def user(client: EmulatorClient) -> dict:
    """A registered user."""
    return await client.create_user("Alice", "Liddell", username="alice", language_code="zh")


@pytest.fixture
async def started_user(client: EmulatorClient, user: dict, bot_info: dict) -> dict:
    """A user who has written /start to the bot (so the bot may message them)."""
    await client.send_command(user["id"], "start")
    return user


@pytest.fixture
async def ptb(emulator: EmulatorServer, bot_info: dict) -> AsyncIterator[Bot]:
    """A real python-telegram-bot ``Bot`` pointed at the emulator."""
    bot = Bot(
        bot_info["token"],
        base_url=f"{emulator.url}/bot",
        base_file_url=f"{emulator.url}/file/bot",
    )
    await bot.initialize()
    try:
        yield bot
    finally:
        await bot.shutdown()


@pytest.fixture
async def http(emulator: EmulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    """Raw HTTP access for checking exact Bot API responses."""
    async with httpx.AsyncClient(base_url=emulator.url, timeout=10.0) as raw:
        yield raw


@pytest.fixture
def api(http: httpx.AsyncClient, bot_info: dict):
    """Call a Bot API method with raw parameters; returns (status, json)."""

    async def call(method: str, **params: object) -> tuple[int, dict]:
        response = await http.post(f"/bot{bot_info['token']}/{method}", json=params)
        return response.status_code, response.json()

    return call
