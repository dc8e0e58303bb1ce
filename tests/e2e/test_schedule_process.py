"""The month runs itself: the real `hqbot run`, its system clock moved by faketime, against the
emulator (issue 9's end-to-end acceptance).

November 2021 under the default schedule: the 20th is a Saturday, so the month opens on
Monday the 22nd at 09:00; reminders on the 23rd and the 25th (the due day) at 09:00. The bot
ticks once at start and then every minute; its log says when a tick is done and what it did.

Persons are bound by writing their Telegram id to the database, and their private chats with
the bot exist already (they pressed Start long ago); binding itself is tested elsewhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from models import Cycle, Person
from models.database import SessionFactory
from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.reporting import Ask, ReportStatus
from models.schedule import CycleRun
from sandbox.emulator import EmulatorClient, EmulatorServer
from services import importer
from services.clock import ManualClock
from services.due import due_in
from services.reporting.answers import Answers
from services.reporting.cycles import cycle_of
from services.reporting.reports import submit_report
from tests.botflow import import_seed
from tests.e2e.harness import (
    BotProcess,
    open_private_chats,
    start_polling,
    until,
    write_config,
)
from tests.reporting.helpers import the_hq
from tests.tasklist.helpers import task_sheet

BOT = "hqbot"
BROADCAST_TIMEOUT = 120.0  # 500 asks at 28 a second take about 18 s
TICK = re.compile(r"month tick done: (\d+) runs, (\d+) asks queued")
UNBOUND = "林武星"  # due in November 2021, never bound
DONE = "林嵩"  # due for task 3 only; reports it before the first reminder
HALF = "张玉珍"  # due for tasks 1 and 2; reports task 1 only


@dataclass
class Scene:
    """The emulator, the bot's config, the test database and the processes started."""

    server: EmulatorServer
    tg: EmulatorClient
    sessions: SessionFactory
    config: Path
    token: str
    admin: int
    started: list[BotProcess] = field(default_factory=list)

    async def start(self, at: datetime) -> BotProcess:
        """`hqbot run` with its clock at `at` (Shanghai), once it polls for updates."""
        bot = await start_polling(self.server, self.config, self.token, at=at)
        self.started.append(bot)
        return bot

    def messages(self, chat_id: int) -> list[str]:
        """The texts the bot sent to a private chat, oldest first."""
        world = self.server.world
        account = world.bots[self.token]
        chat = account.private_chats.get(chat_id)
        if chat is None:
            return []
        return [m.text or "" for m in chat.messages if m.sender.id == account.id]

    def kinds(self, chat_id: int) -> list[str]:
        """What each bot message in a chat was: ask, remind or other."""
        return [_kind(text) for text in self.messages(chat_id)]

    def sends_since(self, seq: int) -> list[dict[str, Any]]:
        """sendMessage calls the emulator logged after `seq`."""
        log = self.server.world.request_log
        return [e for e in log if e["seq"] > seq and e["method"] == "sendMessage"]

    def last_seq(self) -> int:
        """The newest request-log entry's number."""
        log = self.server.world.request_log
        return log[-1]["seq"] if log else 0


def _kind(text: str) -> str:
    head = text.split("\n", 1)[0]
    if head.endswith("工作进展填报提醒"):
        return "remind"
    if head.endswith("工作进展填报"):
        return "ask"
    return "other"


@pytest.fixture
async def scene(
    emulator: EmulatorServer,
    tg: EmulatorClient,
    admin: dict,
    sessions: SessionFactory,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Scene]:
    """The bot registered and configured; every process started is stopped after the test."""
    registered = await tg.create_bot(BOT, "指挥部调度助手")
    config = write_config(tmp_path, token=registered["token"], base_url=emulator.url,
                          database_url=database_url, admins=[admin["id"]])  # fmt: skip
    found = Scene(emulator, tg, sessions, config, registered["token"], admin["id"])
    open_private_chats(emulator, registered["token"], [admin["id"]])
    try:
        yield found
    finally:
        for n, bot in enumerate(found.started, start=1):
            if bot.proc.returncode is None:
                await bot.kill()
            (tmp_path / f"bot-{n}.log").write_text(bot.log)
        print(f"bot logs: {tmp_path}/bot-N.log")  # shown by pytest only when the test failed


