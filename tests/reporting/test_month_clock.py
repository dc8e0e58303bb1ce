"""The month by the clock: the minute tick, driven by an injected clock, does each run once."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.app import sender_of
from jobs import month
from models import Cycle, GroupLeader, Person, ReportStatus, WorkingGroup
from models.database import SessionFactory
from models.outbox import OutboxMessage
from services.clock import ManualClock
from services.reporting.answers import Answers
from services.reporting.reports import items_for, submit_report
from services.schedule_settings import rules_for
from tests.botflow import ask, import_seed
from tests.inprocess import BotHarness, running_bot
from tests.reporting.chat import bind_directly, labels, press
from tests.reporting.helpers import the_hq

ASK = "本月请填报以下"
REMIND = "填报提醒"


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 1, 9, 0))
    await import_seed(sessions, clock)
    return sessions


async def _tick(h: BotHarness, clock: ManualClock, when: datetime) -> list[tuple[str, int]]:
    """Move the clock, tick, deliver what is due; the runs done as (kind, n)."""
    clock.set(when)
    report = await month.tick(h.deps)
    await sender_of(h.application).drain()
    return [(kind, n) for _hq, kind, _ym, n in report.runs]


async def _texts(h: BotHarness, user_id: int) -> list[str]:
    return [m["text"] for m in await h.tg.bot_messages(user_id)]


async def _count(h: BotHarness, user_id: int, marker: str) -> int:
    return sum(marker in text for text in await _texts(h, user_id))


async def _report_all(sessions: SessionFactory, clock: ManualClock, name: str) -> None:
    """`name` submits every task due this month (as the conversation's services do)."""
    async with sessions() as session:
        hq = await the_hq(session)
        cycle = (await session.exec(select(Cycle).where(Cycle.hq_id == hq.id))).one()
        who = (await session.exec(select(Person).where(Person.name == name))).one()
        assert who.id is not None
        for item in await items_for(session, cycle, [who.id]):
            answers = Answers(ReportStatus.on_track, "按计划推进", None, "下月完成", Decimal("1"))
            await submit_report(session, cycle=cycle, stage_id=item.due.stage_id,
                                person_id=who.id, filler_id=who.id, answers=answers,
                                via="chat", now=clock.now())  # fmt: skip


async def _leader_of(sessions: SessionFactory, group: str) -> str:
    async with sessions() as session:
        row = (await session.exec(
            select(Person.name)
            .join(GroupLeader, col(GroupLeader.person_id) == Person.id)
            .join(WorkingGroup, col(WorkingGroup.id) == GroupLeader.group_id)
            .where(WorkingGroup.name == group))).first()  # fmt: skip
    assert row is not None
    return row


async def test_a_whole_november_runs_by_the_clock_each_run_once(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 19, 9, 0))
    async with running_bot(seeded, clock) as h:
        await ask(h.tg, h.admin_id, "start")  # the office has talked to the bot
        leader = await _leader_of(seeded, "海丝引领专项组")
        users = await bind_directly(h, seeded, "张玉珍", "林嵩", "高勇坤", leader)
        zhang, lin, gao = users["张玉珍"], users["林嵩"], users["高勇坤"]

        assert await _tick(h, clock, datetime(2021, 11, 19, 9, 0)) == []
        assert await _tick(h, clock, datetime(2021, 11, 20, 8, 59)) == []
        assert await _count(h, zhang, ASK) == 0

        # the 20th is a Saturday: the month opens on Monday the 22nd
        assert await _tick(h, clock, datetime(2021, 11, 20, 9, 0)) == []
        runs = await _tick(h, clock, datetime(2021, 11, 22, 9, 0))
        assert runs == [("open", 0)]
        for user in (zhang, lin, gao):
            assert await _count(h, user, ASK) == 1
        ask_text = (await _texts(h, zhang))[-1]
        assert "请于11月25日前报送" in ask_text
        admin_notice = [t for t in await _texts(h, h.admin_id) if "已按计划开启" in t]
        assert len(admin_notice) == 1 and "截止日 11月25日" in admin_notice[0]

        # ticking again, or a minute later, sends nothing new
        assert await _tick(h, clock, datetime(2021, 11, 22, 9, 0)) == []
        assert await _tick(h, clock, datetime(2021, 11, 22, 9, 1)) == []
        for user in (zhang, lin, gao):
            assert await _count(h, user, ASK) == 1

        await _report_all(seeded, clock, "张玉珍")
        # 2 working days before the due day (Thursday 25th) is Tuesday 23rd
        assert await _tick(h, clock, datetime(2021, 11, 23, 8, 59)) == []
        assert await _tick(h, clock, datetime(2021, 11, 23, 9, 0)) == [("remind", 1)]
        assert await _count(h, zhang, REMIND) == 0  # she has reported everything
        assert await _count(h, lin, REMIND) == 1 and await _count(h, gao, REMIND) == 1
        reminder = next(m for m in await h.tg.bot_messages(lin) if REMIND in m["text"])
        assert "11月25日前" in reminder["text"] and "第 1 次提醒（最多 3 次）" in reminder["text"]
        assert labels(reminder) == ["▶️ 继续填报"]
        question = await press(h.tg, lin, reminder, "▶️ 继续填报")  # resumes: the first question
        assert "状态" in question["text"] or "按计划推进" in labels(question)

        assert await _tick(h, clock, datetime(2021, 11, 25, 9, 0)) == [("remind", 2)]
        assert await _count(h, gao, REMIND) == 2
        assert await _tick(h, clock, datetime(2021, 11, 25, 14, 59)) == []
        assert await _tick(h, clock, datetime(2021, 11, 25, 15, 0)) == [("escalate", 0)]
        led = [t for t in await _texts(h, users[leader]) if "填报督办" in t]
        assert len(led) == 1 and "林嵩" in led[0] and "高勇坤" not in led[0]
        whole = [t for t in await _texts(h, h.admin_id) if "截止日未报送名单" in t]
        assert len(whole) == 1 and "林嵩" in whole[0] and "高勇坤" in whole[0]
        assert "张玉珍" not in whole[0]

        assert await _tick(h, clock, datetime(2021, 11, 26, 8, 59)) == []
        assert await _tick(h, clock, datetime(2021, 11, 26, 9, 0)) == [("close", 0)]
        assert await _tick(h, clock, datetime(2021, 11, 27, 9, 0)) == []
        closed = [t for t in await _texts(h, h.admin_id) if "已按计划关闭" in t]
        assert len(closed) == 1
    async with seeded() as session:
        cycle = (await session.exec(select(Cycle))).one()
        assert cycle.status == "closed" and cycle.closed_by is None


