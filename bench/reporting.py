"""Answer latency of the monthly report: N persons answer at once, step by step.

`hqbot run` (a subprocess, rate limiter off unless --rate-limit) runs on a database with a
generated task list of N one-stage tasks, each with its own responsible person, all bound; this
month (by the wall clock) is open. Each person sends /report (not timed: it opens their draft at
the status question); then, round by round, all N answer at once — 状态 (a button), 本月工作进展,
存在问题, 下阶段工作目标, the metric (texts), 完成 (no evidence) and 提交 (buttons) — and the bench
waits for every next question before the next round. Timed per answer: from the emulator's
receipt of the person's message or button press to its receipt of the bot's next message in that
chat. Reported: count, median, p95 and max per round and overall, and the bot process's CPU
time over the rounds. A measurement, not a test.

Usage: .venv/bin/python -m bench.reporting [--persons 50] [--database URL] [--rate-limit] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from bench.import_rows import GROUPS, HEADER
from bench.processes import Child, cpu_seconds, start_hqbot, wait_polling, write_hqbot_config
from bench.seed import seed_database
from bot.config import CycleSettings, normalize_database_url
from models.database import create_engine, session_factory
from sandbox.emulator import EmulatorClient, EmulatorServer
from sandbox.emulator.state import Message, World
from services.clock import SystemClock
from services.hq import resolve_hq
from services.reporting.cycles import open_cycle, this_month

HQBOT = "hqbot"
TIMEZONE = "Asia/Shanghai"  # the configuration's default zone, which the bot's clock uses
SETUP_IN_FLIGHT = 8  # /report sends in flight at once while opening the drafts (not timed)
ROUND_TIMEOUT = 600.0  # seconds to wait for a round's last reply
FIRST_QUESTION = "任务状态"


class Kind(StrEnum):
    """How a person answers a step."""

    text = "text"
    button = "button"


@dataclass(frozen=True)
class Round:
    """One step every person answers at once, and what the bot must ask next."""

    name: str
    kind: Kind
    answer: str  # the text sent, or (part of) the pressed button's label
    expect: str  # a phrase of the bot's next message


ROUNDS = [
    Round("status", Kind.button, "按计划推进", "本月工作进展"),
    Round("progress", Kind.text, "主体工程完工，进入设备安装调试阶段", "存在问题"),
    Round("problems", Kind.text, "部分进口设备清关较慢，需指挥部协调海关", "下阶段工作目标"),
    Round("goal", Kind.text, "完成设备安装调试，启动试运营", "累计完成投资"),
    Round("metric", Kind.text, "3,200万", "佐证材料"),
    Round("evidence", Kind.button, "完成", "请核对后提交"),
    Round("submit", Kind.button, "提交", "已提交"),
]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at or above `share` of them."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class Latencies:
    """Seconds from answers reaching the emulator to the bot's next question."""

    name: str
    kind: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """Median latency."""
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        """95th percentile (nearest rank)."""
        return percentile(self.seconds, 0.95)

    @property
    def max(self) -> float:
        """Longest latency."""
        return max(self.seconds)

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form, milliseconds."""
        return {
            "kind": self.kind,
            "count": len(self.seconds),
            "median_ms": round(1000 * self.median, 1),
            "p95_ms": round(1000 * self.p95, 1),
            "max_ms": round(1000 * self.max, 1),
        }


@dataclass(frozen=True)
class Report:
    """The run's parameters, each round's latencies and the bot's CPU time."""

    persons: int
    database: str
    rate_limit: bool
    spread: float  # seconds over which a round's answers are sent (0: all at once)
    load_average: float
    rounds: list[Latencies]
    cpu_seconds: float
    wall_seconds: float
    errors: int  # ERROR lines in the bot's log

    @property
    def overall(self) -> Latencies:
        """Every answer of every round."""
        return Latencies("all", "any", [s for r in self.rounds for s in r.seconds])

    @property
    def cpu_ms_per_answer(self) -> float:
        """The bot's CPU milliseconds per answer."""
        return 1000 * self.cpu_seconds / max(len(self.overall.seconds), 1)

    def as_json(self) -> dict[str, Any]:
        """Machine-readable form (--json)."""
        return {
            "persons": self.persons,
            "database": self.database,
            "rate_limit": self.rate_limit,
            "spread": self.spread,
            "load_average": round(self.load_average, 2),
            "python": sys.version.split()[0],
            "rounds": {r.name: r.as_json() for r in self.rounds},
            "overall": self.overall.as_json(),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "cpu_ms_per_answer": round(self.cpu_ms_per_answer, 2),
            "wall_seconds": round(self.wall_seconds, 3),
            "errors": self.errors,
        }


