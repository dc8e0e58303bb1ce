"""The digest reaches the HQ group by itself at the close, once: text, chart and Excel; each
group leader gets their group's part; leaders ask for it with /digest, admins preview and post it.

November 2021 on the seed task list, driven by the injected clock (the schedule's tick) against
the emulator over HTTP: opens Monday the 22nd, closes Friday the 26th at 09:00.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.app import sender_of
from handlers.callbacks import DigestPublish
from jobs import month
from jobs.digest import PostKind, post_digest
from models import Cycle, Headquarters, Person, ReportStatus
from models.database import SessionFactory
from models.outbox import OutboxMessage
from models.schedule import CycleRun
from services.clock import ManualClock
from services.reporting.answers import Answers
from services.reporting.reports import items_for, submit_report
from services.schedule_settings import rules_for
from tests.botflow import ask, import_seed
from tests.digest.scripted import Scripted
from tests.inprocess import BotHarness, running_bot
from tests.reporting.chat import bind_directly
from tests.reporting.helpers import the_hq

TITLE = "构建对外开放新高地项目指挥部 2021年11月工作进展汇总"
LEADER = "陈旭"  # leads 海丝引领专项组 only
REPORTERS = ("张玉珍", "林嵩")  # 海丝引领专项组: tasks 1, 2 and 3
CLOSE = datetime(2021, 11, 26, 9, 0)


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 1, 9, 0))
    await import_seed(sessions, clock)
    return sessions


@pytest.fixture
async def h(seeded: SessionFactory, clock: ManualClock) -> AsyncIterator[BotHarness]:
    async with running_bot(seeded, clock) as harness:
        yield harness


async def _tick(h: BotHarness, clock: ManualClock, when: datetime) -> None:
    clock.set(when)
    await month.tick(h.deps)
    await sender_of(h.application).drain()


async def _hq_group(h: BotHarness, sessions: SessionFactory, members: list[int]) -> int:
    """An HQ group with the bot in it (as /sethq would record)."""
    group = await h.tg.create_group("指挥部工作群", [h.admin_id, *members], add_bot=True)
    async with sessions() as session:
        hq = await the_hq(session)
        hq.hq_chat_id = group["id"]
        session.add(hq)
        await session.commit()
    return int(group["id"])


async def _report(sessions: SessionFactory, clock: ManualClock, name: str) -> None:
    async with sessions() as session:
        cycle = (await session.exec(select(Cycle))).one()
        who = (await session.exec(select(Person).where(Person.name == name))).one()
        assert who.id is not None
        for item in await items_for(session, cycle, [who.id]):
            answers = Answers(ReportStatus.on_track, f"{name}本月按计划推进", None, "下月完成",
                              Decimal("3000"))  # fmt: skip
            await submit_report(session, cycle=cycle, stage_id=item.due.stage_id,
                                person_id=who.id, filler_id=who.id, answers=answers,
                                via="chat", now=clock.now())  # fmt: skip


async def _posted(h: BotHarness, chat_id: int) -> list[dict]:
    """The bot's messages in the HQ group from the first digest on (not its hello)."""
    messages = await h.tg.bot_messages(chat_id)
    first = next(n for n, m in enumerate(messages) if TITLE in m.get("text", ""))
    return messages[first:]


def _kinds(messages: list[dict]) -> list[str]:
    """What each bot message is: text, photo or document."""
    return ["photo" if "photo" in m else "document" if "document" in m else "text"
            for m in messages]  # fmt: skip


async def _month_closed(h: BotHarness, sessions: SessionFactory, clock: ManualClock) -> dict:
    """Bind, open by the clock, two persons report, close by the clock; who is who."""
    users = await bind_directly(h, sessions, LEADER, *REPORTERS)
    group = await _hq_group(h, sessions, list(users.values()))
    await _tick(h, clock, datetime(2021, 11, 22, 9, 0))
    clock.set(datetime(2021, 11, 23, 10, 0))
    for name in REPORTERS:
        await _report(sessions, clock, name)
    await _tick(h, clock, CLOSE)
    return {"group": group, **users}


async def test_at_the_close_the_hq_group_gets_digest_chart_and_excel_once(
    h: BotHarness, seeded: SessionFactory, clock: ManualClock
) -> None:
    who = await _month_closed(h, seeded, clock)
    posted = await _posted(h, who["group"])
    kinds = _kinds(posted)
    assert kinds[-2:] == ["photo", "document"] and set(kinds[:-2]) == {"text"}
    texts = [m["text"] for m in posted if "text" in m and "photo" not in m]
    assert TITLE in texts[0]
    assert "黄勉（东街街道，海丝引领专项组）" in "".join(texts)  # named as not reported
    book = posted[-1]["document"]
    assert book["file_name"].endswith(".xlsx")
    data = await h.tg.download_file(book["file_id"])
    sheets = load_workbook(io.BytesIO(data)).sheetnames
    assert len(sheets) == 4
    photo = posted[-2]["photo"][-1]
    assert (await h.tg.download_file(photo["file_id"]))[:8] == b"\x89PNG\r\n\x1a\n"

    # ticks after the close, and another process's tick, post nothing more
    await _tick(h, clock, datetime(2021, 11, 26, 9, 1))
    await _tick(h, clock, datetime(2021, 11, 26, 10, 0))
    assert len(await _posted(h, who["group"])) == len(posted)
    async with seeded() as session:
        runs = (await session.exec(select(CycleRun.kind, CycleRun.n))).all()
    assert ("digest", 0) in runs and len([r for r in runs if r[0] == "digest"]) == 1

    # the group leader got their group's part, privately
    lead = [m["text"] for m in await h.tg.bot_messages(who[LEADER]) if "text" in m]
    part = next(t for t in lead if "海丝引领专项组" in t and "2021年11月" in t)
    assert "第一家园建设工作组" not in part