async def test_september_2021_moves_around_mid_autumn_and_the_make_up_sunday(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 9, 1, 9, 0))
    async with running_bot(seeded, clock) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        assert await _tick(h, clock, datetime(2021, 9, 20, 9, 0)) == []  # 中秋 holiday
        assert await _tick(h, clock, datetime(2021, 9, 21, 9, 0)) == []  # 中秋
        assert await _tick(h, clock, datetime(2021, 9, 22, 9, 0)) == [("open", 0)]
        assert "请于9月26日前报送" in (await _texts(h, zhang))[-1]
        # reminders: 2 working days before Sunday the 26th (a make-up day) is Thursday 23rd
        assert await _tick(h, clock, datetime(2021, 9, 23, 9, 0)) == [("remind", 1)]
        assert await _tick(h, clock, datetime(2021, 9, 25, 15, 0)) == []  # Saturday: not due
        assert await _tick(h, clock, datetime(2021, 9, 26, 9, 0)) == [("remind", 2)]
        assert await _tick(h, clock, datetime(2021, 9, 26, 15, 0)) == [("escalate", 0)]
        assert await _tick(h, clock, datetime(2021, 9, 27, 9, 0)) == [("close", 0)]
        assert await _count(h, zhang, REMIND) == 2


async def test_quiet_hours_hold_scheduled_sends_until_the_morning(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 22, 22, 30))  # the bot was down at 09:00 and comes back at night
    async with running_bot(seeded, clock) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        assert await _tick(h, clock, datetime(2021, 11, 22, 22, 30)) == []
        assert await _tick(h, clock, datetime(2021, 11, 23, 7, 59)) == []
        assert await _count(h, zhang, ASK) == 0
        # at 08:00 the month opens (the 09:00 reminder of the 23rd comes after it)
        assert await _tick(h, clock, datetime(2021, 11, 23, 8, 0)) == [("open", 0)]
        assert await _count(h, zhang, ASK) == 1
        assert await _tick(h, clock, datetime(2021, 11, 23, 9, 0)) == [("remind", 1)]

        # an admin's /remind at night is queued, and goes out at 08:00 the next morning
        clock.set(datetime(2021, 11, 23, 21, 30))
        reply = await ask(h.tg, h.admin_id, "cycle")  # the admin may still read at night
        assert "填报进度" in reply["text"]
        async with seeded() as session:
            cycle = (await session.exec(select(Cycle))).one()
            rules = await rules_for(session, cycle.hq_id, h.deps.settings.cycle)
            tally = await month.queue_reminders(h.deps, session, cycle, clock.now(), rules)
        assert tally.queued == 1
        await sender_of(h.application).drain()
        assert await _count(h, zhang, REMIND) == 1  # only the 09:00 one so far
        clock.set(datetime(2021, 11, 24, 8, 0))
        await sender_of(h.application).drain()
        assert await _count(h, zhang, REMIND) == 2


