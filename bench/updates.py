"""Cost per update: hqbot against a bare python-telegram-bot bot, both on one emulator.

Both bots run as subprocesses with the rate limiter off: `hqbot run` on a fresh database with the
sample task list imported, one admin and the other users bound to its persons (those beyond the
list's persons stay unbound), and bench/echo_bot.py. Each bot gets the same burst of M `/start`
updates from K users (after one warm-up `/start` per user), and the bench waits for every reply.
Reported per bot: CPU seconds of its process (user + system, /proc), CPU ms per update,
wall-clock updates per second, and the ratios hqbot / echo. A measurement, not a test.

Usage: .venv/bin/python -m bench.updates [--messages 300] [--users 20] [--database URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.processes import (
    Child,
    cpu_seconds,
    start_echo_bot,
    start_hqbot,
    wait_polling,
    write_hqbot_config,
)
from bench.seed import SAMPLE_TASKS, seed_database
from sandbox.emulator import EmulatorClient, EmulatorServer
from sandbox.emulator.state import World

HQBOT, ECHO = "hqbot", "echobot"
IN_FLIGHT = 8  # control-API sends in flight at once
REPLY_TIMEOUT = 600.0  # seconds to wait for a burst's last reply


@dataclass(frozen=True)
class BotResult:
    """One bot's numbers for the measured burst."""

    bot: str
    updates: int
    replies: int
    cpu_seconds: float
    wall_seconds: float

    @property
    def cpu_ms_per_update(self) -> float:
        """CPU milliseconds the bot process spent per update."""
        return 1000 * self.cpu_seconds / self.updates

    @property
    def updates_per_second(self) -> float:
        """Updates answered per wall-clock second, first send to last reply."""
        return self.updates / self.wall_seconds

    def as_json(self) -> dict[str, Any]:
        """Fields plus the derived rates."""
        return {
            **asdict(self),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_ms_per_update": round(self.cpu_ms_per_update, 3),
            "updates_per_second": round(self.updates_per_second, 2),
        }


@dataclass(frozen=True)
class Report:
    """The run's parameters and both bots' results."""

    messages: int
    users: int
    bound: int
    database: str
    load_average: float
    echo: BotResult
    hqbot: BotResult

    @property
    def cpu_ratio(self) -> float:
        """hqbot's CPU per update over the echo bot's."""
        return self.hqbot.cpu_ms_per_update / max(self.echo.cpu_ms_per_update, 1e-9)

    @property
    def throughput_ratio(self) -> float:
        """hqbot's updates per second over the echo bot's."""
        return self.hqbot.updates_per_second / self.echo.updates_per_second

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form (--json)."""
        return {
            "messages": self.messages,
            "users": self.users,
            "bound": self.bound,
            "database": self.database,
            "load_average": round(self.load_average, 2),
            "python": sys.version.split()[0],
            "bots": {"echo": self.echo.as_json(), "hqbot": self.hqbot.as_json()},
            "ratio": {
                "cpu_per_update": round(self.cpu_ratio, 2),
                "throughput": round(self.throughput_ratio, 3),
            },
        }


def replies(world: World, bot_username: str) -> int:
    """Messages the bot has sent in its private chats so far."""
    bot = world.find_bot(bot_username)
    return sum(
        1 for chat in bot.private_chats.values() for m in chat.messages if m.sender.id == bot.id
    )


async def wait_replies(world: World, bot_username: str, target: int, child: Child) -> None:
    """Return once the bot has sent `target` messages; fail on timeout or if the bot died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_TIMEOUT
    while (count := replies(world, bot_username)) < target:
        remaining = deadline - loop.time()
        if remaining <= 0 or child.proc.returncode is not None:
            raise RuntimeError(
                f"{child.name}: {count} of {target} replies; log tail:\n{child.log[-3000:]}"
            )
        await world.changed.wait(min(remaining, 1.0))


