"""Another user's wait during a big import: how long /start takes while hqbot previews and applies
a 20 000-row task list (a measurement, not a test).

`hqbot run` (a subprocess, fresh database, rate limiter on as in production) runs on the
emulator. A second user sends /start every 100 ms: first while the bot is idle, then while the
admin's upload of a generated task list (bench/import_rows.py's generator) is being previewed,
then while 确认导入 is being applied. Reported per phase: how long it lasted, how many /start were
sent, and the median and max time from sending a /start to its reply. The bot's handling of
updates may be sequential or concurrent; the script measures either.

Usage: .venv/bin/python -m bench.concurrency [--rows 20000] [--interval 0.1] [--database URL]
       [--no-rate-limit] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from asyncio import FIRST_COMPLETED
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench.import_rows import build_workbook
from bench.processes import Child, start_hqbot, wait_polling, write_hqbot_config
from sandbox.emulator import EmulatorClient, EmulatorServer
from sandbox.emulator.state import Message, World

T = TypeVar("T")
HQBOT = "hqbot"
HEADER_ROWS = 3  # title rows and the header of build_workbook's sheet
IDLE_PINGS = 10
CONFIRM_LABEL = "确认导入"
PHASE_TIMEOUT = 900.0  # seconds a preview or an import may take before the bench gives up
DRAIN_TIMEOUT = 300.0  # seconds to wait for the replies to /start sent during a phase


@dataclass(frozen=True)
class Phase:
    """One phase: its length and the waits of the /start sent during it (seconds)."""

    name: str
    seconds: float
    waits: list[float]
    unanswered: int

    @property
    def median(self) -> float | None:
        """Median wait, None when no /start was sent."""
        return statistics.median(self.waits) if self.waits else None

    @property
    def max(self) -> float | None:
        """Longest wait, None when no /start was sent."""
        return max(self.waits) if self.waits else None

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form."""
        return {
            "seconds": round(self.seconds, 3),
            "starts": len(self.waits) + self.unanswered,
            "unanswered": self.unanswered,
            "median_wait": None if self.median is None else round(self.median, 3),
            "max_wait": None if self.max is None else round(self.max, 3),
        }


@dataclass(frozen=True)
class Report:
    """The run's parameters and its three phases."""

    rows: int
    file_bytes: int
    interval: float
    rate_limit: bool
    database: str
    load_average: float
    phases: list[Phase]

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form (--json)."""
        return {
            "rows": self.rows,
            "file_bytes": self.file_bytes,
            "interval": self.interval,
            "rate_limit": self.rate_limit,
            "database": self.database,
            "load_average": round(self.load_average, 2),
            "python": sys.version.split()[0],
            "phases": {p.name: p.as_json() for p in self.phases},
        }


class ReplyClock:
    """When each bot message arrives in one private chat (watched in the in-process emulator)."""

    def __init__(self, world: World, user_id: int) -> None:
        self._world = world
        self._user_id = user_id
        self.arrivals: list[float] = []
        self._before = 0
        self._task: asyncio.Task[None] | None = None

    def _bot_messages(self) -> list[Message]:
        bot = self._world.find_bot(HQBOT)
        chat = self._world.chat_view(bot, self._user_id)
        return [m for m in chat.messages if m.sender.id == bot.id] if chat else []

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while self._before + len(self.arrivals) < len(self._bot_messages()):
                self.arrivals.append(loop.time())
            await self._world.changed.wait(None)  # no await since the read: nothing slips by

    def start(self) -> None:
        """Begin watching."""
        self._before = len(self._bot_messages())  # earlier messages are not timed
        self._task = asyncio.create_task(self._watch())

    def stop(self) -> None:
        """Stop watching."""
        if self._task is not None:
            self._task.cancel()

    async def wait_for(self, count: int, timeout: float) -> bool:
        """Whether `count` messages arrived within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.arrivals) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self._world.changed.wait(remaining)
        return True


