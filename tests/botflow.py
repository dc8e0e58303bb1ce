"""Conversation helpers shared by the bot-level tests (in-process and subprocess)."""

from __future__ import annotations

import re

from models.database import SessionFactory
from sandbox.emulator import EmulatorClient
from services import importer
from services.clock import ManualClock
from tests.tasklist.helpers import SAMPLE, STRUCTURE

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")
HQ_NAME = "构建对外开放新高地项目指挥部"


async def import_seed(sessions: SessionFactory, clock: ManualClock) -> None:
    """The seed task list (附件2) and structure (附件1) in the database."""
    for path in (SAMPLE, STRUCTURE):
        parsed = importer.parse_upload(path.read_bytes(), path.name, 2021)
        async with sessions() as session:
            result = await importer.apply_upload(session, HQ_NAME, parsed, now=clock.now())
        assert result.applied, result.problems


async def ask(
    tg: EmulatorClient, user_id: int, command: str, args: str = "", chat_id: int | None = None
) -> dict:
    """Send a command and return the bot's next message in that chat."""
    chat = chat_id or user_id
    sent = await tg.send_command(user_id, command, args, chat_id=chat_id)
    return await tg.wait_for_message(chat, after_message_id=sent["message_id"], timeout=20)


async def press_and_wait_edit(
    tg: EmulatorClient, user_id: int, message: dict, button: str, chat_id: int | None = None
) -> dict:
    """Press a button under a bot message; return that message once the bot edited it."""
    chat = chat_id or user_id
    since = (await tg.requests_log())[-1]["seq"]
    await tg.press_button(user_id, chat, message["message_id"], text=button)
    await tg.wait_for_request("editMessageText", since=since, finished=True, timeout=20)
    return next(m for m in await tg.messages(chat) if m["message_id"] == message["message_id"])


def links(text: str) -> dict[str, str]:
    """Invitation codes by the person named at the start of each line of an /invite reply."""
    found = {}
    for line in text.splitlines():
        match = LINK.search(line)
        if match:
            name = re.split(r"[（(:：]", line, maxsplit=1)[0].strip()
            found[name] = match.group(2)
    return found


async def bind(tg: EmulatorClient, user_id: int, code: str) -> dict:
    """Open an invitation link and confirm it; returns the edited card."""
    card = await ask(tg, user_id, "start", code)
    assert card.get("reply_markup"), card["text"]
    return await press_and_wait_edit(tg, user_id, card, "✅ 是的，确认")


async def new_group(tg: EmulatorClient, title: str, members: list[int]) -> dict:
    """A group with the bot added, once the bot has said hello there."""
    group = await tg.create_group(title, members, add_bot=True)
    await tg.wait_for_message(group["id"], timeout=20)
    return group
