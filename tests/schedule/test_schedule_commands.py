"""/schedule, /remind and /outbox through the emulator, as the office uses them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.app import sender_of
from models import Cycle, Stage, Task
from models.database import SessionFactory
from models.outbox import OutboxMessage, OutboxStatus
from models.reporting import ReportStatus
from models.schedule import ScheduleSetting
from services.clock import ManualClock
from services.reporting.answers import Answers
from services.reporting.reports import submit_report
from services.workdays import covered_years
from tests.botflow import ask, import_seed
from tests.inprocess import BotHarness, running_bot
from tests.reporting.chat import bind_directly, labels, last_id, press
from tests.reporting.helpers import cycle, person

REMINDER = "填报提醒"
ASK_TITLE = "工作进展填报"


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 22, 10, 0))
    await import_seed(sessions, clock)
    return sessions


async def _report(sessions: SessionFactory, clock: ManualClock, ym: int, number: int,
                  name: str) -> None:  # fmt: skip
    """`name` submits their report on task `number` (as the services do)."""
    async with sessions() as session:
        month = await cycle(session, ym)
        who = await person(session, name)
        stage = (
            await session.exec(
                select(Stage).join(Task, col(Task.id) == Stage.task_id).where(Task.number == number)
            )
        ).first()
        assert stage is not None and stage.id is not None and who.id is not None
        answers = Answers(ReportStatus.on_track, "按计划推进中", None, "下月完成", Decimal("100"))
        await submit_report(session, cycle=month, stage_id=stage.id, person_id=who.id,
                            filler_id=who.id, answers=answers, via="chat",
                            now=clock.now())  # fmt: skip


async def _delivered(h: BotHarness, user_id: int, part: str) -> list[dict]:
    """The bot's messages to a person containing `part`, once the outbox has been drained."""
    await sender_of(h.application).drain()
    return [m for m in await h.tg.bot_messages(user_id) if part in m["text"]]


async def _due_on(sessions: SessionFactory) -> date:
    async with sessions() as session:
        return (await session.exec(select(Cycle))).one().due_on


async def test_schedule_shows_september_2021_moved_off_the_holidays(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 9, 10, 10, 0))
    async with running_bot(seeded, clock) as h:
        shown = (await ask(h.tg, h.admin_id, "schedule"))["text"]
        assert "2021年9月（未开启）" in shown
        # the 20th is Mid-Autumn; the 25th a Saturday; Sunday the 26th a make-up working day
        assert "开启：9月22日（周三）09:00（20 日非工作日，顺延）" in shown
        assert "提醒 1：9月23日（周四）09:00" in shown
        assert "提醒 2：9月26日（周日）09:00" in shown
        assert "截止日：9月26日（周日）（25 日非工作日，顺延）" in shown
        assert "督办：9月26日（周日）15:00" in shown
        assert "关账：9月27日（周一）09:00" in shown
        assert shown.index("开启") < shown.index("提醒 1") < shown.index("截止日：")
        assert shown.index("截止日：") < shown.index("督办") < shown.index("关账")
        assert "已完成" not in shown and "已过" not in shown
        assert "2021年10月" not in shown  # September's close is still to come
        first, last = covered_years()
        assert f"数据覆盖 {first}–{last} 年" in shown
        assert "免打扰：21:00–08:00" in shown and "每人每月最多 3 次" in shown
        assert "自动运行：开" in shown and "全部为默认设置" in shown

        # opened on the 23rd at 10:00: the open is done, that morning's reminder went by
        clock.set(datetime(2021, 9, 23, 10, 0))
        await ask(h.tg, h.admin_id, "cycle", "open")
        shown = (await ask(h.tg, h.admin_id, "schedule"))["text"]
        assert "2021年9月（填报中）" in shown
        assert "09:00（20 日非工作日，顺延） ✅ 已完成" in shown
        assert "提醒 1：9月23日（周四）09:00 · 已过" in shown
        assert "提醒 2：9月26日（周日）09:00\n" in shown

        # after September's close, October's runs are shown too
        clock.set(datetime(2021, 9, 28, 10, 0))
        shown = (await ask(h.tg, h.admin_id, "schedule"))["text"]
        assert "关账：9月27日（周一）09:00 · 已过" in shown
        assert "2021年10月（未开启）" in shown
        assert "截止日：10月25日（周一）" in shown


