"""The "/" menu shows each person what their roles allow, and follows role changes."""

from __future__ import annotations

from bot import menus
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask, bind, import_seed, links
from tests.inprocess import running_bot


def names(commands: list[dict]) -> list[str]:
    return [c["command"] for c in commands]


def chat_scope(user_id: int) -> dict:
    return {"type": "chat", "chat_id": user_id}


async def test_menus_follow_roles(sessions: SessionFactory, clock: ManualClock) -> None:
    await import_seed(sessions, clock)
    async with running_bot(sessions, clock) as h:
        await menus.install_default_menus(h.deps, h.application.bot)
        assert names(await h.tg.commands()) == ["start", "help", "whoami", "lang"]
        groups = await h.tg.commands(scope={"type": "all_group_chats"})
        assert names(groups) == ["help", "tasks", "task", "sethq", "lang"]

        await ask(h.tg, h.admin_id, "start")
        admin_menu = names(await h.tg.commands(scope=chat_scope(h.admin_id)))
        assert {"invite", "people", "grant", "tasks"} <= set(admin_menu)
        assert "sethq" not in admin_menu  # a group command

        user = await h.tg.create_user("林嵩")
        code = links((await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"])["林嵩"]
        await bind(h.tg, user["id"], code)
        responsible_menu = [
            "start", "help", "whoami", "report", "myreports", "cancel", "hq", "lang"
        ]  # fmt: skip
        assert names(await h.tg.commands(scope=chat_scope(user["id"]))) == responsible_menu

        await ask(h.tg, h.admin_id, "grant", "林嵩 组长 海丝引领专项组")
        leader_menu = names(await h.tg.commands(scope=chat_scope(user["id"])))
        leads = ["tasks", "task", "digest", "overdue", "export", "hq", "lang"]
        assert leader_menu == [*responsible_menu[:-2], *leads]
        await ask(h.tg, h.admin_id, "revoke", "林嵩 组长 海丝引领专项组")
        assert names(await h.tg.commands(scope=chat_scope(user["id"]))) == responsible_menu
