"""What the conversation refuses: forged and stale presses, unexpected input, and long text."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import select

from handlers.callbacks import ReportStart, ReportStep
from models import Headquarters, Person, Report, ReportDraft, RoleGrant
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask, import_seed
from tests.inprocess import running_bot
from tests.reporting.chat import (
    bind_directly,
    close_month,
    last_id,
    open_month,
    press,
    say,
)


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    clock.set(datetime(2021, 11, 20, 9, 0))
    return sessions


async def _draft(sessions: SessionFactory, name: str) -> ReportDraft:
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == name))).one()
        query = select(ReportDraft).where(ReportDraft.person_id == person.id)
        return (await session.exec(query)).one()


async def test_forged_stale_and_garbage_presses_change_nothing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock, rate_limit=False) as h:
        users = await bind_directly(h, seeded, "张玉珍", "林嵩")
        zhang, lin = users["张玉珍"], users["林嵩"]
        since = await last_id(h.tg, zhang)
        cycle = await open_month(h, seeded, 202111)
        asked = await h.tg.wait_for_message(zhang, after_message_id=since, timeout=20)
        q = await press(h.tg, zhang, asked, "▶️ 开始填报")
        draft = await _draft(seeded, "张玉珍")
        lin_ask = (await h.tg.bot_messages(lin))[-1]

        async def forged(user: int, message: dict, data: str) -> dict:
            pressed = await h.tg.press_button(user, user, message["message_id"], data=data,
                                              forged=True)  # fmt: skip
            return await h.tg.callback_answer(pressed["callback_query_id"], wait=10)

        # 林嵩 presses 张玉珍's status button, and her task's start button, from his own chat
        step = ReportStep(draft.id or 0, "status", "done").pack()
        answer = await forged(lin, lin_ask, step)
        assert answer["answer"]["show_alert"] and "失效" in answer["answer"]["text"]
        task1 = ReportStart(cycle.id or 0, draft.stage_id, draft.person_id).pack()
        assert "失效" in (await forged(lin, lin_ask, task1))["answer"]["text"]
        # garbage and a step that is not the current one
        assert "失效" in (await forged(zhang, q, "rq:abc:status:done"))["answer"]["text"]
        wrong_step = ReportStep(draft.id or 0, "summary", "submit").pack()
        assert "失效" in (await forged(zhang, q, wrong_step))["answer"]["text"]
        unchanged = await _draft(seeded, "张玉珍")
        assert (unchanged.step, unchanged.answers) == (draft.step, draft.answers)

        # the month closes: the status buttons of her open question are refused
        await close_month(h, seeded)
        pressed = await h.tg.press_button(zhang, zhang, q["message_id"], text="已完成")
        answer = await h.tg.callback_answer(pressed["callback_query_id"], wait=10)
        assert answer["answer"]["show_alert"]
        assert (await _draft(seeded, "张玉珍")).step == "status"
        closed = await ask(h.tg, zhang, "report")
        assert "没有开放填报的月份" in closed["text"]
    async with seeded() as session:
        assert (await session.exec(select(Report))).first() is None


async def test_unexpected_input_is_re_asked_and_long_text_kept_whole(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock, rate_limit=False) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        since = await last_id(h.tg, zhang)
        await open_month(h, seeded, 202111)
        asked = await h.tg.wait_for_message(zhang, after_message_id=since, timeout=20)
        q = await press(h.tg, zhang, asked, "▶️ 开始填报")
        # text where a button is expected
        again = await say(h.tg, zhang, "按计划")
        assert "不需要这类消息" in again["text"] and "任务状态" in again["text"]
        q = await press(h.tg, zhang, again, "按计划推进")
        # a photo where text is asked; an unknown command mid-way
        sent = await h.tg.send_photo(zhang, b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "a.png", "image/png")
        again = await h.tg.wait_for_message(zhang, after_message_id=sent["message_id"], timeout=20)
        assert "不需要这类消息" in again["text"] and "本月工作进展" in again["text"]
        again = await ask(h.tg, zhang, "frobnicate")
        assert "不需要这类消息" in again["text"] and "本月工作进展" in again["text"]
        # an answer, then its edit: the edit changes nothing and the question is asked again
        answer = "<b>&" + "进" * 4092
        assert len(answer) == 4096
        sent = await h.tg.send_text(zhang, answer)
        q = await h.tg.wait_for_message(zhang, after_message_id=sent["message_id"], timeout=20)
        assert "存在问题" in q["text"]
        since = await last_id(h.tg, zhang)
        await h.tg.edit_text(zhang, sent["message_id"], "改过的进展")
        again = await h.tg.wait_for_message(zhang, after_message_id=since, timeout=20)
        assert "不会改动已保存的回答" in again["text"] and "存在问题" in again["text"]
        assert (await _draft(seeded, "张玉珍")).answers["progress"] == answer
        too_long = await say(h.tg, zhang, "问" * 4097)
        assert "超过 4096 字" in too_long["text"]
        q = await press(h.tg, zhang, too_long, "跳过")
        q = await say(h.tg, zhang, "完成验收")
        q = await say(h.tg, zhang, "-5")
        assert "不能是负数" in q["text"]
        q = await say(h.tg, zhang, "三千万")
        assert "没能读出数字" in q["text"]
        q = await say(h.tg, zhang, "32000000元")
        since = await last_id(h.tg, zhang)
        await h.tg.press_button(zhang, zhang, q["message_id"], text="完成")
        last = await h.tg.wait_for_message(
            zhang,
            after_message_id=since,
            timeout=20,
            predicate=lambda m: bool(m.get("reply_markup")),
        )
        # the summary shows the long answer escaped, split over messages rather than cut
        parts = [
            m
            for m in await h.tg.bot_messages(zhang)
            if since < m["message_id"] <= last["message_id"]
        ]
        assert len(parts) >= 2
        assert "进" * 4092 in "".join(m["text"] for m in parts).replace("\n", "")
        assert "&lt;b&gt;&amp;" in parts[0]["html"]
        await press(h.tg, zhang, last, "✅ 提交")
    async with seeded() as session:
        report = (await session.exec(select(Report))).one()
        assert report.progress == answer and report.metric_value == 3200


async def test_a_liaison_reports_for_the_principal(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with seeded() as session:
        hq = (await session.exec(select(Headquarters))).one()
        gao = (await session.exec(select(Person).where(Person.name == "高勇坤"))).one()
        liaison = Person(name="王联络", unit_id=gao.unit_id, created_at=clock.now())
        session.add(liaison)
        await session.flush()
        session.add(RoleGrant(hq_id=hq.id or 0, person_id=liaison.id or 0, role="liaison",
                              principal_id=gao.id, created_at=clock.now()))  # fmt: skip
        await session.commit()
    async with running_bot(seeded, clock, rate_limit=False) as h:
        wang = (await bind_directly(h, seeded, "王联络"))["王联络"]
        since = await last_id(h.tg, wang)
        await open_month(h, seeded, 202111)
        asked = await h.tg.wait_for_message(wang, after_message_id=since, timeout=20)
        assert "18. 组织开展 RCEP 专题学习" in asked["text"] and "（代高勇坤填报）" in asked["text"]
        q = await ask(h.tg, wang, "report")
        assert "第 1/12 项" in q["text"] and "责任人：高勇坤（由 王联络 代填）" in q["text"]
        q = await press(h.tg, wang, q, "已完成")
        q = await say(h.tg, wang, "已完成专题培训两场")
        q = await press(h.tg, wang, q, "跳过")
        q = await say(h.tg, wang, "继续组织企业参会")
        q = await press(h.tg, wang, q, "完成")
        saved = await press(h.tg, wang, q, "✅ 提交")
        assert "已提交" in saved["text"]
        nxt = await h.tg.wait_for_message(wang, after_message_id=saved["message_id"], timeout=20)
        assert "第 2/12 项 · 15." in nxt["text"]
        mine = await ask(h.tg, wang, "myreports")
        assert "已提交" in mine["text"] and "未填" in mine["text"] and "（高勇坤）" in mine["text"]
    async with seeded() as session:
        report = (await session.exec(select(Report))).one()
        assert report.person_id == gao.id and report.filler_id == liaison.id


async def test_stickers_voice_location_and_contacts_get_the_question_again(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock, rate_limit=False) as h:
        zhang = (await bind_directly(h, seeded, "张玉珍"))["张玉珍"]
        await open_month(h, seeded, 202111)
        q = await ask(h.tg, zhang, "report")
        q = await press(h.tg, zhang, q, "按计划推进")
        senders = [
            lambda: h.tg.send_sticker(zhang, "👍"),
            lambda: h.tg.send_voice(zhang, 4),
            lambda: h.tg.send_location(zhang, 26.08, 119.3),
            lambda: h.tg.send_contact(zhang, "+8613800000000", "张"),
        ]
        for send in senders:
            sent = await send()
            again = await h.tg.wait_for_message(zhang, after_message_id=sent["message_id"],
                                                timeout=20)  # fmt: skip
            assert "不需要这类消息" in again["text"] and "本月工作进展" in again["text"]
        draft = await _draft(seeded, "张玉珍")
        assert draft.step == "progress" and draft.answers["progress"] is None
