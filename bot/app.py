"""Build the python-telegram-bot Application and run it until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from typing import cast

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults

from bot import menus, notify
from bot.config import Settings
from bot.context import CONTEXT_TYPES, HQApplication
from bot.deps import DEPS_KEY, Deps
from bot.outbound import Outbound
from bot.templating import Renderer
from bot.updates import PerUserOrderProcessor
from handlers import register_all
from models.database import SessionFactory, create_engine, session_factory
from models.migrate import upgrade
from services.clock import Clock, SystemClock

log = logging.getLogger(__name__)

# The update kinds hqbot handles; asking for exactly these keeps Telegram from sending others.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]
HANDLERS_AT_ONCE = 32
SEND_CONNECTIONS = 8


def build_application(
    settings: Settings,
    *,
    clock: Clock,
    sessions: SessionFactory,
    renderer: Renderer | None = None,
    rate_limit: bool = True,
) -> HQApplication:
    """The PTB Application with its Deps: configured base_url, HTML defaults, rate limiter,
    updates processed concurrently but in order per user.

    `rate_limit=False` drops Telegram's pacing (30 messages a second, 20 a minute per group) for
    tests and benchmarks against the emulator that are not about pacing.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(settings.telegram.api_base)
        .base_file_url(settings.telegram.file_base)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.app.tz))
        .get_updates_read_timeout(40)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(PerUserOrderProcessor(running=HANDLERS_AT_ONCE))
        # httpx scans every pooled connection on each request: a small pool keeps a send cheap.
        .connection_pool_size(SEND_CONNECTIONS)
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))  # type: ignore[arg-type]
    application = cast(HQApplication, builder.build())
    renderer = renderer or Renderer(settings.app.language)
    outbound = Outbound(application.bot, renderer)
    deps = Deps(settings, clock, sessions, renderer, outbound)
    outbound.on_unreachable = lambda chat_id: notify.on_unreachable(deps, chat_id)
    outbound.on_migrated = lambda old, new: notify.on_migrated(deps, old, new)
    application.bot_data[DEPS_KEY] = deps
    register_all(application)
    return application


def deps_of(application: HQApplication) -> Deps:
    """The Deps an application was built with."""
    return cast(Deps, application.bot_data[DEPS_KEY])


async def serve(settings: Settings, stop: asyncio.Event, clock: Clock | None = None) -> None:
    """Migrate the database, start polling, and run until `stop` is set."""
    engine = create_engine(settings.database.url, echo=settings.database.echo)
    try:
        await upgrade(engine)
        application = build_application(
            settings,
            clock=clock or SystemClock(settings.app.tz),
            sessions=session_factory(engine),
            rate_limit=settings.telegram.rate_limit,
        )
        deps = deps_of(application)
        async with application:
            me = application.bot
            await menus.install_default_menus(deps, me)
            async with deps.sessions() as session:
                for admin_id in settings.telegram.admins:
                    await menus.refresh_menu(deps, me, admin_id, session)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            log.info("hqbot is running as @%s", me.username)
            await stop.wait()
            log.info("stopping")
            await application.updater.stop()
            await application.stop()
    finally:
        await engine.dispose()


def run(settings: Settings) -> None:
    """Run the bot in the foreground; SIGINT or SIGTERM stops it cleanly."""
    asyncio.run(_run_until_signal(settings))


async def _run_until_signal(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)
