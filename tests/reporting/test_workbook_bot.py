"""The 填报表 through the emulator: /myreports → 下载填报表 → fill → send back → 确认."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from models import Report
from models.database import SessionFactory
from sandbox.emulator import EmulatorClient
from services.clock import ManualClock
from services.reporting.cycles import open_cycle
from tests.botflow import ask, bind, import_seed, links, press_and_wait_edit
from tests.inprocess import BotHarness, running_bot
from tests.reporting.book_helpers import Sheet, fill_all, open_sheet
from tests.reporting.helpers import the_hq
from tests.tasklist.helpers import SAMPLE

GAO = "高勇坤"


@pytest.fixture
def clock() -> ManualClock:
    """2021-11-20 09:00 in Shanghai."""
    return ManualClock(datetime(2021, 11, 20, 9, 0), tz="Asia/Shanghai")


@pytest.fixture
async def november(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    """The seed list with 2021-11 open (due on the 25th)."""
    await import_seed(sessions, clock)
    async with sessions() as session:
        hq = await the_hq(session)
        await open_cycle(session, hq_id=hq.id or 0, ym=202111, due_day=25, now=clock.now(), by=1)
    return sessions


async def _bound_gao(h: BotHarness) -> int:
    code = links((await ask(h.tg, h.admin_id, "invite", GAO))["text"])[GAO]
    user = await h.tg.create_user("勇坤", "高", language_code="zh")
    await bind(h.tg, user["id"], code)
    return int(user["id"])


async def _download(tg: EmulatorClient, uid: int) -> tuple[str, bytes]:
    mine = await ask(tg, uid, "myreports")
    assert "2021年11月我的填报" in mine["text"]
    await tg.press_button(uid, uid, mine["message_id"], text="📥 下载填报表")
    sent = await tg.wait_for_message(uid, after_message_id=mine["message_id"], timeout=20,
                                     predicate=lambda m: "document" in m)  # fmt: skip
    assert "共 12 项" in sent["caption"]
    return sent["document"]["file_name"], await tg.download_file(sent["document"]["file_id"])


async def _send(tg: EmulatorClient, uid: int, data: bytes, name: str) -> dict:
    sent = await tg.send_document(uid, data, name)
    return await tg.wait_for_message(uid, after_message_id=sent["message_id"], timeout=30)


async def test_download_fill_send_back_and_confirm(
    november: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(november, clock) as h:
        uid = await _bound_gao(h)
        name, data = await _download(h.tg, uid)
        assert name == "填报表-2021年11月-高勇坤.xlsx"
        sheet = open_sheet(data)

        def behind_without_problems(s: Sheet, row: int, n: int) -> None:
            growth(s, row, n)
            if n == 24:
                s.put(row, "状态", "进度滞后")

        fill_all(sheet, behind_without_problems)
        bad_row = next(r for r in sheet.rows if sheet.number(r) == 24)
        refused = await _send(h.tg, uid, sheet.save(), name)
        assert f"第 {bad_row} 行（序号 24）：状态为进度滞后时必须填写存在问题" in refused["text"]
        assert not refused.get("reply_markup")

        sheet.put(bad_row, "存在问题", "融资白名单尚未获批")
        preview = await _send(h.tg, uid, sheet.save(), name)
        assert "将保存 12 项" in preview["text"], preview["text"]
        assert "• 24. 对企业开拓国际市场予以融资支持 — 进度滞后\n• 25." in preview["text"]
        done = await press_and_wait_edit(h.tg, uid, preview, "✅ 确认保存")
        assert "已保存 12 项填报" in done["text"] and "全部填报" in done["text"]
        assert not done.get("reply_markup")
        mine = await ask(h.tg, uid, "myreports")
        assert mine["text"].count("已提交") == 12
    async with november() as session:
        reports = (await session.exec(select(Report))).all()
    assert len(reports) == 12 and {r.via for r in reports} == {"excel"}
    assert {r.problems for r in reports} == {None, "融资白名单尚未获批"}


def growth(s: Sheet, row: int, n: int) -> None:
    """Task 18's metric: its growth target (外贸出口增长 10%)."""
    if n == 18:
        s.put(row, "截至本月外贸出口增长（%）", "8.5%")


async def test_files_go_to_the_form_or_the_task_list_by_what_they_are(
    november: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(november, clock) as h:
        uid = await _bound_gao(h)
        not_a_form = await _send(h.tg, uid, SAMPLE.read_bytes(), SAMPLE.name)
        assert "不是填报表" in not_a_form["text"]  # a reporter's spreadsheet is read as a form

        granted = await ask(h.tg, h.admin_id, "grant", f"{GAO} 管理员")
        assert "设为管理员" in granted["text"]
        name, data = await _download(h.tg, uid)
        sheet = open_sheet(data)
        fill_all(sheet, growth)
        preview = await _send(h.tg, uid, sheet.save(), name)
        assert "填报表预览" in preview["text"]  # an admin's form is still a form
        task_list = await _send(h.tg, uid, SAMPLE.read_bytes(), SAMPLE.name)
        assert "填报表" not in task_list["text"]  # …and a task list still a task list
        assert "完全一致" in task_list["text"]  # the seed list, imported already

        stranger = await h.tg.create_user("路人")
        refused = await _send(h.tg, stranger["id"], sheet.save(), name)
        assert refused["text"].startswith("⛔")
    async with november() as session:
        assert (await session.exec(select(Report))).first() is None