class Pinger:
    """Sends /start from one user every `interval` seconds and times each reply."""

    def __init__(
        self, tg: EmulatorClient, replies: ReplyClock, user_id: int, interval: float, limit: int
    ) -> None:
        self._tg = tg
        self._limit = limit
        self._replies = replies
        self._user_id = user_id
        self._interval = interval
        self.sent: list[float] = []

    async def ping(self, stop: asyncio.Event, count: int | None = None) -> int:
        """Send until `stop` is set or `count` (at most the limit) were sent; return the index of
        the first one sent."""
        loop = asyncio.get_running_loop()
        first, start = len(self.sent), loop.time()
        count = min(count or self._limit, self._limit)
        while not stop.is_set() and len(self.sent) - first < count:
            self.sent.append(loop.time())
            await self._tg.send_command(self._user_id, "start", bot=HQBOT)
            due = start + (len(self.sent) - first) * self._interval
            try:
                await asyncio.wait_for(stop.wait(), max(due - loop.time(), 0))
            except TimeoutError:
                pass
        return first

    async def phase(self, name: str, first: int, seconds: float) -> Phase:
        """Wait for the replies to the /start sent since `first` and time them."""
        await self._replies.wait_for(len(self.sent), DRAIN_TIMEOUT)
        sent = self.sent[first:]
        arrived = self._replies.arrivals[first : first + len(sent)]
        waits = [reply - send for send, reply in zip(sent, arrived, strict=False)]
        return Phase(name, seconds, waits, len(sent) - len(waits))


async def timed_while_pinging(
    pinger: Pinger, name: str, action: Coroutine[Any, Any, T], child: Child
) -> tuple[Phase, T]:
    """Run `action` while pinging; the phase lasts as long as the action. Fails if hqbot exits."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    pinging = asyncio.create_task(pinger.ping(stop))
    started = loop.time()
    acting = asyncio.create_task(action)
    exited = asyncio.create_task(child.proc.wait())
    try:
        await asyncio.wait({acting, exited}, timeout=PHASE_TIMEOUT, return_when=FIRST_COMPLETED)
        if not acting.done():
            acting.cancel()
            raise RuntimeError(f"{name}: hqbot exited or timed out; log tail:\n{child.log[-3000:]}")
        result = acting.result()
    finally:
        exited.cancel()
        seconds = loop.time() - started
        stop.set()
        first = await pinging
    return await pinger.phase(name, first, seconds), result


async def wait_edit(world: World, chat_id: int, message_id: int) -> Message:
    """The bot's message once it has been edited."""
    bot = world.find_bot(HQBOT)
    while True:
        chat = world.chat_view(bot, chat_id)
        message = chat.get(message_id) if chat else None
        if message is not None and message.history:
            return message
        await world.changed.wait(None)


async def run(
    *,
    rows: int = 20_000,
    interval: float = 0.1,
    database: str | None = None,
    rate_limit: bool = True,
    max_pings: int = 3000,
) -> Report:
    """Start the emulator and hqbot, then measure the idle, preview and confirm phases."""
    data = build_workbook(max(rows - HEADER_ROWS, 1))
    with tempfile.TemporaryDirectory(prefix="hqbot-bench-") as tmp:
        server = EmulatorServer()
        await server.start()
        child: Child | None = None
        try:
            async with EmulatorClient(server.url) as tg:
                token = (await tg.create_bot(HQBOT, "hqbot"))["token"]
                admin = await tg.create_user("Office", "Admin", language_code="zh")
                other = await tg.create_user("另一位", "用户", language_code="zh")
                url = database or f"sqlite:///{tmp}/hqbot.db"
                config = write_hqbot_config(
                    Path(tmp),
                    token=token,
                    base_url=server.url,
                    database_url=url,
                    admins=[admin["id"]],
                    rate_limit=rate_limit,
                )
                child = await start_hqbot(config)
                await wait_polling(tg, HQBOT, child)
                load = os.getloadavg()[0]
                world = server.world
                replies = ReplyClock(world, other["id"])
                replies.start()
                pinger = Pinger(tg, replies, other["id"], interval, max_pings)
                try:
                    phases = await _phases(world, tg, pinger, child, admin["id"], data, rows)
                finally:
                    replies.stop()
                code = await child.stop()
                if code != 0:
                    raise RuntimeError(f"hqbot exited {code}:\n{child.log[-3000:]}")
                backend = url.split(":", 1)[0].split("+", 1)[0]
                return Report(rows, len(data), interval, rate_limit, backend, load, phases)
        finally:
            if child is not None:
                await child.stop()
            await server.stop()