async def test_schedule_set_due_moves_the_open_month_and_bad_values_change_nothing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        await ask(h.tg, h.admin_id, "cycle", "open 2021-11")
        assert await _due_on(seeded) == date(2021, 11, 25)
        refusals = {
            "due 31": "“31”不行：截止日须为 1–28 之间的整数",
            "due abc": "“abc”不行：截止日须为 1–28 之间的整数",
            "open 26": "开启日（26 日）须早于截止日（25 日）",
            "quiet 25:00-08:00": "“25:00-08:00”不是有效的时间",
            "open_time 22:00": "开启时间会落在免打扰时段内",
            "auto maybe": "“maybe”无法识别",
        }
        for args, problem in refusals.items():
            reply = (await ask(h.tg, h.admin_id, "schedule", f"set {args}"))["text"]
            assert problem in reply and "未做任何更改" in reply, args
        for args in ("set wednesday 3", "set due", "tomorrow"):
            reply = (await ask(h.tg, h.admin_id, "schedule", args))["text"]
            assert "未做任何更改" in reply, args
            assert "due — 截止日" in reply and "quiet — 免打扰时段" in reply, args
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        refused = await ask(h.tg, zhang, "schedule", "set due 24")
        assert refused["text"].startswith("⛔")
        async with seeded() as session:
            assert (await session.exec(select(ScheduleSetting))).first() is None
        assert await _due_on(seeded) == date(2021, 11, 25)

        changed = (await ask(h.tg, h.admin_id, "schedule", "set due 24"))["text"]
        assert "已修改截止日：每月 24 日" in changed
        assert "截止日已由 11月25日（周四）改为 11月24日（周三）" in changed
        assert "截止日：11月24日（周三）\n" in changed
        assert "与默认不同：截止日（每月 24 日）" in changed
        assert await _due_on(seeded) == date(2021, 11, 24)
        progress = (await ask(h.tg, h.admin_id, "cycle"))["text"]
        assert "报送截止：11月24日" in progress
        shown = (await ask(h.tg, h.admin_id, "schedule"))["text"]
        assert "督办：11月24日（周三）15:00" in shown and "关账：11月25日（周四）09:00" in shown

        reset = (await ask(h.tg, h.admin_id, "schedule", "reset"))["text"]
        assert "已撤销 1 项修改" in reset and "全部为默认设置" in reset
        assert "截止日已由 11月24日（周三）改为 11月25日（周四）" in reset
        assert await _due_on(seeded) == date(2021, 11, 25)


