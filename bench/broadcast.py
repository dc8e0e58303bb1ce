"""A month's open to N persons with the emulator enforcing Telegram's flood limits: how close the
outbox sender gets to the 30 messages/s ceiling, and whether any message is refused (429),
lost or sent twice (a measurement; tests/e2e/test_benchmarks.py runs it small).

The database holds one headquarters and N persons, each bound to an emulator user who has
started the bot and each responsible for one task whose single stage covers the whole year, so
every person is due exactly one ask. The emulator (in this process) enforces 30 messages/s per
bot, 1/s per private chat and 20/min per group, answering 429 beyond. The real PTB application
(`bot.app.build_application`, its rate limiter on, a ManualClock at the month's opening time)
runs in this event loop without polling. The bench opens the month
(`services.reporting.office.open_month`), queues the asks (`jobs.month.queue_asks`, timed), then
times `Sender.drain()` until the outbox is empty. Counted in the emulator afterwards: the bot's
messages in each person's chat (lost: a person with none; duplicated: every one past the first),
its 429 answers, and the most messages it accepted in any one second. `--latency` makes the
emulator hold every sendMessage that long before answering, as a distant Telegram would (the
emulator is on loopback otherwise).

Usage: .venv/bin/python -m bench.broadcast [--persons 5000] [--db URL] [--latency 0.1] [--json]
(--db: a new, empty database; default: a SQLite file in a temporary folder.)
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert
from sqlmodel import select

from bot.app import build_application, deps_of, sender_of
from bot.config import CycleSettings, Settings, normalize_database_url
from jobs import month
from models.database import create_engine, session_factory
from models.migrate import upgrade
from models.outbox import OutboxMessage, OutboxStatus
from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import Assignment, Stage, Task, WorkingGroup
from sandbox.emulator import EmulatorClient, EmulatorServer
from sandbox.emulator.state import World
from services.clock import Clock, ManualClock
from services.reporting.office import MonthOpenKind, open_month
from services.schedule import due_on, month_schedule

HQBOT = "hqbot"
TIMEZONE = ZoneInfo("Asia/Shanghai")
YM = 202111  # November 2021: opens Monday the 22nd 09:00 (the 20th is a Saturday)
CEILING = 30  # Telegram's messages a second per bot, which the emulator enforces
PRIVATE_PER_SECOND = 1
GROUP_PER_MINUTE = 20
AIM = 0.9  # of the ceiling, the goal
GROUPS = 10
UNITS = 50
USERS_IN_FLIGHT = 4  # control-API calls at once creating the accounts (more is slower: httpx)
SEED_CHUNK = 1000  # rows per INSERT while building the task list


@dataclass(frozen=True)
class Report:
    """One broadcast: its size, how long each part took and what the emulator saw."""

    persons: int
    database: str
    setup_seconds: float  # emulator accounts and the database, not measured further
    queue_seconds: float  # jobs.month.queue_asks
    queued: int
    drain_seconds: float  # Sender.drain until the outbox was empty
    delivered: int  # the bot's messages in the persons' chats
    lost: int  # persons without their ask
    duplicated: int  # messages past the first in a person's chat
    refused: int  # 429 answers of the emulator
    requests: int  # sendMessage calls the emulator answered
    peak: int  # most messages accepted in any one second
    left: int  # outbox rows not sent when the drain returned (pending, failed, ...)
    cpu_seconds: float  # this process's CPU time during the drain (bot, emulator, SQLite)
    latency: float  # seconds the emulator held each sendMessage before answering
    load_average: float

    @property
    def rate(self) -> float:
        """Messages delivered per second of the drain."""
        return self.delivered / self.drain_seconds if self.drain_seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        """The achieved rate against Telegram's 30 messages/s."""
        return self.rate / CEILING

    @property
    def cpu_ms_per_message(self) -> float:
        """CPU milliseconds of this process (bot and emulator) per message delivered."""
        return 1000 * self.cpu_seconds / max(self.delivered, 1)

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form (--json)."""
        return {
            "persons": self.persons,
            "database": self.database,
            "python": sys.version.split()[0],
            "load_average": round(self.load_average, 2),
            "setup_seconds": round(self.setup_seconds, 3),
            "queue_seconds": round(self.queue_seconds, 3),
            "queued": self.queued,
            "drain_seconds": round(self.drain_seconds, 3),
            "delivered": self.delivered,
            "messages_per_second": round(self.rate, 2),
            "ceiling": CEILING,
            "ratio": round(self.ratio, 3),
            "aim": AIM,
            "refused_429": self.refused,
            "requests": self.requests,
            "peak_per_second": self.peak,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "left_in_outbox": self.left,
            "cpu_ms_per_message": round(self.cpu_ms_per_message, 2),
            "latency": self.latency,
        }


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + SEED_CHUNK] for i in range(0, len(rows), SEED_CHUNK)]


async def seed(url: str, users: list[int], now: datetime) -> None:
    """Migrate, then write one headquarters whose N persons (bound to `users`) are each due one
    task in YM; bulk INSERTs, the rows the importer would have written."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session:
            connection = await session.connection()

            async def ids(model: Any, rows: list[dict[str, Any]]) -> list[int]:
                """Insert rows in chunks; their new ids in the order given."""
                found: list[int] = []
                for chunk in _chunks(rows):
                    query = insert(model).returning(model.id, sort_by_parameter_order=True)
                    found += (await connection.execute(query, chunk)).scalars().all()
                return found

            (hq_id,) = await ids(Headquarters, [{"name": "基准测试指挥部", "created_at": now}])
            groups = await ids(WorkingGroup, [
                {"hq_id": hq_id, "name": f"第{g + 1}工作组", "position": g} for g in range(GROUPS)
            ])  # fmt: skip
            units = await ids(Unit, [{"name": f"基准单位{u + 1}", "created_at": now}
                                     for u in range(UNITS)])  # fmt: skip
            persons = await ids(Person, [
                {"name": f"填报人{n + 1}", "unit_id": units[n % UNITS], "telegram_user_id": user,
                 "bound_at": now, "reachable": True, "created_at": now}
                for n, user in enumerate(users)
            ])  # fmt: skip
            tasks = await ids(Task, [
                {"hq_id": hq_id, "plan_year": YM // 100, "number": n + 1,
                 "group_id": groups[n % GROUPS], "name": f"基准任务{n + 1}",
                 "status": "active", "created_at": now, "updated_at": now}
                for n in range(len(users))
            ])  # fmt: skip
            year = YM // 100
            stages = await ids(Stage, [
                {"task_id": task, "seq": 1, "content": f"任务{n + 1}：全年推进，按月报告进展。",
                 "start_ym": year * 100 + 1, "end_ym": year * 100 + 12, "period_text": "1-12 月",
                 "active": True}
                for n, task in enumerate(tasks)
            ])  # fmt: skip
            await ids(Assignment, [
                {"stage_id": stage, "unit_id": units[n % UNITS], "person_id": person,
                 "position": 0}
                for n, (stage, person) in enumerate(zip(stages, persons, strict=True))
            ])  # fmt: skip
            await session.commit()
    finally:
        await engine.dispose()


