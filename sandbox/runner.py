"""`hqbot sandbox`: the Telegram emulator and the bot in one process, with a terminal chat."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

from bot.app import serve
from bot.config import Settings, normalize_database_url
from sandbox.emulator import EmulatorClient, EmulatorServer

log = logging.getLogger(__name__)

SANDBOX_DB = "sqlite+aiosqlite:///./var/sandbox.db"
DEMO_ADMIN = {"first_name": "Office", "last_name": "Admin", "username": "hq_admin"}


def run_sandbox(
    settings: Settings, *, port: int = 8081, console: bool = True, database_url: str | None = None
) -> None:
    """Run emulator + bot until SIGINT/SIGTERM (or `/quit` in the console)."""
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
    async with EmulatorClient(server.url) as tg:
        registered = await tg.create_bot("hqbot", "hqbot")
        admin = await tg.create_user(**DEMO_ADMIN, language_code="zh")
        bot_settings = _sandbox_settings(
            settings, server.url, registered["token"], admin["id"], database_url or SANDBOX_DB
        )
        _banner(server.url, admin)
        tasks = [asyncio.create_task(serve(bot_settings, stop))]
        if console:
            tasks.append(asyncio.create_task(_console(tg, admin["id"], stop)))
        try:
            await stop.wait()
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
    await server.stop()


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


async def _console(tg: EmulatorClient, user_id: int, stop: asyncio.Event) -> None:
    """Read lines from the terminal as the demo admin and print the bot's replies."""
    printer = asyncio.create_task(_print_replies(tg, user_id, stop))
    last_buttons: list[tuple[int, str]] = []
    try:
        while not stop.is_set():
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if line in ("/quit", ":quit"):
                break
            if line.startswith(":upload "):
                path = Path(line.split(" ", 1)[1].strip()).expanduser()
                if path.is_file():
                    await tg.send_document(user_id, path.read_bytes(), path.name)
                else:
                    print(f"  (no such file: {path})", flush=True)
            elif line.startswith(":press "):
                last_buttons = await _buttons(tg, user_id)
                index = int(line.split()[1]) - 1 if line.split()[1].isdigit() else -1
                if 0 <= index < len(last_buttons):
                    message_id, text = last_buttons[index]
                    await tg.press_button(user_id, user_id, message_id, text=text)
                else:
                    print("  (no such button)", flush=True)
            elif line:
                await tg.send_text(user_id, line)
    finally:
        stop.set()
        printer.cancel()


async def _buttons(tg: EmulatorClient, user_id: int) -> list[tuple[int, str]]:
    """The inline buttons of the bot's latest message, numbered from 1."""
    messages = await tg.bot_messages(user_id, include_deleted=False)
    if not messages:
        return []
    last = messages[-1]
    rows = (last.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(last["message_id"], b["text"]) for row in rows for b in row]


async def _print_replies(tg: EmulatorClient, user_id: int, stop: asyncio.Event) -> None:
    after = 0
    while not stop.is_set():
        try:
            message = await tg.wait_for_message(user_id, after_message_id=after, timeout=30)
        except TimeoutError:
            continue
        after = message["message_id"]
        print(f"\nhqbot> {message.get('text') or message.get('caption') or ''}", flush=True)
        buttons = [b["text"] for row in (message.get("reply_markup") or {}).get(
            "inline_keyboard", []) for b in row]  # fmt: skip
        for i, text in enumerate(buttons, start=1):
            print(f"  [{i}] {text}", flush=True)
