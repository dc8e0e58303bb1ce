"""`hqbot sandbox`: the Telegram emulator and the bot in one process, with a terminal chat."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import suppress
from typing import Any

from bot.app import serve
from bot.config import Settings, normalize_database_url
from sandbox.console import Console, LineReader
from sandbox.emulator import EmulatorClient, EmulatorServer
from sandbox.emulator.state import World

log = logging.getLogger(__name__)

SANDBOX_DB = "sqlite+aiosqlite:///./var/sandbox.db"


def run_sandbox(
    settings: Settings, *, port: int = 8081, console: bool = True, database_url: str | None = None
) -> None:
    """Run emulator + bot until SIGINT/SIGTERM (or `/quit` or end of input in the console)."""
    asyncio.run(_main(settings, port=port, console=console, database_url=database_url))


async def _main(settings: Settings, *, port: int, console: bool, database_url: str | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    server = EmulatorServer()
    try:
        await server.start("127.0.0.1", port)
    except OSError as exc:
        print(f"hqbot sandbox: port {port} is busy ({exc.strerror}); try --port 0", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        async with EmulatorClient(server.url) as tg:
            registered = await tg.create_bot("hqbot", "hqbot")
            admin = await tg.create_user("Office", "Admin", username="hq_admin", language_code="zh")
            bot_settings = _sandbox_settings(
                settings, server.url, registered["token"], admin["id"], database_url or SANDBOX_DB
            )
            _banner(server.url, admin)
            bot = asyncio.create_task(serve(bot_settings, stop))
            bot.add_done_callback(lambda _: stop.set())
            chat: asyncio.Task[None] | None = None
            if console:
                chat = asyncio.create_task(
                    _chat(tg, server.world, admin["id"], registered["username"])
                )
                chat.add_done_callback(lambda _: stop.set())
            await stop.wait()
            if chat is not None:
                chat.cancel()  # it may be waiting for a line: never wait for Enter
            await asyncio.gather(bot, *([chat] if chat else []), return_exceptions=True)
            error = None if bot.cancelled() else bot.exception()
            if error is not None:
                raise error
    finally:
        await server.stop()


async def _chat(tg: EmulatorClient, world: World, user_id: int, bot_username: str) -> None:
    """The terminal chat on stdin/stdout until `/quit`, end of input, or cancellation."""
    lines = LineReader(sys.stdin.fileno())
    lines.start()
    try:
        await Console(tg, world, user_id, bot=bot_username).run(lines)
    finally:
        lines.close()


def _sandbox_settings(
    settings: Settings, url: str, token: str, admin_id: int, database_url: str
) -> Settings:
    """The configured settings, pointed at the emulator, with the demo admin."""
    telegram = settings.telegram.model_copy(
        update={
            "base_url": url,
            "admins": [*settings.telegram.admins, admin_id],
        }
    )
    telegram.token = type(settings.telegram.token)(token)
    database = settings.database.model_copy(update={"url": normalize_database_url(database_url)})
    return settings.model_copy(update={"telegram": telegram, "database": database})


def _banner(url: str, admin: dict[str, Any]) -> None:
    print(
        f"hqbot sandbox is running.\n"
        f"  emulator (Bot API + control API): {url}   e.g. {url}/control/state\n"
        f"  demo admin: {admin['first_name']} {admin['last_name']} (id {admin['id']})\n"
        f"Type a message or a command such as /start, /help, /tasks; `:upload FILE` sends a file"
        f" (e.g. a task list .xlsx); `:press N` presses button N; `/quit` or Ctrl-C stops.",
        flush=True,
    )