def build_task_list(persons: int) -> bytes:
    """A task list of `persons` one-stage tasks (1-12 月, an annual investment, so a metric step),
    each with its own responsible person."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("任务清单")
    ws.append(["附件2"])
    ws.append(["填报基准测试任务清单"])
    ws.append(HEADER)
    for n in range(1, persons + 1):
        content = f"任务{n}的具体内容，年度投资 {n % 900 + 100} 万元。"
        ws.append([n, GROUPS[n % len(GROUPS)], f"项目{n}", content, "1-12 月", f"第{n % 20}街道",
                   f"责任人{n}"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def open_month(url: str, ym: int, now: Any) -> None:
    """Open the month for reporting in the database (what `/cycle open` does, minus the asks)."""
    engine = create_engine(normalize_database_url(url))
    try:
        async with session_factory(engine)() as session:
            hq = (await resolve_hq(session, None)).hq
            assert hq is not None and hq.id is not None
            await open_cycle(session, hq_id=hq.id, ym=ym, due_day=CycleSettings().due_day,
                             now=now, by=None)  # fmt: skip
    finally:
        await engine.dispose()


def bot_messages_after(world: World, user_id: int, after: int) -> list[Message]:
    """The bot's messages in a person's chat newer than message `after`."""
    bot = world.find_bot(HQBOT)
    chat = world.chat_view(bot, user_id)
    if chat is None:
        return []
    return [m for m in chat.messages if m.sender.id == bot.id and m.message_id > after]


def newest_id(world: World, user_id: int) -> int:
    """The newest message id in a person's chat (either direction)."""
    chat = world.chat_view(world.find_bot(HQBOT), user_id)
    return chat.messages[-1].message_id if chat and chat.messages else 0


async def wait_replies(world: World, marks: dict[int, int], child: Child) -> dict[int, Message]:
    """Each person's first bot message after their mark; fail on timeout or if the bot died."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ROUND_TIMEOUT
    while True:
        replies = {}
        for user_id, mark in marks.items():
            found = bot_messages_after(world, user_id, mark)
            if found:
                replies[user_id] = found[0]
        if len(replies) == len(marks):
            return replies
        remaining = deadline - loop.time()
        if remaining <= 0 or child.proc.returncode is not None:
            raise RuntimeError(
                f"{len(replies)} of {len(marks)} replies; log tail:\n{child.log[-3000:]}"
            )
        await world.changed.wait(min(remaining, 1.0))


def _expect(replies: dict[int, Message], phrase: str) -> None:
    for user_id, message in replies.items():
        if phrase not in (message.text or ""):
            raise RuntimeError(f"user {user_id}: expected {phrase!r}, got:\n{message.text}")


def _button_data(message: Message, label: str) -> str:
    buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
    found = [b for b in buttons if label in b.get("text", "")]
    if len(found) != 1:
        raise RuntimeError(f"no single button {label!r} under:\n{message.text}\n{buttons}")
    return str(found[0]["callback_data"])


async def open_drafts(world: World, tg: EmulatorClient, users: list[int], child: Child) -> None:
    """Each person sends /report and gets their task's status question (not timed)."""
    marks = {u: newest_id(world, u) for u in users}
    gate = asyncio.Semaphore(SETUP_IN_FLIGHT)

    async def one(user_id: int) -> None:
        async with gate:
            await tg.send_command(user_id, "report", bot=HQBOT)

    await asyncio.gather(*(one(u) for u in users))
    _expect(await wait_replies(world, marks, child), FIRST_QUESTION)


async def answer_round(
    world: World, tg: EmulatorClient, users: list[int], child: Child, step: Round,
    spread: float = 0.0,
) -> Latencies:  # fmt: skip
    """Everyone answers the question in front of them at once (or evenly over `spread`
    seconds); time each next question."""
    marks = {u: newest_id(world, u) for u in users}
    questions = {u: bot_messages_after(world, u, marks[u] - 1)[0] for u in users}
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def one(index: int, user_id: int) -> float:
        """Send the answer (at its turn); return when the emulator received it."""
        if spread:
            await asyncio.sleep(max(start + index * spread / len(users) - loop.time(), 0))
        if step.kind is Kind.text:
            sent = await tg.send_text(user_id, step.answer, bot=HQBOT)
            return float(sent["created"])
        question = questions[user_id]
        data = _button_data(question, step.answer)
        pressed = await tg.press_button(user_id, user_id, question.message_id, data=data,
                                        bot=HQBOT)  # fmt: skip
        return world.callbacks[pressed["callback_query_id"]].created

    received = await asyncio.gather(*(one(i, u) for i, u in enumerate(users)))
    replies = await wait_replies(world, marks, child)
    _expect(replies, step.expect)
    seconds = [replies[u].created - at for u, at in zip(users, received, strict=True)]
    return Latencies(step.name, step.kind.value, seconds)


