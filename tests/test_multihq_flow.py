"""Two headquarters in one deployment, through the emulator: ambiguity is told with buttons,
/hq picks and remembers the headquarters, a person in one headquarters never has to pick, an
HQ group is about its own headquarters, and a press for a foreign headquarters changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from models import ChatHQ, Headquarters, Invitation, Person
from models.database import SessionFactory
from services import invitations, roles
from services.clock import ManualClock
from tests.botflow import HQ_NAME, ask, import_seed, new_group, press_and_wait_edit
from tests.inprocess import BotHarness, running_bot
from tests.multihq import HQ_B, IN_BOTH, ONLY_IN_A, import_two, import_without
from tests.tasklist.helpers import SAMPLE

PICK = "请先选择要操作的指挥部"


@pytest.fixture
async def two(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_two(sessions, clock)
    return sessions


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def hq_id(sessions: SessionFactory, name: str) -> int:
    async with sessions() as session:
        hq = (await session.exec(select(Headquarters).where(Headquarters.name == name))).one()
    assert hq.id is not None
    return hq.id


async def bind_named(
    sessions: SessionFactory, h: BotHarness, name: str, hq_name: str, clock: ManualClock
) -> int:
    """A new account bound to the person through an invitation of `hq_name`."""
    user = await h.tg.create_user(name)
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.name == name))).one()
        [issued] = await invitations.issue(session, await hq_id(sessions, hq_name), [person],
                                           now=clock.now(), ttl=timedelta(days=1),
                                           created_by=None)  # fmt: skip
        claim = await invitations.claim(session, issued.code, user["id"], clock.now())
        assert claim.invitation is not None and claim.invitation.id is not None
        await invitations.confirm(session, claim.invitation.id, user["id"], None, clock.now())
    return int(user["id"])


async def chosen(sessions: SessionFactory) -> list[tuple[int, int]]:
    async with sessions() as session:
        return [(r.chat_id, r.hq_id) for r in (await session.exec(select(ChatHQ))).all()]


async def test_an_admin_is_asked_picks_with_hq_and_the_choice_is_kept(
    two: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(two, clock) as h:
        asked = await ask(h.tg, h.admin_id, "tasks")
        assert PICK in asked["text"] and "任务清单" not in asked["text"]
        assert buttons(asked) == [HQ_NAME, HQ_B]
        for command, args in [
            ("task", "12"), ("whoami", ""), ("invite", "张玉珍"), ("people", ""),
            ("grant", "林嵩 组长 海丝引领专项组"), ("revoke", "林嵩 组长 海丝引领专项组"),
            ("delegate", "张玉珍 王五"), ("hqname", "新名称"),
        ]:  # fmt: skip
            reply = await ask(h.tg, h.admin_id, command, args)
            assert PICK in reply["text"], command
            assert buttons(reply) == [HQ_NAME, HQ_B], command
        async with two() as session:  # none of them did anything
            assert (await session.exec(select(Invitation))).all() == []
            names = [h.name for h in (await session.exec(select(Headquarters))).all()]
            assert "新名称" not in names

        done = await press_and_wait_edit(h.tg, h.admin_id, asked, HQ_B)
        assert "当前指挥部" in done["text"] and HQ_B in done["text"]
        assert await chosen(two) == [(h.admin_id, await hq_id(two, HQ_B))]

        page = await ask(h.tg, h.admin_id, "tasks")
        assert f"{HQ_B} · 2021 年度任务清单" in page["text"]
        assert "张玉珍" not in page["text"]  # B's list has no tasks of hers
        one = await ask(h.tg, h.admin_id, "task", "1")
        assert "没有序号为 1 的任务" in one["text"]  # task 1 (张玉珍's) is A's only
        current = await ask(h.tg, h.admin_id, "hq")
        assert f"当前指挥部：{HQ_B}" in current["text"]
        assert buttons(current) == [HQ_NAME, f"✅ {HQ_B}"]

        back = await press_and_wait_edit(h.tg, h.admin_id, current, HQ_NAME)
        assert HQ_NAME in back["text"]
        page = await ask(h.tg, h.admin_id, "tasks")
        assert f"{HQ_NAME} · 2021 年度任务清单" in page["text"]
        assert await chosen(two) == [(h.admin_id, await hq_id(two, HQ_NAME))]


async def test_an_upload_goes_to_the_current_or_the_captioned_hq(
    two: SessionFactory, clock: ManualClock
) -> None:
    data = SAMPLE.read_bytes()
    async with running_bot(two, clock) as h:
        sent = await h.tg.send_document(h.admin_id, data, SAMPLE.name)
        reply = await h.tg.wait_for_message(h.admin_id, after_message_id=sent["message_id"])
        assert "多个指挥部" in reply["text"] and buttons(reply) == [HQ_NAME, HQ_B]

        sent = await h.tg.send_document(h.admin_id, data, SAMPLE.name, caption=f"{HQ_B} 2021")
        preview = await h.tg.wait_for_message(h.admin_id, after_message_id=sent["message_id"])
        assert f"指挥部：{HQ_B}" in preview["text"]

        await press_and_wait_edit(h.tg, h.admin_id, reply, HQ_NAME)
        sent = await h.tg.send_document(h.admin_id, data, SAMPLE.name, caption=f"{HQ_B} 2021")
        noop = await h.tg.wait_for_message(h.admin_id, after_message_id=sent["message_id"])
        assert f"指挥部：{HQ_NAME}" in noop["text"]  # the chosen one wins over the caption


async def test_a_person_in_one_hq_never_picks(two: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(two, clock) as h:
        zhang = await bind_named(two, h, ONLY_IN_A, HQ_NAME, clock)
        me = await ask(h.tg, zhang, "whoami")
        assert f"我的身份（{HQ_NAME}）" in me["text"]
        assert "1. 建设德艺文创国际经贸合作信息化平台" in me["text"]
        assert PICK not in me["text"]
        current = await ask(h.tg, zhang, "hq")
        assert f"当前指挥部：{HQ_NAME}" in current["text"]
        assert buttons(current) == [f"✅ {HQ_NAME}"]

        gao = await bind_named(two, h, IN_BOTH, HQ_B, clock)  # responsible in both
        asked = await ask(h.tg, gao, "whoami")
        assert PICK in asked["text"] and buttons(asked) == [HQ_NAME, HQ_B]
        done = await press_and_wait_edit(h.tg, gao, asked, HQ_B)
        assert HQ_B in done["text"]
        me = await ask(h.tg, gao, "whoami")
        assert HQ_B in me["text"] and "责任人" in me["text"]


async def test_the_hq_group_is_about_its_own_hq(two: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(two, clock) as h:
        group = await new_group(h.tg, "第二指挥部工作群", [h.admin_id])
        done = await ask(h.tg, h.admin_id, "sethq", HQ_B, chat_id=group["id"])
        assert "已设为" in done["text"] and HQ_B in done["text"]
        page = await ask(h.tg, h.admin_id, "tasks", chat_id=group["id"])
        assert f"{HQ_B} · 2021 年度任务清单" in page["text"]  # no /hq needed in the group
        taken = await ask(h.tg, h.admin_id, "sethq", HQ_NAME, chat_id=group["id"])
        assert "一个群只能是一个指挥部的工作群" in taken["text"]
        async with two() as session:
            by_name = {
                hq.name: hq.hq_chat_id for hq in (await session.exec(select(Headquarters))).all()
            }
        assert by_name == {HQ_NAME: None, HQ_B: group["id"]}
        private = await ask(h.tg, h.admin_id, "tasks")
        assert PICK in private["text"]  # the group's headquarters is not the private chat's


async def test_a_press_for_an_hq_one_does_not_belong_to_is_refused(
    two: SessionFactory, clock: ManualClock
) -> None:
    b = await hq_id(two, HQ_B)
    async with running_bot(two, clock) as h:
        zhang = await bind_named(two, h, ONLY_IN_A, HQ_NAME, clock)
        card = await ask(h.tg, zhang, "hq")
        assert buttons(card) == [f"✅ {HQ_NAME}"]
        forged = await h.tg.press_button(zhang, zhang, card["message_id"], data=f"hq:{b}",
                                         forged=True)  # fmt: skip
        answer = await h.tg.callback_answer(forged["callback_query_id"], wait=15)
        assert answer["answered"] and "失效" in answer["answer"]["text"]

        # A button really offered, but the membership it stood for is gone when it is pressed.
        async with two() as session:
            people = {p.name: p for p in (await session.exec(select(Person))).all()}
            await roles.grant_liaison(session, b, people[ONLY_IN_A], people[IN_BOTH], by=None,
                                      now=clock.now())  # fmt: skip
        card = await ask(h.tg, zhang, "hq")
        assert "尚未选择指挥部" in card["text"]  # a liaison in B too now: no current one
        assert buttons(card) == [HQ_NAME, HQ_B]
        async with two() as session:
            await roles.revoke_granted(session, b, people[ONLY_IN_A], roles.GrantedRole.liaison)
        pressed = await h.tg.press_button(zhang, zhang, card["message_id"], text=HQ_B)
        answer = await h.tg.callback_answer(pressed["callback_query_id"], wait=15)
        assert "不属于" in answer["answer"]["text"]
        assert await chosen(two) == []
        unchanged = next(
            m for m in await h.tg.messages(zhang) if m["message_id"] == card["message_id"]
        )
        assert unchanged["text"] == card["text"]
        me = await ask(h.tg, zhang, "whoami")
        assert HQ_NAME in me["text"]


async def test_with_one_hq_hq_just_names_it(sessions: SessionFactory, clock: ManualClock) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        reply = await ask(h.tg, h.admin_id, "hq")
        assert f"只管理一个指挥部：{HQ_NAME}" in reply["text"]
        assert buttons(reply) == []


async def test_nobody_is_stuck_in_an_hq_where_they_hold_no_role(
    two: SessionFactory, clock: ManualClock
) -> None:
    b = await hq_id(two, HQ_B)
    async with running_bot(two, clock) as h:
        zhang = await bind_named(two, h, ONLY_IN_A, HQ_NAME, clock)  # A's invitation, used
        async with two() as session:
            people = {p.name: p for p in (await session.exec(select(Person))).all()}
            await roles.grant_liaison(session, b, people[ONLY_IN_A], people[IN_BOTH], by=None,
                                      now=clock.now())  # fmt: skip
        await import_without(two, clock, HQ_NAME, ONLY_IN_A)  # her tasks in A are withdrawn
        card = await ask(h.tg, zhang, "hq")
        assert buttons(card) == [HQ_NAME, HQ_B]  # A still: she was invited there
        await press_and_wait_edit(h.tg, zhang, card, HQ_NAME)
        me = await ask(h.tg, zhang, "whoami")
        assert "目前在本指挥部没有角色" in me["text"]
        card = await ask(h.tg, zhang, "hq")  # her liaison role in B still lets her switch
        assert not card["text"].startswith("⛔")
        assert buttons(card) == [f"✅ {HQ_NAME}", HQ_B]
        await press_and_wait_edit(h.tg, zhang, card, HQ_B)
        me = await ask(h.tg, zhang, "whoami")
        assert HQ_B in me["text"] and "联络员" in me["text"]


async def test_a_button_of_an_hq_action_asks_to_pick_when_ambiguous(
    two: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(two, clock) as h:
        asked = await ask(h.tg, h.admin_id, "tasks")
        await press_and_wait_edit(h.tg, h.admin_id, asked, HQ_B)
        page = await ask(h.tg, h.admin_id, "tasks")
        assert "▶" in buttons(page)[-1]
        async with two() as session:  # the choice is gone (e.g. another instance reset it)
            row = (await session.exec(select(ChatHQ))).one()
            await session.delete(row)
            await session.commit()
        pressed = await h.tg.press_button(h.admin_id, h.admin_id, page["message_id"], text="▶")
        answer = await h.tg.callback_answer(pressed["callback_query_id"], wait=15)
        assert "/hq" in answer["answer"]["text"]
        unchanged = next(
            m for m in await h.tg.messages(h.admin_id) if m["message_id"] == page["message_id"]
        )
        assert unchanged["text"] == page["text"]