async def test_reminders_stay_within_the_bound_and_skip_those_who_reported(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 22, 9, 0))
    async with running_bot(seeded, clock) as h:
        h.deps.settings.cycle.max_reminders = 1
        users = await bind_directly(h, seeded, "张玉珍", "林嵩")
        assert await _tick(h, clock, datetime(2021, 11, 22, 9, 0)) == [("open", 0)]
        assert await _tick(h, clock, datetime(2021, 11, 23, 9, 0)) == [("remind", 1)]
        await _report_all(seeded, clock, "张玉珍")
        assert await _tick(h, clock, datetime(2021, 11, 25, 9, 0)) == [("remind", 2)]
        assert await _count(h, users["张玉珍"], REMIND) == 1  # reported after the first
        assert await _count(h, users["林嵩"], REMIND) == 1  # at the bound of 1
        async with seeded() as session:
            rows = (await session.exec(select(OutboxMessage).where(
                OutboxMessage.kind == "remind"))).all()  # fmt: skip
        assert len(rows) == 2


async def test_a_bot_down_from_the_19th_to_the_22nd_opens_once_on_return(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 19, 10, 0))
    async with running_bot(seeded, clock) as h:
        users = await bind_directly(h, seeded, "张玉珍", "林嵩")
        assert await _tick(h, clock, datetime(2021, 11, 19, 10, 0)) == []
    async with running_bot(seeded, clock) as h:  # back on the 22nd at 10:00
        for name in ("张玉珍", "林嵩"):  # a new emulator: the same accounts come back
            user = await h.tg.create_user(name)
            assert user["id"] == users[name]
            await ask(h.tg, user["id"], "start")
        assert await _tick(h, clock, datetime(2021, 11, 22, 10, 0)) == [("open", 0)]
        assert await _tick(h, clock, datetime(2021, 11, 22, 10, 0) + timedelta(minutes=1)) == []
        async with seeded() as session:
            asks = (await session.exec(select(OutboxMessage).where(
                OutboxMessage.kind == "ask"))).all()  # fmt: skip
        assert sorted(r.chat_id for r in asks) == sorted(users.values())
        assert all(r.status == "sent" for r in asks)


async def test_continue_on_a_reminder_resumes_the_paused_draft_where_it_stopped(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 22, 9, 0))
    async with running_bot(seeded, clock) as h:
        lin = (await bind_directly(h, seeded, "林嵩"))["林嵩"]
        assert await _tick(h, clock, datetime(2021, 11, 22, 9, 0)) == [("open", 0)]
        the_ask = next(m for m in await h.tg.bot_messages(lin) if ASK in m["text"])
        question = await press(h.tg, lin, the_ask, "▶️ 开始填报")
        question = await press(h.tg, lin, question, "按计划推进")
        assert "本月工作进展" in question["text"]
        paused = await ask(h.tg, lin, "cancel")
        assert "已暂停" in paused["text"] or "暂停" in paused["text"]
        assert await _tick(h, clock, datetime(2021, 11, 23, 9, 0)) == [("remind", 1)]
        reminder = next(m for m in await h.tg.bot_messages(lin) if REMIND in m["text"])
        assert "草稿" in reminder["text"]
        resumed = await press(h.tg, lin, reminder, "▶️ 继续填报")
        assert "本月工作进展" in resumed["text"]  # the status is kept: the next question
