"""/cycle and /reopen through the emulator: opening asks once, progress, closing, reopening."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.app import sender_of
from models import Ask, Cycle, Person, Reopen, Report, Stage, Task
from models.database import SessionFactory
from models.people import Unit
from models.reporting import ReportStatus
from services.clock import ManualClock
from services.reporting.answers import Answers
from services.reporting.reports import submit_report
from tests.botflow import ask, bind, import_seed, links
from tests.inprocess import BotHarness, running_bot
from tests.reporting.helpers import cycle, person

ASK_TITLE = "工作进展填报"


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 20, 9, 0))
    await import_seed(sessions, clock)
    return sessions


async def _bind(h: BotHarness, name: str) -> int:
    """Invite and bind a person named on the task list; their Telegram user id."""
    code = links((await ask(h.tg, h.admin_id, "invite", name))["text"])[name]
    user = await h.tg.create_user(name)
    await bind(h.tg, user["id"], code)
    return int(user["id"])


async def _asks(h: BotHarness, user_id: int) -> list[dict]:
    """The month's asks the person received (once the outbox has delivered what is due)."""
    await sender_of(h.application).drain()
    return [m for m in await h.tg.bot_messages(user_id) if ASK_TITLE in m["text"]]


async def _report(sessions: SessionFactory, clock: ManualClock, ym: int, number: int,
                  name: str, progress: str = "按计划推进中") -> None:  # fmt: skip
    """`name` submits their report on task `number` in month `ym` (as the services do)."""
    async with sessions() as session:
        month = await cycle(session, ym)
        who = await person(session, name)
        stage = (
            await session.exec(
                select(Stage).join(Task, col(Task.id) == Stage.task_id).where(Task.number == number)
            )
        ).first()
        assert stage is not None and stage.id is not None and who.id is not None
        answers = Answers(ReportStatus.on_track, progress, None, "下月完成", Decimal("100"))
        await submit_report(session, cycle=month, stage_id=stage.id, person_id=who.id,
                            filler_id=who.id, answers=answers, via="chat",
                            now=clock.now())  # fmt: skip