async def test_a_leaders_digest_is_what_the_group_got_and_admins_preview_and_post(
    h: BotHarness, seeded: SessionFactory, clock: ManualClock
) -> None:
    who = await _month_closed(h, seeded, clock)
    posted = [m["text"] for m in await _posted(h, who["group"]) if _kinds([m]) == ["text"]]

    before = len(await h.tg.bot_messages(who[LEADER]))
    sent = await h.tg.send_command(who[LEADER], "digest")
    await h.tg.wait_for_message(who[LEADER], after_message_id=sent["message_id"], timeout=20)
    await sender_of(h.application).drain()
    mine = (await h.tg.bot_messages(who[LEADER]))[before:]
    for _ in range(50):  # the parts and the chart arrive one after another
        if _kinds(mine)[-1:] == ["photo"]:
            break
        await h.tg.wait_for_message(who[LEADER], after_message_id=mine[-1]["message_id"])
        mine = (await h.tg.bot_messages(who[LEADER]))[before:]
    assert [m["text"] for m in mine if _kinds([m]) == ["text"]] == posted  # the same content

    # a leader may not preview; the admin previews and posts it again
    refused = await ask(h.tg, who[LEADER], "digest", "preview")
    assert "/digest preview" in refused["text"] and "权限" in refused["text"]
    await ask(h.tg, h.admin_id, "digest", "preview 2021-11")
    for _ in range(50):
        last = (await h.tg.bot_messages(h.admin_id))[-1]
        if last.get("reply_markup"):
            break
        await h.tg.wait_for_message(h.admin_id, after_message_id=last["message_id"])
    assert "发布到指挥部群" in str(last["reply_markup"])
    count = len(await _posted(h, who["group"]))
    await h.tg.press_button(h.admin_id, h.admin_id, last["message_id"], text="📢 发布到指挥部群")
    await h.tg.wait_for_request("editMessageText", finished=True, timeout=20)
    await sender_of(h.application).drain()
    again = await _posted(h, who["group"])
    assert len(again) == 2 * count and TITLE in again[count]["text"]
    edited = next(m for m in await h.tg.bot_messages(h.admin_id)
                  if m["message_id"] == last["message_id"])  # fmt: skip
    assert "第 1 次发布" in edited["text"]


async def test_export_and_overdue_for_leaders(
    h: BotHarness, seeded: SessionFactory, clock: ManualClock
) -> None:
    who = await _month_closed(h, seeded, clock)
    sent = await h.tg.send_command(who[LEADER], "export", "2021-11")
    got = await h.tg.wait_for_message(who[LEADER], after_message_id=sent["message_id"], timeout=20)
    assert got["document"]["file_name"] == "工作进展汇总-2021年11月.xlsx"
    overdue = await ask(h.tg, who[LEADER], "overdue")
    assert "逾期与停滞" in overdue["text"]
    bad = await ask(h.tg, who[LEADER], "export", "十三月")
    assert "无法识别" in bad["text"]
    reporter = await ask(h.tg, who["张玉珍"], "digest")
    assert "权限" in reporter["text"]  # responsible persons do not read the digest


async def test_without_an_hq_group_the_leaders_still_get_their_parts(
    h: BotHarness, seeded: SessionFactory, clock: ManualClock
) -> None:
    users = await bind_directly(h, seeded, LEADER, *REPORTERS)
    await _tick(h, clock, datetime(2021, 11, 22, 9, 0))
    await _tick(h, clock, CLOSE)
    async with seeded() as session:
        rows = (await session.exec(select(OutboxMessage).where(
            col(OutboxMessage.key).startswith("digest:")))).all()  # fmt: skip
    assert rows and all(r.chat_id == users[LEADER] for r in rows)


async def test_a_quarters_third_close_adds_the_quarter_review(scripted: Scripted) -> None:
    clock = ManualClock(datetime(2021, 9, 28, 18, 30), tz="Asia/Shanghai")
    async with running_bot(scripted.sessions, clock) as h:
        group = await h.tg.create_group("指挥部工作群", [h.admin_id], add_bot=True)
        async with scripted.sessions() as session:
            hq = (await session.exec(select(Headquarters))).one()
            hq.hq_chat_id = group["id"]
            session.add(hq)
            await session.commit()
            september = (await session.exec(select(Cycle).where(Cycle.ym == 202109))).one()
            rules = await rules_for(session, hq.id or 0, h.deps.settings.cycle)
            posting = await post_digest(h.deps, session, september, clock.now(), rules, n=0)
            again = await post_digest(h.deps, session, september, clock.now(), rules, n=0)
        assert posting.kind is PostKind.posted and posting.quarter
        assert again.kind is PostKind.already
        await sender_of(h.application).drain()
        posted = await h.tg.bot_messages(group["id"])
        assert _kinds(posted).count("photo") == 2 and _kinds(posted).count("document") == 2
        texts = "".join(m.get("text", "") for m in posted)
        assert "2021年第三季度" in texts or "2021年第3季度" in texts


def test_publish_button_data_round_trips() -> None:
    assert DigestPublish.parse(DigestPublish(7).pack()) == DigestPublish(7)
    assert DigestPublish.parse("dgp:x") is None
