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
from bot.context import CONTEXT_TYPES, BotContext, HQApplication
from bot.deps import DEPS_KEY, Deps
from bot.outbound import Outbound
from bot.sender import Sender
from bot.templating import Renderer, Renderers
from bot.updates import PerUserOrderProcessor
from handlers import register_all
from jobs import month
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
SENDER_KEY = "hqbot.sender"
TICK_SECONDS = 60
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
        # Evenly spaced, no bursts: a burst of 30 followed by 30 a second would break the
        # "30 in any one second" rule Telegram (and the emulator) count by.
        pace = settings.delivery
        limiter = AIORateLimiter(
            overall_max_rate=1, overall_time_period=1 / pace.per_second,
            group_max_rate=1, group_time_period=60 / pace.group_per_minute, max_retries=3,
        )  # fmt: skip
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = cast(HQApplication, builder.build())
    renderers = Renderers(renderer or Renderer(settings.app.language))
    outbound = Outbound(application.bot, renderers.default)
    deps = Deps(settings, clock, sessions, renderers, outbound)
    outbound.on_unreachable = lambda chat_id: notify.on_unreachable(deps, chat_id)
    outbound.on_migrated = lambda old, new: notify.on_migrated(deps, old, new)
    sender = Sender(deps)
    deps.wake_sender = sender.wake
    application.bot_data[DEPS_KEY] = deps
    application.bot_data[SENDER_KEY] = sender
    register_all(application)
    return application


def sender_of(application: HQApplication) -> Sender:
    """The outbox sender of an application."""
    return cast(Sender, application.bot_data[SENDER_KEY])


async def _tick(context: BotContext) -> None:
    """The minute tick: the month does what the database says is owed now."""
    try:
        report = await month.tick(context.deps)
    except Exception:  # the database went away for a moment: the next tick tries again
        log.exception("the month tick failed")
        return
    log.debug("month tick done: %d runs, %d asks queued", len(report.runs), report.asks)


class Background:
    """The outbox sender (always) and the minute tick (when `tick`; its first tick is done on
    entering), started with the bot."""

    def __init__(self, application: HQApplication, *, tick: bool) -> None:
        self.application = application
        self.tick = tick
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Background:
        sender = sender_of(self.application)
        self._task = asyncio.create_task(sender.run(self._stop), name="hqbot-sender")
        if self.tick:
            queue = self.application.job_queue
            assert queue is not None, "install python-telegram-bot[job-queue]"
            job = queue.run_repeating(_tick, interval=TICK_SECONDS, name="month-tick")
            # The first tick now: APScheduler cannot start an interval job at once (first=0
            # runs it one interval late), so a bot back after a downtime would wait a minute.
            await job.run(self.application)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task


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
            async with Background(application, tick=True):  # the first tick is done: then poll
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