async def test_opening_asks_every_bound_due_person_exactly_once(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        bound = {name: await _bind(h, name) for name in ("张玉珍", "林嵩", "高勇坤")}
        reply = await ask(h.tg, h.admin_id, "cycle", "open 2021-11")
        assert "已开启 2021年11月 填报，报送截止 11月25日。" in reply["text"]
        assert "本月应报送 16 人、37 项。" in reply["text"]
        assert "本次向 3 人发出填报通知" in reply["text"]
        assert "尚未绑定账号 13 人" in reply["text"]
        for user_id in bound.values():
            assert len(await _asks(h, user_id)) == 1
        [gao] = await _asks(h, bound["高勇坤"])
        assert "18. " in gao["text"] and "27. " in gao["text"]  # his ten tasks of group 3

        again = await ask(h.tg, h.admin_id, "cycle", "open")  # this month by the clock
        assert "2021年11月 已在填报中" in again["text"]
        assert "本次没有需要发出的通知。" in again["text"]
        for user_id in bound.values():
            assert len(await _asks(h, user_id)) == 1

        # someone who binds later is asked by the next /cycle open, and only they are
        late = await _bind(h, "黄勉")
        catch_up = await ask(h.tg, h.admin_id, "cycle", "open 2021年11月")
        assert "本次向 1 人发出填报通知" in catch_up["text"]
        assert "尚未绑定账号 12 人" in catch_up["text"]
        assert len(await _asks(h, late)) == 1
        for user_id in bound.values():
            assert len(await _asks(h, user_id)) == 1
    async with seeded() as session:
        asks = (await session.exec(select(Ask))).all()
        assert len(asks) == 16
        assert sum(a.sent_at is not None for a in asks) == 4
        assert len((await session.exec(select(Cycle))).all()) == 1


async def test_cycle_shows_groups_and_the_missing_by_name(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        zhang = await _bind(h, "张玉珍")
        await ask(h.tg, h.admin_id, "cycle", "open 2021/11")
        shown = (await ask(h.tg, h.admin_id, "cycle"))["text"]
        assert "2021年11月填报进度（填报中）" in shown
        assert "报送截止：11月25日" in shown
        assert "已报送 0/37 项，已报齐 0/16 人" in shown
        assert "0/9   海丝引领专项组" in shown
        assert "0/17  第一家园建设工作组" in shown
        assert "0/10  国际贸易和国际投资组" in shown
        assert "0/1   国际交流工作组" in shown
        assert "未报齐（16 人）" in shown
        assert "张玉珍（鼓东街道）：序号 1、2\n" in shown  # bound and asked: no mark
        assert "林嵩（水部街道）：序号 3 · 未绑定" in shown
        assert "郑榕（区委台港澳办）：序号 10、11、13、14、15、17 · 未绑定" in shown
        assert "林武星（区外事办）：序号 29 · 未绑定" in shown

        await _report(seeded, clock, 202111, 1, "张玉珍")
        clock.set(datetime(2021, 11, 26, 10, 0))  # past the due day: late
        await _report(seeded, clock, 202111, 2, "张玉珍")
        await _report(seeded, clock, 202111, 3, "林嵩")
        shown = (await ask(h.tg, h.admin_id, "cycle"))["text"]
        assert "已报送 3/37 项，已报齐 2/16 人" in shown
        assert "3/9   海丝引领专项组（其中逾期 2）" in shown
        assert "0/17  第一家园建设工作组" in shown
        assert "未报齐（14 人）" in shown
        assert "张玉珍" not in shown and "林嵩" not in shown
        assert len(await _asks(h, zhang)) == 1


async def test_close_then_only_one_month_at_a_time_and_2022_01_asks_lin_wuxing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        zhang = await _bind(h, "张玉珍")
        lin = await _bind(h, "林武星")
        await ask(h.tg, h.admin_id, "cycle", "open 2021-11")
        await _report(seeded, clock, 202111, 1, "张玉珍")
        other = await ask(h.tg, h.admin_id, "cycle", "open 2022-01")
        assert "2021年11月 仍在填报中" in other["text"] and "/cycle close" in other["text"]

        closed = await ask(h.tg, h.admin_id, "cycle", "close")
        assert "已关闭 2021年11月 填报：已报送 1/37 项，已报齐 0/16 人。" in closed["text"]
        assert "张玉珍（鼓东街道）：序号 2" in closed["text"]
        again = await ask(h.tg, h.admin_id, "cycle", "close")
        assert "目前没有填报中的月份（最近一个月份2021年11月已关闭）" in again["text"]
        latest = await ask(h.tg, h.admin_id, "cycle")
        assert "2021年11月填报进度（已关闭）" in latest["text"]

        clock.set(datetime(2022, 1, 20, 9, 0))
        opened = await ask(h.tg, h.admin_id, "cycle", "open")
        assert "已开启 2022年1月 填报" in opened["text"]
        assert "本月应报送 1 人、1 项。" in opened["text"]
        assert "本次向 1 人发出填报通知" in opened["text"]
        november, january = await _asks(h, lin)  # task 29 runs 2021-06 .. 2022-05
        assert "2021年11月" in november["text"]
        assert "2022年1月" in january["text"] and "29. " in january["text"]
        assert len(await _asks(h, zhang)) == 1  # November's only
        shown = (await ask(h.tg, h.admin_id, "cycle"))["text"]
        assert "林武星（区外事办）：序号 29\n" in shown
    async with seeded() as session:
        months = (await session.exec(select(Cycle).order_by(col(Cycle.ym)))).all()
        assert [(c.ym, c.status) for c in months] == [(202111, "closed"), (202201, "open")]


async def test_bad_arguments_get_usage_and_change_nothing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        for args in ("open 2021-13", "foo", "open 2021-11 extra", "close now", "open 十一月"):
            reply = await ask(h.tg, h.admin_id, "cycle", args)
            assert "未做任何更改" in reply["text"] and "/cycle open" in reply["text"], args
        empty = await ask(h.tg, h.admin_id, "cycle", "open 2030-05")
        assert "2030年5月没有需要报送的任务阶段，未开启" in empty["text"]
        none = await ask(h.tg, h.admin_id, "cycle")
        assert "还没有开启过填报月份" in none["text"]
        for args in ("", "张玉珍", "张玉珍 一", "张玉珍 1 2021-13", "1"):
            reply = await ask(h.tg, h.admin_id, "reopen", args)
            assert "用法：" in reply["text"] and "/reopen 姓名 序号" in reply["text"], args
        nothing = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1")
        assert "还没有开启过填报月份，无法补改" in nothing["text"]
        # someone who is not an admin is refused
        zhang = await _bind(h, "张玉珍")
        refused = await ask(h.tg, zhang, "cycle", "open 2021-11")
        assert "已开启" not in refused["text"]
    async with seeded() as session:
        assert (await session.exec(select(Cycle))).first() is None
        assert (await session.exec(select(Reopen))).first() is None
        assert (await session.exec(select(Ask))).first() is None


async def test_no_task_list_gets_a_clear_reply(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(sessions, clock) as h:
        assert "还没有任务清单" in (await ask(h.tg, h.admin_id, "cycle", "open"))["text"]
        assert "还没有任务清单" in (await ask(h.tg, h.admin_id, "cycle"))["text"]
    async with sessions() as session:
        assert (await session.exec(select(Cycle))).first() is None


async def test_reopen_grants_once_and_tells_the_person_with_a_button(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        zhang = await _bind(h, "张玉珍")
        await ask(h.tg, h.admin_id, "cycle", "open 2021-11")
        await _report(seeded, clock, 202111, 1, "张玉珍", progress="平台主体完工")
        still_open = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1")
        assert "2021年11月仍在填报中" in still_open["text"]
        await ask(h.tg, h.admin_id, "cycle", "close")
        await sender_of(h.application).drain()  # her ask, if it was still on its way

        before = len(await h.tg.bot_messages(zhang))
        granted = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1")
        assert (
            "已允许 张玉珍（鼓东街道）补改 2021年11月 序号 1「建设德艺文创国际经贸合作信息化平台」"
            "的报告一次。" in granted["text"]
        )
        assert "已在私聊中通知本人。" in granted["text"]
        told = (await h.tg.bot_messages(zhang))[before:]
        assert len(told) == 1
        notice = told[0]
        assert "综合协调组已允许您补改 2021年11月 序号 1" in notice["text"]
        [[button]] = notice["reply_markup"]["inline_keyboard"]
        assert button["text"] == "✏️ 修改" and button["callback_data"].startswith("rv:")

        twice = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1 2021-11")
        assert "已获准补改 2021年11月 序号 1 的报告，尚未使用" in twice["text"]

        # the button opens the report to revise; submitting it uses the leave
        await h.tg.press_button(zhang, zhang, notice["message_id"], text="✏️ 修改")
        card = await h.tg.wait_for_message(zhang, after_message_id=notice["message_id"])
        assert "平台主体完工" in card["text"]
        await h.tg.press_button(zhang, zhang, card["message_id"], text="✅ 提交")
        await h.tg.wait_for_message(zhang, after_message_id=card["message_id"])
        async with seeded() as session:
            used = (await session.exec(select(Reopen))).one()
            assert used.used_at is not None and used.report_id is not None
        not_due = await ask(h.tg, h.admin_id, "reopen", "张玉珍 3")
        assert "张玉珍 在 2021年11月 没有序号 3 的报送任务" in not_due["text"]
        no_month = await ask(h.tg, h.admin_id, "reopen", "张玉珍 1 2021-10")
        assert "没有 2021年10月 的填报月份，无法补改" in no_month["text"]
        nobody = await ask(h.tg, h.admin_id, "reopen", "王五 1")
        assert "没有找到“王五”" in nobody["text"]
        unbound = await ask(h.tg, h.admin_id, "reopen", "林嵩 3")
        assert "已允许 林嵩（水部街道）补报 2021年11月 序号 3" in unbound["text"]
        assert "（该月未报送，补报将标记为逾期）" in unbound["text"]
        assert "本人尚未绑定账号，未能通知" in unbound["text"]

        async with seeded() as session:  # a namesake in another unit
            other_unit = (await session.exec(select(Unit).where(Unit.name == "水部街道"))).one()
            session.add(Person(name="张玉珍", unit_id=other_unit.id, created_at=clock.now()))
            await session.commit()
        ambiguous = await ask(h.tg, h.admin_id, "reopen", "张玉珍 2")
        assert "有 2 位“张玉珍”" in ambiguous["text"] and "张玉珍/鼓东街道" in ambiguous["text"]
        by_unit = await ask(h.tg, h.admin_id, "reopen", "张玉珍/鼓东街道 2")
        assert "已允许 张玉珍（鼓东街道）补报 2021年11月 序号 2" in by_unit["text"]
    async with seeded() as session:
        reopens = (await session.exec(select(Reopen).order_by(col(Reopen.id)))).all()
        zhang_person = (
            await session.exec(select(Person).where(Person.telegram_user_id == zhang))
        ).one()
        assert len(reopens) == 3
        assert [r.person_id == zhang_person.id for r in reopens] == [True, False, True]
        assert [r.used_at is not None for r in reopens] == [True, False, False]
        revisions = (await session.exec(select(Report).order_by(col(Report.revision)))).all()
        assert [(r.revision, r.progress) for r in revisions] == [
            (1, "平台主体完工"),
            (2, "平台主体完工"),
        ]


async def test_the_due_day_moves_off_holidays(seeded: SessionFactory, clock: ManualClock) -> None:
    """September 2021: the 25th is a Saturday, Sunday the 26th a make-up working day (调休)."""
    clock.set(datetime(2021, 9, 22, 9, 0))
    async with running_bot(seeded, clock, rate_limit=False) as h:
        opened = await ask(h.tg, h.admin_id, "cycle", "open")
        assert "2021年9月" in opened["text"] and "报送截止 9月26日" in opened["text"]
    async with seeded() as session:
        cycle = (await session.exec(select(Cycle))).one()
        assert cycle.due_on == date(2021, 9, 26)