async def start_profiler(pid: int, output: Path) -> asyncio.subprocess.Process:
    """py-spy sampling the bot (all threads, idle frames left out) into collapsed stacks."""
    return await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "250",
        "--output", str(output), "--threads", "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def stop_profiler(profiler: asyncio.subprocess.Process) -> None:
    """Stop py-spy; it writes its file on SIGINT."""
    profiler.send_signal(signal.SIGINT)
    await profiler.wait()


async def run(
    *,
    persons: int = 50,
    database: str | None = None,
    rate_limit: bool = False,
    spread: float = 0.0,
    profile: Path | None = None,
) -> Report:
    """Start the emulator and hqbot, open every person's draft, then time the rounds."""
    if persons < 1:
        raise ValueError("need at least one person")
    now = SystemClock(TIMEZONE).now()
    with tempfile.TemporaryDirectory(prefix="hqbot-bench-") as tmp:
        tasks = Path(tmp) / "bench-tasks.xlsx"
        tasks.write_bytes(build_task_list(persons))
        server = EmulatorServer()
        await server.start()
        child: Child | None = None
        try:
            async with EmulatorClient(server.url) as tg:
                token = (await tg.create_bot(HQBOT, "hqbot"))["token"]
                admin = await tg.create_user("Office", "Admin", language_code="zh")
                users = [
                    (await tg.create_user(f"填报人{i}", language_code="zh"))["id"]
                    for i in range(1, persons + 1)
                ]
                url = database or f"sqlite:///{tmp}/hqbot.db"
                bound = await seed_database(url, tasks=tasks, plan_year=now.year, bind=users)
                if bound != persons:
                    raise RuntimeError(f"bound {bound} of {persons} persons")
                await open_month(url, this_month(now), now)
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
                world = server.world
                load = os.getloadavg()[0]
                await open_drafts(world, tg, users, child)
                profiler = await start_profiler(child.pid, profile) if profile else None
                cpu0, t0 = cpu_seconds(child.pid), time.perf_counter()
                rounds = [
                    await answer_round(world, tg, users, child, step, spread) for step in ROUNDS
                ]
                wall, cpu = time.perf_counter() - t0, cpu_seconds(child.pid) - cpu0
                if profiler is not None:
                    await stop_profiler(profiler)
                code = await child.stop()
                if code != 0:
                    raise RuntimeError(f"hqbot exited {code}:\n{child.log[-3000:]}")
                errors = sum(" ERROR " in line for line in child.stderr_lines)
                backend = url.split(":", 1)[0].split("+", 1)[0]
                return Report(persons, backend, rate_limit, spread, load, rounds, cpu, wall,
                              errors)  # fmt: skip
        finally:
            if child is not None:
                await child.stop()
            await server.stop()


def print_table(report: Report) -> None:
    """The human-readable summary."""
    when = f"over {report.spread:g} s" if report.spread else "at once"
    print(
        f"{report.persons} persons answering {when}, {len(report.rounds)} rounds; database "
        f"{report.database}; rate limiter {'on' if report.rate_limit else 'off'}; "
        f"python {sys.version.split()[0]}; load average {report.load_average:.2f} at start"
    )
    print(f"{'round':<10}{'kind':<8}{'answers':>8}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for r in [*report.rounds, report.overall]:
        print(
            f"{r.name:<10}{r.kind:<8}{len(r.seconds):>8}{1000 * r.median:>11.0f}"
            f"{1000 * r.p95:>9.0f}{1000 * r.max:>9.0f}"
        )
    print(
        f"hqbot CPU {report.cpu_seconds:.2f} s over {report.wall_seconds:.2f} s of rounds, "
        f"{report.cpu_ms_per_answer:.1f} ms per answer"
        + (f"; {report.errors} ERROR lines in its log" if report.errors else "")
    )


async def main() -> None:
    """Parse the command line, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=50, help="persons answering at once")
    parser.add_argument("--database", default=None, help="hqbot's database (default: temp SQLite)")
    parser.add_argument("--rate-limit", action="store_true", help="telegram.rate_limit = true")
    parser.add_argument("--spread", type=float, default=0.0,
                        help="send each round's answers evenly over this many seconds")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--py-spy", type=Path, default=None, metavar="FILE",
                        help="py-spy the bot during the rounds (collapsed stacks)")  # fmt: skip
    args = parser.parse_args()
    report = await run(persons=args.persons, database=args.database, rate_limit=args.rate_limit,
                       spread=args.spread, profile=args.py_spy)  # fmt: skip
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    asyncio.run(main())