async def _ticked(bot: BotProcess) -> tuple[int, int]:
    """Wait for the bot's first tick to be done: (runs done, asks queued)."""
    match = TICK.search(await bot.wait_for_log("month tick done"))
    assert match is not None
    return int(match.group(1)), int(match.group(2))


async def _bind(scene: Scene, names: list[str]) -> dict[str, int]:
    """An emulator account for each named person, bound to them; name -> Telegram id."""
    users = {}
    for name in names:
        users[name] = (await scene.tg.create_user(name, language_code="zh"))["id"]
    open_private_chats(scene.server, scene.token, list(users.values()))
    async with scene.sessions() as session:
        persons = (await session.exec(select(Person).where(col(Person.name).in_(names)))).all()
        assert len(persons) == len(names)
        for person in persons:
            person.telegram_user_id = users[person.name]
            session.add(person)
        await session.commit()
    return users


async def _due_names(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        hq = await the_hq(session)
        return sorted({d.person_name for d in await due_in(session, hq.id or 0, 202111)})


async def _seed_sample(scene: Scene) -> dict[str, int]:
    """The seed task list; every person due in November 2021 bound, but 林武星."""
    await import_seed(scene.sessions, ManualClock(datetime(2021, 11, 1, 9, 0), tz="Asia/Shanghai"))
    names = await _due_names(scene.sessions)
    assert len(names) == 16 and UNBOUND in names
    return await _bind(scene, [n for n in names if n != UNBOUND])


async def _seed_many(scene: Scene, n: int) -> dict[str, int]:
    """A task list of `n` tasks running all year, each with its own responsible person (all
    bound), in the office's 附件2 layout, imported as an admin's upload would be."""
    rows: list[list[object]] = [
        [k, "专项推进组", f"专项任务{k:03d}", f"第{k}项工作内容", "1-12 月", f"责任单位{k:03d}",
         f"责任人{k:03d}"]
        for k in range(1, n + 1)
    ]  # fmt: skip
    parsed = importer.parse_upload(task_sheet(rows), "专项任务清单.xlsx", 2021)
    async with scene.sessions() as session:
        result = await importer.apply_upload(
            session, "专项推进指挥部", parsed, now=datetime.fromisoformat("2021-11-01T09:00+08:00")
        )
    assert result.applied, result.problems
    return await _bind(scene, [f"责任人{k:03d}" for k in range(1, n + 1)])


async def _outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


async def _runs(sessions: SessionFactory) -> list[tuple[int, str, int]]:
    """Every run done: (month, kind, n)."""
    async with sessions() as session:
        rows = await session.exec(
            select(Cycle.ym, CycleRun.kind, CycleRun.n).join(
                Cycle, col(Cycle.id) == CycleRun.cycle_id
            )
        )
        return sorted(rows.all())


async def _report(sessions: SessionFactory, name: str, numbers: set[int]) -> None:
    """The person submits these tasks of November (as the chat or the workbook would)."""
    async with sessions() as session:
        hq = await the_hq(session)
        cycle = await cycle_of(session, hq.id or 0, 202111)
        assert cycle is not None
        due = [d for d in await due_in(session, hq.id or 0, 202111)
               if d.person_name == name and d.task_number in numbers]  # fmt: skip
        assert {d.task_number for d in due} == numbers
        for stage in due:
            await submit_report(
                session, cycle=cycle, stage_id=stage.stage_id, person_id=stage.person_id,
                filler_id=stage.person_id, answers=Answers(status=ReportStatus.on_track,
                progress=f"{name}：序号{stage.task_number}按计划推进"), via="chat",
                now=datetime.fromisoformat("2021-11-22T16:00+08:00"),
            )  # fmt: skip


def _everyone_has(scene: Scene, users: dict[str, int], kind: str) -> Callable[[], bool]:
    return lambda: all(kind in scene.kinds(uid) for uid in users.values())


async def test_opens_on_the_open_day_asks_once_and_reminds_only_the_missing(
    scene: Scene,
) -> None:
    users = await _seed_sample(scene)

    # Saturday 2021-11-20 09:05: the open day falls on a weekend and moves to Monday
    bot = await scene.start(datetime(2021, 11, 20, 9, 5))
    assert await _ticked(bot) == (0, 0)
    assert await bot.stop() == 0
    assert await _runs(scene.sessions) == [] and await _outbox(scene.sessions) == []

    # Monday 2021-11-22 09:05: the month opens, every bound due person is asked once
    bot = await scene.start(datetime(2021, 11, 22, 9, 5))
    assert (await _ticked(bot))[0] == 1
    for uid in users.values():
        ask = await scene.tg.wait_for_message(uid, timeout=30)
        assert ask["text"].startswith("构建对外开放新高地项目指挥部 · 2021年11月工作进展填报")
        assert "请于11月25日前报送" in ask["text"]
    notice = await scene.tg.wait_for_message(scene.admin, timeout=30)
    assert "2021年11月填报已按计划开启" in notice["text"]
    assert "向 15 人发出填报通知；1 人尚未绑定账号" in notice["text"]
    assert await bot.stop() == 0
    assert {name: scene.kinds(uid) for name, uid in users.items()} == {
        name: ["ask"] for name in users
    }
    assert await _runs(scene.sessions) == [(202111, "open", 0)]
    sent = await _outbox(scene.sessions)
    assert {r.status for r in sent} == {OutboxStatus.sent} and len(sent) == 16  # 15 + notice

    # 09:10, restarted: the tick finds nothing owed and sends nothing
    since = scene.last_seq()
    bot = await scene.start(datetime(2021, 11, 22, 9, 10))
    assert await _ticked(bot) == (0, 0)
    assert [(r.id, r.status) for r in await _outbox(scene.sessions)] == [
        (r.id, r.status) for r in sent
    ]  # nothing queued, so nothing is left to send
    assert await bot.stop() == 0
    assert scene.sends_since(since) == []

    # Tuesday 2021-11-23 09:05 (two working days before the 25th): only the missing
    await _report(scene.sessions, DONE, {3})
    await _report(scene.sessions, HALF, {1})
    bot = await scene.start(datetime(2021, 11, 23, 9, 5))
    assert (await _ticked(bot))[0] == 1
    reminded = {name: uid for name, uid in users.items() if name != DONE}
    await until(scene.server, _everyone_has(scene, reminded, "remind"))
    assert await bot.stop() == 0
    assert scene.kinds(users[DONE]) == ["ask"]
    assert {name: scene.kinds(uid) for name, uid in reminded.items()} == {
        name: ["ask", "remind"] for name in reminded
    }
    half = scene.messages(users[HALF])[-1]
    assert "您还有 1 项未提交" in half and "· 2. 新建开元寺" in half and "· 1. " not in half
    assert "本月第 1 次提醒（最多 3 次）" in half
    assert await _runs(scene.sessions) == [(202111, "open", 0), (202111, "remind", 1)]
    assert all(r.status == OutboxStatus.sent for r in await _outbox(scene.sessions))
    assert all("Traceback" not in bot.log for bot in scene.started)


async def test_down_from_the_19th_to_the_22nd_opens_once_on_return(scene: Scene) -> None:
    users = await _seed_sample(scene)
    bot = await scene.start(datetime(2021, 11, 19, 10, 0))  # Friday: before the open
    assert await _ticked(bot) == (0, 0)
    assert await bot.stop() == 0
    assert await _runs(scene.sessions) == []

    # down over the weekend and Monday 09:00; back at 10:00
    bot = await scene.start(datetime(2021, 11, 22, 10, 0))
    assert (await _ticked(bot))[0] == 1
    await until(scene.server, _everyone_has(scene, users, "ask"))
    await scene.tg.wait_for_message(scene.admin, timeout=30)
    assert await bot.stop() == 0

    since = scene.last_seq()
    bot = await scene.start(datetime(2021, 11, 22, 10, 5))  # started again: nothing twice
    assert await _ticked(bot) == (0, 0)
    assert await bot.stop() == 0
    assert scene.sends_since(since) == []

    assert {name: scene.kinds(uid) for name, uid in users.items()} == {
        name: ["ask"] for name in users
    }
    assert scene.kinds(scene.admin) == ["other"]  # the one "opened" notice
    async with scene.sessions() as session:
        cycles = (await session.exec(select(Cycle))).all()
        asks = (await session.exec(select(Ask))).all()
    assert [(c.ym, c.status) for c in cycles] == [(202111, "open")]
    back = datetime.fromisoformat("2021-11-22T10:00+08:00")
    assert back <= cycles[0].opened_at < back + timedelta(minutes=1)  # opened on return
    assert await _runs(scene.sessions) == [(202111, "open", 0)]
    assert len(asks) == 16 and sum(a.sent_at is not None for a in asks) == 15


OPEN_DAY = datetime(2021, 11, 22, 9, 5)  # Monday, five minutes after the month opened
MANY = 500


def _asks_in_all(scene: Scene, users: dict[str, int]) -> Callable[[], bool]:
    return _everyone_has(scene, users, "ask")


def _ask_counts(scene: Scene, users: dict[str, int]) -> Counter[int]:
    """How many asks each person's chat holds (keyed by Telegram id)."""
    return Counter({uid: scene.kinds(uid).count("ask") for uid in users.values()})


def _statuses(scene: Scene) -> Counter[int]:
    """The HTTP statuses of every sendMessage the emulator answered."""
    return Counter(e["status"] for e in scene.sends_since(0))


async def _all_asks_sent(sessions: SessionFactory, n: int) -> None:
    """The database agrees: n asks, each recorded as sent with its message id."""
    rows = [r for r in await _outbox(sessions) if r.kind == OutboxKind.ask]
    assert len(rows) == n
    assert all(r.status == OutboxStatus.sent and r.message_id for r in rows)
    async with sessions() as session:
        asks = (await session.exec(select(Ask))).all()
    assert len(asks) == n and all(a.sent_at is not None and a.message_id for a in asks)


async def test_500_asks_within_telegrams_limits_none_refused_none_twice(scene: Scene) -> None:
    users = await _seed_many(scene, MANY)
    await scene.tg.set_rate_limits(True, global_per_second=30, private_per_second=1,
                                   group_per_minute=20)  # fmt: skip
    bot = await scene.start(OPEN_DAY)
    await until(scene.server, _asks_in_all(scene, users), BROADCAST_TIMEOUT)
    notice = await scene.tg.wait_for_message(scene.admin, timeout=30)
    assert f"向 {MANY} 人发出填报通知" in notice["text"]
    assert await bot.stop() == 0

    assert set(_ask_counts(scene, users).values()) == {1}
    assert _statuses(scene) == {200: MANY + 1}  # the asks and the notice: not one 429
    await _all_asks_sent(scene.sessions, MANY)
    chats = scene.server.world.bots[scene.token].private_chats
    sent = sorted(m.created for uid in users.values() for m in chats[uid].messages)
    rate = (MANY - 1) / (sent[-1] - sent[0])
    print(f"{MANY} asks at {rate:.1f} messages/s (Telegram allows 30)")


async def test_faults_lose_nothing_and_duplicate_only_what_reached_the_chat(
    scene: Scene,
) -> None:
    users = await _seed_many(scene, 100)
    faults: list[dict[str, Any]] = [  # tried in this order on every sendMessage
        {"kind": "error", "status": 502, "probability": 0.05, "seed": 1},
        {"kind": "error", "status": 500, "probability": 0.03, "seed": 2},
        {"kind": "error", "status": 503, "probability": 0.02, "seed": 3},
        {"kind": "drop", "phase": "before", "probability": 0.03, "seed": 4},  # reset, not sent
        {"kind": "drop", "phase": "after", "probability": 0.03, "seed": 5},  # reset, but sent
        # a read timeout (PTB waits 5 s); Telegram may deliver what timed out: this does
        {"kind": "hang", "delay": 7.0, "probability": 0.03, "seed": 6, "count": 2},
    ]
    for fault in faults:
        await scene.tg.inject_fault(method="sendMessage", **{"count": 0, **fault})
    await scene.tg.set_rate_limits(True, global_per_second=30, private_per_second=1,
                                   group_per_minute=20)  # fmt: skip
    bot = await scene.start(OPEN_DAY)
    await until(scene.server, _asks_in_all(scene, users), BROADCAST_TIMEOUT)
    assert await bot.stop(timeout=30) == 0

    hit = Counter((e["fault"], e["fault_phase"]) for e in scene.sends_since(0) if e["fault"])
    assert hit[("error", "before")] >= 8 and hit[("drop", "before")] >= 1
    assert hit[("drop", "after")] >= 1 and hit[("hang", "before")] >= 1
    # a message can reach the chat twice only where the bot never heard that it had
    reached = Counter(int(e["params"]["chat_id"]) for e in scene.sends_since(0)
                      if e["fault"] == "hang" or e["fault_phase"] == "after")  # fmt: skip
    counts = _ask_counts(scene, users)
    assert min(counts.values()) == 1  # none lost
    # a retry keeps the chat's pace too: a 429 only for a hung call, answered once given up
    assert {e["fault"] for e in scene.sends_since(0) if e["status"] == 429} <= {"hang"}
    for uid, n in counts.items():
        assert n - 1 <= reached[uid], uid
    print(f"faults hit {dict(hit)}; {sum(counts.values()) - len(users)} duplicates")
    await _all_asks_sent(scene.sessions, 100)


async def test_sigkill_mid_broadcast_then_restart_everyone_asked_at_most_one_twice(
    scene: Scene,
) -> None:
    """Killed in the worst moment: a message Telegram took, its answer not yet back."""
    users = await _seed_many(scene, MANY)
    await scene.tg.set_rate_limits(True, global_per_second=30, private_per_second=1,
                                   group_per_minute=20)  # fmt: skip
    bot = await scene.start(OPEN_DAY)
    await until(scene.server, lambda: len(_asked(scene, users)) >= MANY // 2, BROADCAST_TIMEOUT)
    # the next send reaches the chat, and then its answer hangs until the bot is gone
    since = scene.last_seq()
    await scene.tg.inject_fault("hang", method="sendMessage", phase="after", delay=None)
    hung = lambda: [e for e in scene.sends_since(since) if e["fault"] == "hang"]  # noqa: E731
    await until(scene.server, lambda: bool(hung()))
    victim = int(hung()[0]["params"]["chat_id"])
    await until(scene.server, lambda: scene.kinds(victim) == ["ask"])
    await bot.kill()
    await scene.tg.clear_faults()
    before = _asked(scene, users)
    assert MANY // 2 < len(before) < MANY and victim in before

    bot = await scene.start(OPEN_DAY + timedelta(minutes=2))
    await until(scene.server, _asks_in_all(scene, users), BROADCAST_TIMEOUT)
    assert await bot.stop() == 0
    counts = _ask_counts(scene, users)
    assert counts[victim] == 2  # the one in flight, sent again: the one duplicate of the crash
    assert {uid: n for uid, n in counts.items() if uid != victim} == {
        uid: 1 for uid in users.values() if uid != victim
    }
    assert _statuses(scene)[429] == 0
    await _all_asks_sent(scene.sessions, MANY)


def _asked(scene: Scene, users: dict[str, int]) -> set[int]:
    """The Telegram ids whose chats hold an ask."""
    return {uid for uid in users.values() if "ask" in scene.kinds(uid)}


async def test_a_blocked_person_is_marked_unreachable_the_admins_told_once(
    scene: Scene,
) -> None:
    users = await _seed_sample(scene)
    blocked = users["郑榕"]  # asked in the middle of the round
    await scene.tg.block_bot(blocked, update=False)  # the bot learns of it only from a 403
    others = {name: uid for name, uid in users.items() if uid != blocked}
    bot = await scene.start(OPEN_DAY)
    await until(scene.server, _asks_in_all(scene, others))
    await until(scene.server, lambda: len(scene.messages(scene.admin)) == 2)
    assert await bot.stop() == 0

    bot = await scene.start(OPEN_DAY + timedelta(minutes=5))  # a later tick: nothing again
    assert await _ticked(bot) == (0, 0)
    assert await bot.stop() == 0

    notices = scene.messages(scene.admin)
    assert len(notices) == 2
    assert sum("郑榕 屏蔽了机器人" in n for n in notices) == 1
    assert {name: scene.kinds(uid) for name, uid in others.items()} == {
        name: ["ask"] for name in others
    }
    refused = [e for e in scene.sends_since(0) if int(e["params"]["chat_id"]) == blocked]
    assert [e["status"] for e in refused] == [403]  # tried once, never again
    async with scene.sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == "郑榕"))).one()
        ask = (await session.exec(select(Ask).where(Ask.person_id == person.id))).one()
    assert person.reachable is False and ask.sent_at is None and ask.error == "unreachable"
    row = next(r for r in await _outbox(scene.sessions) if r.chat_id == blocked)
    assert row.status == OutboxStatus.unreachable and row.error and row.error.startswith("403")
