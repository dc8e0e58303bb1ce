"""The permission matrix, walked for real: every command as every role, in a private chat, the
HQ group and another group, through the emulator — allowed or refused exactly as documented."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.permissions import (
    NOT_COMMANDS,
    PERMISSIONS,
    ROLE_ORDER,
    Where,
    command_allowed,
    command_of,
    matrix_markdown,
)
from models import Headquarters, Person
from models.database import SessionFactory
from services import invitations, people, roles
from services.clock import ManualClock
from services.roles import Role
from tests.botflow import ask, import_seed, new_group
from tests.inprocess import running_bot

DOCS = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
ARGS = {"task": "12", "invite": "张玉珍", "grant": "林嵩 组长 海丝引领专项组",
        "revoke": "林嵩 组长 海丝引领专项组",
        "delegate": "林嵩 王五", "sethq": ""}  # fmt: skip
# Each command once (`/lang` is `lang` in private and `lang_group` in groups).
COMMANDS = list(dict.fromkeys(command_of(a) for a in PERMISSIONS if a not in NOT_COMMANDS))


async def bind_person(sessions: SessionFactory, hq_id: int, person: Person, user_id: int, clock):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        [issued] = await invitations.issue(
            session, hq_id, [person], now=clock.now(), ttl=timedelta(days=1), created_by=None
        )
        claim = await invitations.claim(session, issued.code, user_id, clock.now())
        await invitations.confirm(session, claim.invitation.id, user_id, None, clock.now())


async def test_every_command_as_every_role_in_every_chat(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    await import_seed(sessions, clock)
    # 200 replies, most in two groups: Telegram's 20-per-minute group pacing is off here.
    async with running_bot(sessions, clock, rate_limit=False) as h:
        async with sessions() as session:
            hq = (await session.exec(select(Headquarters))).one()
            by_name = {p.name: p for p in (await session.exec(select(Person))).all()}
            leader_only = Person(name="组长甲", created_at=clock.now())
            session.add(leader_only)
            await session.commit()
            await roles.set_group_leader(session, hq.id, leader_only, "海丝引领专项组", on=True)
            principal = by_name["张玉珍"]
            liaison = await people.liaison_for(session, principal, "李明", now=clock.now())
            await roles.grant_liaison(session, hq.id, liaison, principal, by=None, now=clock.now())
        users: dict[Role, int] = {Role.admin: h.admin_id}
        for role, person in [
            (Role.hq_leader, by_name["黄瑞忠"]),
            (Role.group_leader, leader_only),
            (Role.responsible, principal),
            (Role.liaison, liaison),
            (Role.stranger, None),
        ]:
            user = await h.tg.create_user(role.value)
            users[role] = user["id"]
            if person is not None:
                await bind_person(sessions, hq.id, person, user["id"], clock)
        async with sessions() as session:
            for role, user_id in users.items():
                ident = await roles.identify(session, hq, user_id, h.deps.settings.telegram.admins)
                assert ident.roles == {role}, (role, ident.roles)

        members = list(users.values())
        hq_group = await new_group(h.tg, "指挥部工作群", members)
        other = await new_group(h.tg, "其他群", members)
        chats = {Where.hq_group: hq_group["id"], Where.other_group: other["id"]}

        async def set_hq_group() -> None:
            async with sessions() as session:
                row = await session.get(Headquarters, hq.id)
                row.hq_chat_id = hq_group["id"]
                session.add(row)
                await session.commit()

        await set_hq_group()
        mismatches = []
        for action in COMMANDS:
            for role in ROLE_ORDER:
                for where in Where:
                    user_id = users[role]
                    chat_id = chats.get(where)
                    reply = await ask(h.tg, user_id, action, ARGS.get(action, ""), chat_id=chat_id)
                    refused = reply["text"].startswith("⛔")
                    if refused == command_allowed(action, role, where):
                        mismatches.append((action, role.value, where.value, reply["text"][:60]))
                    if action == "sethq" and not refused:
                        await set_hq_group()
        assert mismatches == []


async def test_upload_only_for_admins_in_private(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(sessions, clock) as h:
        stranger = await h.tg.create_user("路人")
        for user_id, refused in ((h.admin_id, False), (stranger["id"], True)):
            sent = await h.tg.send_document(user_id, "序号,项目名称\n1,甲\n".encode(), "t.csv")
            reply = await h.tg.wait_for_message(user_id, after_message_id=sent["message_id"])
            assert reply["text"].startswith("⛔") is refused


def test_docs_show_the_matrix_the_code_enforces() -> None:
    assert matrix_markdown() in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("action", list(PERMISSIONS))
def test_every_action_has_a_rule_and_a_menu_entry_or_is_upload(action: str) -> None:
    from bot.templating import Renderer

    menu = {c for c, _ in Renderer("zh").command_menu()}
    assert command_of(action) in menu or action in NOT_COMMANDS
