"""The defects found trying the bot as a new admin and as an attacker, replayed through the
emulator the way a person would meet them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, func, select

from models import Person, Task
from models.database import SessionFactory
from models.tasks import TaskStatus
from services.clock import ManualClock
from tests.botflow import ask, import_seed, links, press_and_wait_edit
from tests.inprocess import BotHarness, running_bot
from tests.tasklist.helpers import SAMPLE, row, task_sheet


async def upload(h: BotHarness, data: bytes, filename: str, caption: str | None = None) -> dict:
    """An admin sends a file; returns the bot's preview."""
    sent = await h.tg.send_document(h.admin_id, data, filename, caption=caption)
    return await h.tg.wait_for_message(h.admin_id, after_message_id=sent["message_id"], timeout=30)


async def active_tasks(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        names = await session.exec(
            select(Task.name).where(Task.status == TaskStatus.active).order_by(col(Task.number))
        )
        return list(names.all())


async def test_a_stale_preview_cannot_revert_a_newer_import(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    v1 = task_sheet([row(1, "甲"), row(2, "乙")])
    v2 = task_sheet([row(1, "甲"), row(2, "乙"), row(3, "丙")])
    v3 = task_sheet([row(1, "甲"), row(2, "乙"), row(3, "丙"), row(4, "丁")])
    async with running_bot(sessions, clock) as h:
        first = await upload(h, v1, "清单2021.xlsx")
        await press_and_wait_edit(h.tg, h.admin_id, first, "✅ 确认导入")
        old = await upload(h, v2, "清单2021-v2.xlsx")
        new = await upload(h, v3, "清单2021-v3.xlsx")
        applied = await press_and_wait_edit(h.tg, h.admin_id, new, "✅ 确认导入")
        assert "已导入" in applied["text"]
        stale = await press_and_wait_edit(h.tg, h.admin_id, old, "✅ 确认导入")
        assert "已失效" in stale["text"] and "没有修改任何数据" in stale["text"]
    assert await active_tasks(sessions) == ["甲", "乙", "丙", "丁"]


async def test_the_first_opener_holds_a_link_and_the_admins_hear_of_a_second(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        await ask(h.tg, h.admin_id, "start")
        code = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        real = await h.tg.create_user("林嵩")
        other = await h.tg.create_user("冒名者")
        card = await ask(h.tg, real["id"], "start", code)
        assert card["reply_markup"]
        mark = (await h.tg.bot_messages(h.admin_id))[-1]["message_id"]
        refused = await ask(h.tg, other["id"], "start", code)
        assert not refused.get("reply_markup")
        told = await h.tg.wait_for_message(h.admin_id, after_message_id=mark, timeout=15)
        assert "林嵩" in told["text"] and str(other["id"]) in told["text"]
        bound = await press_and_wait_edit(h.tg, real["id"], card, "✅ 是的，确认")
        assert "林嵩" in bound["text"] and "绑定" in bound["text"]
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == "林嵩"))).one()
    assert person.telegram_user_id == real["id"]


async def test_an_admin_opening_a_link_is_warned(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        code = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        card = await ask(h.tg, h.admin_id, "start", code)
        assert "⚠️" in card["text"] and "不要自己确认" in card["text"]


async def test_names_as_printed_work_in_commands(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        invite = await ask(h.tg, h.admin_id, "invite", "郑 榕")
        assert "郑榕" in links(invite["text"])
        granted = await ask(h.tg, h.admin_id, "grant", "陈 旭 组长 国际交流工作组")
        assert granted["text"].startswith("✅") and "陈旭" in granted["text"]
        again = await ask(h.tg, h.admin_id, "grant", "陈 旭 组长 海丝引领专项组")
        assert "已经是海丝引领专项组组长" in again["text"]


async def test_many_problems_make_one_message_and_an_attached_list(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    rows = [row(n, f"任务{n}", "13-14月") for n in range(1, 301)]  # every period is impossible
    async with running_bot(sessions, clock) as h:
        sent = await h.tg.send_document(h.admin_id, task_sheet(rows), "坏清单2021.xlsx")
        preview = await h.tg.wait_for_message(
            h.admin_id, after_message_id=sent["message_id"], timeout=30
        )
        document = await h.tg.wait_for_message(
            h.admin_id,
            after_message_id=preview["message_id"],
            predicate=lambda m: bool(m.get("document")),
            timeout=30,
        )
        replies = [
            m for m in await h.tg.bot_messages(h.admin_id) if m["message_id"] > sent["message_id"]
        ]
    assert len(replies) == 2, [r["text"][:40] for r in replies]
    assert "300 个问题" in preview["text"] and "完整清单见所附 Excel 文件" in preview["text"]
    assert document["document"]["file_name"].endswith(".xlsx")


async def test_a_first_import_reads_the_plan_year_from_the_file(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 10, 0))
    async with running_bot(sessions, clock) as h:
        preview = await upload(h, SAMPLE.read_bytes(), "任务清单.xlsx")
        assert "2021 年度" in preview["text"] and "❌" not in preview["text"]
        applied = await press_and_wait_edit(h.tg, h.admin_id, preview, "✅ 确认导入")
        assert "已导入" in applied["text"]
    async with sessions() as session:
        years = (await session.exec(select(func.min(Task.plan_year), func.count()))).one()
    assert years == (2021, 29)


async def test_the_hq_is_named_from_the_file_and_an_admin_can_rename_it(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(sessions, clock) as h:
        preview = await upload(h, SAMPLE.read_bytes(), "opening-up-tasks-2021.xlsx")
        await press_and_wait_edit(h.tg, h.admin_id, preview, "✅ 确认导入")
        shown = await ask(h.tg, h.admin_id, "hqname")
        assert "构建对外开放新高地项目指挥部" in shown["text"]
        renamed = await ask(h.tg, h.admin_id, "hqname", "鼓楼区对外开放项目指挥部")
        assert "更名为「鼓楼区对外开放项目指挥部」" in renamed["text"]
        page = await ask(h.tg, h.admin_id, "tasks")
        assert page["text"].startswith("鼓楼区对外开放项目指挥部")
        empty = await ask(h.tg, h.admin_id, "hqname", "x" * 201)
        assert "1 至 200" in empty["text"]


async def test_a_bound_person_whose_role_ended_is_still_bound(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        user = await h.tg.create_user("组长甲")
        await ask(h.tg, h.admin_id, "grant", "陈 旭 组长 国际交流工作组")
        code = links((await ask(h.tg, h.admin_id, "invite", "陈旭"))["text"])["陈旭"]
        await press_and_wait_edit(h.tg, user["id"], await ask(h.tg, user["id"], "start", code),
                                  "✅ 是的，确认")  # fmt: skip
        for group in ("国际交流工作组", "海丝引领专项组"):
            await ask(h.tg, h.admin_id, "revoke", f"陈旭 组长 {group}")
        await ask(h.tg, h.admin_id, "revoke", "陈旭 副指挥长")
        whoami = await ask(h.tg, user["id"], "whoami")
        assert "已绑定：陈旭" in whoami["text"] and "没有角色" in whoami["text"]
        refused = await ask(h.tg, user["id"], "tasks")
        assert "没有使用 /tasks 的权限" in refused["text"] and "还没有绑定" not in refused["text"]
