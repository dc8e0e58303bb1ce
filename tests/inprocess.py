"""The bot's Application run in the test's own event loop against an in-process emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.app import ALLOWED_UPDATES, Background, build_application, deps_of
from bot.config import Settings
from bot.context import HQApplication
from bot.deps import Deps
from models.database import SessionFactory
from sandbox.emulator import EmulatorClient, EmulatorServer
from services.clock import Clock


@dataclass
class BotHarness:
    """What a handler test needs: the emulator client, the app, its deps and the admin."""

    tg: EmulatorClient
    application: HQApplication
    deps: Deps
    admin_id: int


@asynccontextmanager
async def running_bot(
    sessions: SessionFactory, clock: Clock, *, language: str = "zh", rate_limit: bool = True
) -> AsyncIterator[BotHarness]:
    """Emulator + polling Application in this loop; yields once the bot is polling."""
    server = EmulatorServer()
    await server.start()
    try:
        async with EmulatorClient(server.url) as tg:
            registered = await tg.create_bot("hqbot", "hqbot")
            admin = await tg.create_user("Office", "Admin", username="hq_admin")
            settings = Settings(
                telegram={
                    "token": registered["token"],
                    "base_url": server.url,
                    "admins": [admin["id"]],
                },
                app={"language": language},
            )
            application = build_application(
                settings, clock=clock, sessions=sessions, rate_limit=rate_limit
            )
            deps = deps_of(application)
            async with application:
                await application.start()
                assert application.updater is not None
                await application.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, poll_interval=0, timeout=1
                )
                try:
                    async with Background(application, tick=False):
                        yield BotHarness(tg, application, deps, admin["id"])
                finally:
                    await application.updater.stop()
                    await application.stop()
    finally:
        await server.stop()