async def test_remind_reaches_only_the_missing_within_the_bound(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        users = await bind_directly(h, seeded, "张玉珍", "林嵩")
        zhang, lin = users["张玉珍"], users["林嵩"]
        nothing = (await ask(h.tg, h.admin_id, "remind"))["text"]
        assert "目前没有填报中的月份" in nothing
        await ask(h.tg, h.admin_id, "cycle", "open 2021-11")
        await _report(seeded, clock, 202111, 3, "林嵩")  # his only task this month

        since = await last_id(h.tg, zhang)
        reply = (await ask(h.tg, h.admin_id, "remind"))["text"]
        assert "已向 1 人发出2021年11月填报提醒（截止 11月25日）" in reply
        assert "14 人尚未绑定账号或已屏蔽机器人" in reply
        [reminder] = await _delivered(h, zhang, REMINDER)
        assert reminder["message_id"] > since
        assert "11月25日前" in reminder["text"] and "1. " in reminder["text"]
        assert labels(reminder) == ["▶️ 继续填报"]
        assert await _delivered(h, lin, REMINDER) == []
        question = await press(h.tg, zhang, reminder, "▶️ 继续填报")
        assert "第 1/2 项" in question["text"] and "任务状态" in question["text"]

        await ask(h.tg, h.admin_id, "schedule", "set reminders 1")
        again = (await ask(h.tg, h.admin_id, "remind"))["text"]
        assert "本次没有发出提醒" in again
        assert "1 人本月已收到 1 次提醒（上限），不再提醒" in again
        assert len(await _delivered(h, zhang, REMINDER)) == 1
        assert await _delivered(h, lin, REMINDER) == []


async def test_outbox_shows_a_refused_message_and_retry_delivers_it(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2021, 11, 22, 22, 0))  # quiet hours: what is queued waits for 08:00
    async with running_bot(seeded, clock) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        opened = (await ask(h.tg, h.admin_id, "cycle", "open 2021-11"))["text"]
        assert "免打扰" in opened
        waiting = await ask(h.tg, h.admin_id, "outbox")
        assert "待发送 1，已送达 0，失败 0" in waiting["text"]
        assert labels(waiting) == []

        await h.tg.inject_fault(method="sendMessage", status=400,
                                description="Bad Request: can't parse entities")  # fmt: skip
        clock.set(datetime(2021, 11, 23, 8, 0))
        assert await _delivered(h, zhang, ASK_TITLE) == []
        [alert] = await _delivered(h, h.admin_id, "一条填报通知消息未能送达")
        assert "Can't parse entities" in alert["text"] and "/outbox retry" in alert["text"]
        shown = await ask(h.tg, h.admin_id, "outbox")
        assert "待发送 0，已送达 1，失败 1" in shown["text"]  # the alert went, the ask did not
        assert f"11月22日 22:00 填报通知 → {zhang}：400: Can't parse entities" in shown["text"]
        assert labels(shown) == ["🔁 重试失败消息"]

        retried = (await ask(h.tg, h.admin_id, "outbox", "retry"))["text"]
        assert "已将 1 条失败消息重新排队发送" in retried
        assert len(await _delivered(h, zhang, ASK_TITLE)) == 1
        after = await ask(h.tg, h.admin_id, "outbox")
        assert "待发送 0，已送达 2，失败 0" in after["text"] and labels(after) == []

        # a reminder refused the same way: the button under /outbox sends it again
        clock.set(datetime(2021, 11, 23, 22, 30))
        held = (await ask(h.tg, h.admin_id, "remind"))["text"]
        assert "现在是免打扰时段，将于 11月24日（周三）08:00 发出" in held
        await h.tg.inject_fault(method="sendMessage", status=400,
                                description="Bad Request: message is too long")  # fmt: skip
        clock.set(datetime(2021, 11, 24, 8, 0))
        assert await _delivered(h, zhang, REMINDER) == []
        shown = await ask(h.tg, h.admin_id, "outbox")
        assert "失败 1" in shown["text"] and "提醒 → " in shown["text"]
        since = (await h.tg.requests_log())[-1]["seq"]
        await h.tg.press_button(h.admin_id, h.admin_id, shown["message_id"],
                                text="🔁 重试失败消息")  # fmt: skip
        await h.tg.wait_for_request("editMessageText", since=since, finished=True, timeout=20)
        edited = next(m for m in await h.tg.messages(h.admin_id)
                      if m["message_id"] == shown["message_id"])  # fmt: skip
        assert "已将 1 条失败消息重新排队发送" in edited["text"] and labels(edited) == []
        assert len(await _delivered(h, zhang, REMINDER)) == 1
    async with seeded() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
        assert {row.status for row in rows} == {OutboxStatus.sent}
        assert sum(row.chat_id == zhang for row in rows) == 2  # the ask and the reminder, once
