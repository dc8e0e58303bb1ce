"""Invitations, binding, liaisons, roles, reachability and the HQ group, through the emulator
with the bot in-process (so the clock can move)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import notify
from models import Headquarters, Invitation, Person
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import HQ_NAME, ask, bind, import_seed, links, new_group, press_and_wait_edit
from tests.inprocess import running_bot


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    return sessions


async def test_invite_confirm_whoami_and_second_use(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        reply = await ask(h.tg, h.admin_id, "invite", "张玉珍")
        code = links(reply["text"])["张玉珍"]
        assert len(code) >= 22  # ≥ 128 bits in base64url
        user = await h.tg.create_user("玉珍", "张", language_code="zh")
        card = await ask(h.tg, user["id"], "start", code)
        assert "您是 鼓东街道 的 张玉珍 吗？" in card["text"]
        done = await press_and_wait_edit(h.tg, user["id"], card, "✅ 是的，确认")
        assert "绑定成功" in done["text"]
        me = await ask(h.tg, user["id"], "whoami")
        assert "张玉珍（鼓东街道）" in me["text"] and "责任人" in me["text"]
        assert "1. 建设德艺文创国际经贸合作信息化平台" in me["text"]
        assert "2. 新建开元寺空海大师、圆珍大师纪念堂" in me["text"]

        other = await h.tg.create_user("冒名", language_code="zh")
        again = await ask(h.tg, other["id"], "start", code)
        assert "已经使用过" in again["text"]
    async with seeded() as session:
        person = (await session.exec(select(Person).where(Person.name == "张玉珍"))).one()
    assert person.telegram_user_id == user["id"]


async def test_expired_and_revoked_links_are_refused(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        first = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        second = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        user = await h.tg.create_user("林嵩")
        assert "已作废" in (await ask(h.tg, user["id"], "start", first))["text"]
        clock.advance(timedelta(days=14, seconds=1))
        assert "已过期" in (await ask(h.tg, user["id"], "start", second))["text"]


async def test_wrong_codes_are_rate_limited_and_logged(
    seeded: SessionFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(seeded, clock) as h:
        good = links((await ask(h.tg, h.admin_id, "invite", "黄勉"))["text"])["黄勉"]
        attacker = await h.tg.create_user("Mallory")
        answers = [
            (await ask(h.tg, attacker["id"], "start", f"guess{i:02d}xxxxxxxxxxxxxxxxxxxxxx"))[
                "text"
            ]
            for i in range(20)
        ]
        assert all("邀请链接无效" in a for a in answers[:5])
        assert all("尝试次数过多" in a for a in answers[5:])
        # even a valid code is refused while the limit lasts, and works after it
        assert "尝试次数过多" in (await ask(h.tg, attacker["id"], "start", good))["text"]
        clock.advance(timedelta(minutes=16))
        assert "黄勉" in (await ask(h.tg, attacker["id"], "start", good))["text"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("invalid invitation code" in w for w in warnings) == 5
    assert any("rate-limited" in w and str(attacker["id"]) in w for w in warnings)
    assert not any("guess" in w for w in warnings)  # codes are never logged


async def test_codes_are_stored_hashed(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        reply = await ask(h.tg, h.admin_id, "invite", "all")
    codes = links(reply["text"])
    assert len(codes) == 16 + 4  # every responsible person, plus leaders not on the task list
    async with seeded() as session:
        rows = (await session.exec(select(Invitation))).all()
    stored = {r.code_hash for r in rows}
    assert not stored & set(codes.values())
    assert all(len(h) == 64 for h in stored)


async def test_new_phone_rebinds_and_releases_the_old_account(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        old = await h.tg.create_user("旧手机")
        code = links((await ask(h.tg, h.admin_id, "invite", "朱向东"))["text"])["朱向东"]
        await bind(h.tg, old["id"], code)
        new = await h.tg.create_user("新手机")
        code = links((await ask(h.tg, h.admin_id, "invite", "朱向东"))["text"])["朱向东"]
        done = await bind(h.tg, new["id"], code)
        assert "原来绑定的账号已解除" in done["text"]
        assert (
            "还没有绑定身份" in (await ask(h.tg, old["id"], "whoami"))["text"]
            or "尚未绑定" in (await ask(h.tg, old["id"], "whoami"))["text"]
        )
        assert "朱向东" in (await ask(h.tg, new["id"], "whoami"))["text"]


async def test_confirm_by_another_account_is_refused(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    from services import invitations

    async with seeded() as session:
        person = (await session.exec(select(Person).where(Person.name == "吴振国"))).one()
        hq = (await session.exec(select(Headquarters))).one()
        [issued] = await invitations.issue(
            session, hq.id, [person], now=clock.now(), ttl=timedelta(days=14), created_by=None
        )
        claim = await invitations.claim(session, issued.code, 111, clock.now())
        forged = await invitations.confirm(session, claim.invitation.id, 222, None, clock.now())
        assert forged.status is invitations.ConfirmStatus.not_yours
        await session.refresh(person)
        assert person.telegram_user_id is None
        real = await invitations.confirm(session, claim.invitation.id, 111, "wzg", clock.now())
        assert real.status is invitations.ConfirmStatus.bound
        again = await invitations.confirm(session, claim.invitation.id, 111, "wzg", clock.now())
        assert again.status is invitations.ConfirmStatus.invalid


async def test_liaison_reports_for_principal(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        reply = await ask(h.tg, h.admin_id, "delegate", "张玉珍 李明")
        assert "李明（鼓东街道） 现在是 张玉珍 的联络员" in reply["text"]
        link_msg = await h.tg.wait_for_message(
            h.admin_id, after_message_id=reply["message_id"], timeout=10
        )
        code = links(link_msg["text"])["李明"]
        liaison = await h.tg.create_user("李明")
        card = await ask(h.tg, liaison["id"], "start", code)
        assert "鼓东街道" in card["text"] and "李明" in card["text"]
        await press_and_wait_edit(h.tg, liaison["id"], card, "✅ 是的，确认")
        me = await ask(h.tg, liaison["id"], "whoami")
        assert "联络员（代 张玉珍 报送）" in me["text"]
        assert "1. 建设德艺文创国际经贸合作信息化平台（代 张玉珍）" in me["text"]
        revoked = await ask(h.tg, h.admin_id, "revoke", "李明 联络员")
        assert "已取消 李明 的联络员身份" in revoked["text"]
        assert "代 张玉珍" not in (await ask(h.tg, liaison["id"], "whoami"))["text"]


async def test_grant_and_revoke_admin_and_group_leader(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        user = await h.tg.create_user("林嵩")
        code = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        await bind(h.tg, user["id"], code)
        assert (await ask(h.tg, user["id"], "people"))["text"].startswith("⛔")
        assert "设为管理员" in (await ask(h.tg, h.admin_id, "grant", "林嵩 管理员"))["text"]
        assert "人员名单" in (await ask(h.tg, user["id"], "people"))["text"]
        assert "已取消" in (await ask(h.tg, h.admin_id, "revoke", "林嵩 admin"))["text"]
        assert (await ask(h.tg, user["id"], "people"))["text"].startswith("⛔")
        granted = await ask(h.tg, h.admin_id, "grant", "林嵩 组长 海丝引领专项组")
        assert "设为海丝引领专项组组长" in granted["text"]
        assert "工作小组组长（海丝引领专项组）" in (await ask(h.tg, user["id"], "whoami"))["text"]
        nogroup = await ask(h.tg, h.admin_id, "grant", "林嵩 组长 不存在的组")
        assert "没有名为“不存在的组”的工作小组" in nogroup["text"]
        unknown = await ask(h.tg, h.admin_id, "grant", "查无此人 admin")
        assert "没有找到“查无此人”" in unknown["text"]
        usage = await ask(h.tg, h.admin_id, "grant", "林嵩 国王")
        assert "用法" in usage["text"]


async def test_people_lists_statuses(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        user = await h.tg.create_user("郑榕")
        code = links((await ask(h.tg, h.admin_id, "invite", "郑榕"))["text"])["郑榕"]
        await bind(h.tg, user["id"], code)
        await ask(h.tg, h.admin_id, "invite", "高勇坤")
        page = await ask(h.tg, h.admin_id, "people")
        text = page["text"]
        assert "共 20 人，第 1/1 页" in text
        assert "已绑定 1 · 已邀请 1 · 未邀请 18 · 无法联系 0" in text
        assert "郑榕（区委台港澳办） ✅ 已绑定" in text
        assert "高勇坤（区商务局） ✉️ 已邀请" in text
        await h.tg.block_bot(user["id"])
        notice = await h.tg.wait_for_message(
            h.admin_id, after_message_id=page["message_id"], timeout=10
        )
        assert "郑榕 屏蔽了机器人" in notice["text"]
        page = await ask(h.tg, h.admin_id, "people")
        assert "郑榕（区委台港澳办） 🚫 无法联系" in page["text"]


async def test_unreachable_told_once_and_restored(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        user = await h.tg.create_user("叶艺芳")
        code = links((await ask(h.tg, h.admin_id, "invite", "叶艺芳"))["text"])["叶艺芳"]
        await bind(h.tg, user["id"], code)
        mark = (await h.tg.bot_messages(h.admin_id))[-1]["message_id"]
        await h.tg.block_bot(user["id"])
        await h.tg.wait_for_message(h.admin_id, after_message_id=mark, timeout=10)
        # a send that hits the block (403) does not tell the admins a second time
        await h.deps.outbound.send(user["id"], "help", commands=[], is_admin=False)
        await h.tg.unblock_bot(user["id"])
        back = await h.tg.wait_for_message(h.admin_id, after_message_id=mark + 1, timeout=10)
        assert "叶艺芳 已重新打开" in back["text"]
        notices = [m["text"] for m in await h.tg.bot_messages(h.admin_id) if m["message_id"] > mark]
        assert sum("屏蔽了机器人" in t for t in notices) == 1
    async with seeded() as session:
        person = (await session.exec(select(Person).where(Person.name == "叶艺芳"))).one()
    assert person.reachable


async def test_sethq_and_supergroup_migration(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        group = await new_group(h.tg, "指挥部工作群", [h.admin_id])
        done = await ask(h.tg, h.admin_id, "sethq", chat_id=group["id"])
        assert "已设为" in done["text"] and HQ_NAME in done["text"]
        async with seeded() as session:
            hq = (await session.exec(select(Headquarters))).one()
        assert hq.hq_chat_id == group["id"]

        supergroup = await h.tg.migrate_group(group["id"], by_user_id=h.admin_id)
        new_id = supergroup["id"]
        sent = await notify.send_to_hq(h.deps, hq.id, "sethq_done", hq_name=HQ_NAME, title="x")
        assert sent is not None and sent.chat_id == new_id
        async with seeded() as session:
            assert (await session.get(Headquarters, hq.id)).hq_chat_id == new_id


async def test_send_to_old_group_id_follows_chat_migrated(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        group = await new_group(h.tg, "指挥部工作群", [h.admin_id])
        await ask(h.tg, h.admin_id, "sethq", chat_id=group["id"])
        async with seeded() as session:
            hq = (await session.exec(select(Headquarters))).one()
        h.application.remove_handler(  # miss the migration service message on purpose
            next(x for x in h.application.handlers[0] if "on_migration" in repr(x.callback))
        )
        supergroup = await h.tg.migrate_group(group["id"], by_user_id=h.admin_id)
        sent = await notify.send_to_hq(h.deps, hq.id, "sethq_done", hq_name=HQ_NAME, title="x")
        assert sent is not None and sent.chat_id == supergroup["id"]
        async with seeded() as session:
            assert (await session.get(Headquarters, hq.id)).hq_chat_id == supergroup["id"]