async def _phases(
    world: World,
    tg: EmulatorClient,
    pinger: Pinger,
    child: Child,
    admin_id: int,
    data: bytes,
    rows: int,
) -> list[Phase]:
    """Idle (after one untimed /start), preview (upload → preview shown), confirm (确认导入 →
    the preview edited)."""
    loop = asyncio.get_running_loop()
    await pinger.phase("warm-up", await pinger.ping(asyncio.Event(), 1), 0.0)  # not reported
    started = loop.time()
    first = await pinger.ping(asyncio.Event(), IDLE_PINGS)
    idle = await pinger.phase("idle", first, loop.time() - started)

    async def upload() -> dict[str, Any]:
        sent = await tg.send_document(admin_id, data, f"bench-{rows}-rows.xlsx")
        return await tg.wait_for_message(
            admin_id, after_message_id=sent["message_id"], timeout=PHASE_TIMEOUT, bot=HQBOT
        )

    preview, shown = await timed_while_pinging(pinger, "preview", upload(), child)
    buttons = [
        b for row in (shown.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
    ]
    confirm = next((b for b in buttons if CONFIRM_LABEL in b["text"]), None)
    if confirm is None:
        raise RuntimeError(
            f"the preview offers no {CONFIRM_LABEL}:\n{shown.get('text', '')[:2000]}"
        )

    async def apply() -> Message:
        await tg.press_button(
            admin_id, admin_id, shown["message_id"], data=confirm["callback_data"], bot=HQBOT
        )
        return await wait_edit(world, admin_id, shown["message_id"])

    applied, _ = await timed_while_pinging(pinger, "confirm", apply(), child)
    return [idle, preview, applied]


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(report: Report) -> None:
    """The human-readable summary."""
    print(
        f"{report.rows}-row task list ({report.file_bytes / 1024:.0f} KiB xlsx) uploaded by an "
        f"admin; /start every {report.interval * 1000:.0f} ms from another user; database "
        f"{report.database}; rate limiter {'on' if report.rate_limit else 'off'}; "
        f"python {sys.version.split()[0]}; load average {report.load_average:.2f} at start"
    )
    print(f"{'phase':<9}{'lasted s':>10}{'/start':>8}{'median wait s':>15}{'max wait s':>12}")
    for p in report.phases:
        starts = len(p.waits) + p.unanswered
        print(
            f"{p.name:<9}{p.seconds:>10.2f}{starts:>8}{_seconds(p.median):>15}{_seconds(p.max):>12}"
            + (f"   ({p.unanswered} unanswered)" if p.unanswered else "")
        )


async def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the uploaded sheet")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between /start")
    parser.add_argument("--database", default=None, help="hqbot's database (default: temp SQLite)")
    parser.add_argument("--max-pings", type=int, default=3000, help="most /start per phase")
    parser.add_argument("--no-rate-limit", action="store_true", help="telegram.rate_limit = false")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    report = await run(
        rows=args.rows,
        interval=args.interval,
        database=args.database,
        rate_limit=not args.no_rate_limit,
        max_pings=args.max_pings,
    )
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    asyncio.run(main())