async def send_starts(tg: EmulatorClient, bot_username: str, users: list[int], count: int) -> None:
    """`count` /start messages, round-robin over `users`, a few in flight at a time."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(user_id: int) -> None:
        async with gate:
            await tg.send_command(user_id, "start", bot=bot_username)

    await asyncio.gather(*(one(users[i % len(users)]) for i in range(count)))


async def measure(
    world: World, tg: EmulatorClient, bot_username: str, child: Child, users: list[int], m: int
) -> BotResult:
    """Warm up with one /start per user, then time a burst of `m`."""
    await send_starts(tg, bot_username, users, len(users))
    await wait_replies(world, bot_username, len(users), child)
    before = replies(world, bot_username)
    cpu0, t0 = cpu_seconds(child.pid), time.perf_counter()
    await send_starts(tg, bot_username, users, m)
    await wait_replies(world, bot_username, before + m, child)
    wall, cpu = time.perf_counter() - t0, cpu_seconds(child.pid) - cpu0
    return BotResult(child.name, m, replies(world, bot_username) - before, cpu, wall)


async def run(
    *,
    messages: int = 300,
    users: int = 20,
    database: str | None = None,
    tasks: Path = SAMPLE_TASKS,
) -> Report:
    """Start the emulator and both bots, measure the echo bot then hqbot, stop everything."""
    if messages < 1 or users < 1:
        raise ValueError("need at least one message and one user")
    with tempfile.TemporaryDirectory(prefix="hqbot-bench-") as tmp:
        server = EmulatorServer()
        await server.start()
        children: list[Child] = []
        try:
            async with EmulatorClient(server.url) as tg:
                hq_token = (await tg.create_bot(HQBOT, "hqbot"))["token"]
                echo_token = (await tg.create_bot(ECHO, "echo"))["token"]
                admin = await tg.create_user("Office", "Admin", language_code="zh")
                others = [
                    await tg.create_user(f"用户{i}", language_code="zh") for i in range(1, users)
                ]
                senders = [admin["id"], *(u["id"] for u in others)]
                url = database or f"sqlite:///{tmp}/hqbot.db"
                bound = await seed_database(url, tasks=tasks, bind=senders[1:])
                config = write_hqbot_config(
                    Path(tmp),
                    token=hq_token,
                    base_url=server.url,
                    database_url=url,
                    admins=[admin["id"]],
                    rate_limit=False,
                )
                children.append(await start_echo_bot(server.url, echo_token, Path(tmp)))
                children.append(await start_hqbot(config))
                echo_bot, hqbot = children
                await wait_polling(tg, ECHO, echo_bot)
                await wait_polling(tg, HQBOT, hqbot)
                world = server.world
                load = os.getloadavg()[0]
                echo = await measure(world, tg, ECHO, echo_bot, senders, messages)
                hq = await measure(world, tg, HQBOT, hqbot, senders, messages)
                for child in children:
                    code = await child.stop()
                    if code != 0:
                        raise RuntimeError(f"{child.name} exited {code}:\n{child.log[-3000:]}")
                backend = url.split(":", 1)[0].split("+", 1)[0]
                return Report(messages, users, bound, backend, load, echo, hq)
        finally:
            for child in children:
                await child.stop()
            await server.stop()


def print_table(report: Report) -> None:
    """The human-readable summary."""
    print(
        f"{report.messages} /start updates from {report.users} users "
        f"(1 admin, {report.bound} bound, {report.users - 1 - report.bound} unbound) "
        f"per bot, after one warm-up /start per user; database {report.database}; "
        f"rate limiter off; python {sys.version.split()[0]}; "
        f"load average {report.load_average:.2f} at start"
    )
    print(
        f"{'bot':<8}{'updates':>9}{'CPU s':>9}{'CPU ms/update':>15}{'wall s':>9}{'updates/s':>11}"
    )
    for r in (report.echo, report.hqbot):
        print(
            f"{r.bot:<8}{r.updates:>9}{r.cpu_seconds:>9.2f}{r.cpu_ms_per_update:>15.1f}"
            f"{r.wall_seconds:>9.2f}{r.updates_per_second:>11.1f}"
        )
    print(
        f"hqbot/echo: {report.cpu_ratio:.1f}× the CPU per update, "
        f"{report.throughput_ratio:.2f}× the throughput"
    )


async def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="/start updates per bot (M)")
    parser.add_argument("--users", type=int, default=20, help="users sending them (K)")
    parser.add_argument("--database", default=None, help="hqbot's database (default: temp SQLite)")
    parser.add_argument("--tasks", type=Path, default=SAMPLE_TASKS, help="task list to import")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    report = await run(
        messages=args.messages, users=args.users, database=args.database, tasks=args.tasks
    )
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    asyncio.run(main())