async def create_persons(tg: EmulatorClient, persons: int) -> list[int]:
    """N emulator users, each having sent /start to the bot (so it may write to them)."""
    gate = asyncio.Semaphore(USERS_IN_FLIGHT)

    async def one(n: int) -> int:
        async with gate:
            user = await tg.create_user(f"填报人{n}", language_code="zh")
            await tg.send_command(user["id"], "start", bot=HQBOT)
            return int(user["id"])

    return list(await asyncio.gather(*(one(n) for n in range(1, persons + 1))))


def count_messages(world: World, users: list[int]) -> Counter[int]:
    """The bot's messages in each person's private chat."""
    bot = world.find_bot(HQBOT)
    counts: Counter[int] = Counter()
    for user_id in users:
        chat = world.chat_view(bot, user_id)
        counts[user_id] = sum(m.sender.id == bot.id for m in chat.messages) if chat else 0
    return counts


def peak_per_second(stamps: list[float]) -> int:
    """The most stamps in any window of one second."""
    ordered = sorted(stamps)
    return max((bisect.bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


async def run(*, persons: int = 5000, database: str | None = None, latency: float = 0.0) -> Report:
    """Build the month, open it, queue the asks and time their delivery under the limits;
    with `latency`, the emulator holds each sendMessage that long (a distant Telegram)."""
    if persons < 1:
        raise ValueError("need at least one person")
    opens_at = month_schedule(YM, CycleSettings(), TIMEZONE).opens_at
    # ManualClock's `tz` is typed Optional, which mypy will not match to Clock's `tz`
    clock = cast(Clock, ManualClock(opens_at))
    with tempfile.TemporaryDirectory(prefix="hqbot-broadcast-") as tmp:
        url = normalize_database_url(database or f"sqlite:///{tmp}/hqbot.db")
        server = EmulatorServer()
        await server.start()
        engine = create_engine(url)
        try:
            async with EmulatorClient(server.url) as tg:
                t0 = time.perf_counter()
                token = (await tg.create_bot(HQBOT, "hqbot"))["token"]
                admin = await tg.create_user("Office", "Admin", language_code="zh")
                # room for every call in the request log (it keeps the newest only)
                await tg.set_settings(max_log_entries=10 * persons + 10_000)
                users = await create_persons(tg, persons)
                await seed(url, users, opens_at.astimezone(UTC))
                await tg.set_rate_limits(
                    True, global_per_second=CEILING, private_per_second=PRIVATE_PER_SECOND,
                    group_per_minute=GROUP_PER_MINUTE,
                )  # fmt: skip
                if latency > 0:  # every sendMessage, before it is counted against the limits
                    await tg.inject_fault("hang", method="sendMessage", count=0, delay=latency)
                await tg.clear_requests_log()
                setup = time.perf_counter() - t0
                settings = Settings(
                    telegram={"token": token, "base_url": server.url, "admins": [admin["id"]]},
                    app={"language": "zh"},
                )
                application = build_application(
                    settings, clock=clock, sessions=session_factory(engine), rate_limit=True
                )
                deps = deps_of(application)
                async with application:
                    await application.start()
                    try:
                        load = os.getloadavg()[0]
                        t1 = time.perf_counter()
                        async with deps.sessions() as session:
                            hq = (await session.exec(select(Headquarters))).one()
                            assert hq.id is not None
                            opened = await open_month(
                                session, hq_id=hq.id, ym=YM, due_on=due_on(YM, CycleSettings()),
                                now=clock.now(), by=None,
                            )  # fmt: skip
                            if opened.kind is not MonthOpenKind.opened or opened.cycle is None:
                                raise RuntimeError(f"the month did not open: {opened.kind}")
                            tally = await month.queue_asks(deps, session, opened.cycle, clock.now())
                        queued = time.perf_counter() - t1
                        t2, cpu0 = time.perf_counter(), time.process_time()
                        await sender_of(application).drain()
                        drained = time.perf_counter() - t2
                        cpu = time.process_time() - cpu0
                    finally:
                        await application.stop()
                async with deps.sessions() as session:
                    statuses = (await session.exec(select(OutboxMessage.status))).all()
                left = sum(s != OutboxStatus.sent for s in statuses)
                world = server.world
                counts = count_messages(world, users)
                sends = [e for e in world.request_log if e["method"] == "sendMessage"]
                accepted = [float(e["time"]) for e in sends if e["status"] == 200]
                return Report(
                    persons=persons,
                    database=url.split(":", 1)[0].split("+", 1)[0],
                    setup_seconds=setup,
                    queue_seconds=queued,
                    queued=tally.queued,
                    drain_seconds=drained,
                    delivered=sum(counts.values()),
                    lost=sum(c == 0 for c in counts.values()),
                    duplicated=sum(max(c - 1, 0) for c in counts.values()),
                    refused=sum(e["status"] == 429 for e in world.request_log),
                    requests=len(sends),
                    peak=peak_per_second(accepted),
                    left=left,
                    cpu_seconds=cpu,
                    latency=latency,
                    load_average=load,
                )
        finally:
            await engine.dispose()
            await server.stop()


def print_table(report: Report, console: Console | None = None) -> None:
    """The human-readable summary (rich)."""
    console = console or Console()
    held = f", each send held {1000 * report.latency:g} ms" if report.latency else ""
    table = Table(
        title=f"Open of {report.persons} persons, emulator limits on "
        f"({CEILING}/s, {PRIVATE_PER_SECOND}/s a chat, {GROUP_PER_MINUTE}/min a group){held}"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    verdict = "meets" if report.ratio >= AIM else "below"
    rows = [
        ("database", report.database),
        ("setup (accounts, database)", f"{report.setup_seconds:.1f} s"),
        ("queue the asks", f"{report.queue_seconds:.2f} s ({report.queued} queued)"),
        ("drain (delivery)", f"{report.drain_seconds:.2f} s"),
        ("delivered", str(report.delivered)),
        ("messages/s", f"{report.rate:.2f}"),
        (f"ratio to {CEILING}/s", f"{report.ratio:.3f} ({verdict} the aim of {AIM})"),
        ("peak in any 1 s", str(report.peak)),
        ("429 answers", str(report.refused)),
        ("sendMessage calls", str(report.requests)),
        ("lost", str(report.lost)),
        ("duplicated", str(report.duplicated)),
        ("left in the outbox", str(report.left)),
        ("CPU per message (bot + emulator)", f"{report.cpu_ms_per_message:.1f} ms"),
        ("load average at start", f"{report.load_average:.2f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


async def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=5000, help="persons due an ask")
    parser.add_argument(
        "--db", default=None, help="a new, empty database URL (default: a temporary SQLite file)"
    )
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the emulator holds each sendMessage (default 0)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    report = await run(persons=args.persons, database=args.db, latency=args.latency)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_table(report)
        print(json.dumps(report.as_json(), ensure_ascii=False))


if __name__ == "__main__":
    asyncio.run(main())
