"""Build the python-telegram-bot Application and run it until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot import menus, notify
from bot.config import Settings
from bot.deps import DEPS_KEY, Deps
from bot.outbound import Outbound
from bot.templating import Renderer
from handlers import register_all
from models.database import create_engine, session_factory
from models.migrate import upgrade
from services.clock import Clock, SystemClock

log = logging.getLogger(__name__)

# The update kinds hqbot handles; asking for exactly these keeps Telegram from sending others.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


def build_application(settings: Settings, deps: Deps, *, rate_limit: bool = True) -> Application:
    """The PTB Application: polling, configured base_url, HTML defaults, rate limiter.

    `rate_limit=False` drops Telegram's pacing (20 messages a minute per group) for tests that
    send many messages to one group and are not about pacing.
    """
    builder = (
        ApplicationBuilder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(settings.telegram.api_base)
        .base_file_url(settings.telegram.file_base)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.app.tz))
        .get_updates_read_timeout(40)
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()
    deps.outbound = Outbound(
        application.bot,
        deps.renderer,
        on_unreachable=lambda chat_id: notify.on_unreachable(deps, chat_id),
        on_migrated=lambda old, new: notify.on_migrated(deps, old, new),
    )
    application.bot_data[DEPS_KEY] = deps
    register_all(application)
    return application


async def serve(settings: Settings, stop: asyncio.Event, clock: Clock | None = None) -> None:
    """Migrate the database, start polling, and run until `stop` is set."""
    engine = create_engine(settings.database.url, echo=settings.database.echo)
    try:
        await upgrade(engine)
        deps = Deps(
            settings=settings,
            clock=clock or SystemClock(settings.app.tz),
            sessions=session_factory(engine),
            renderer=Renderer(settings.app.language),
        )
        application = build_application(settings, deps, rate_limit=settings.telegram.rate_limit)
        async with application:
            me = application.bot
            await menus.install_default_menus(deps, me)
            for admin_id in settings.telegram.admins:
                await menus.refresh_menu(deps, me, admin_id)
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
