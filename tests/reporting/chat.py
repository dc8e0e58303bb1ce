"""Driving the reporting conversation through the emulator, as a person would."""

from __future__ import annotations

from sqlmodel import select

from bot.app import sender_of
from jobs import month
from models import Cycle, Person
from models.database import SessionFactory
from sandbox.emulator import EmulatorClient
from services.reporting.cycles import close_cycle, open_cycle
from tests.botflow import ask
from tests.inprocess import BotHarness
from tests.reporting.helpers import the_hq


async def bind_directly(h: BotHarness, sessions: SessionFactory, *names: str) -> dict[str, int]:
    """Emulator accounts bound to these persons (binding itself is tested elsewhere)."""
    users = {}
    for name in names:
        user = await h.tg.create_user(name, language_code="zh")
        await ask(h.tg, user["id"], "start")  # a person has talked to the bot before binding
        async with sessions() as session:
            person = (await session.exec(select(Person).where(Person.name == name))).one()
            person.telegram_user_id = user["id"]
            session.add(person)
            await session.commit()
        users[name] = user["id"]
    return users


async def open_month(h: BotHarness, sessions: SessionFactory, ym: int) -> Cycle:
    """Open a month and send its asks, as /cycle open does."""
    async with sessions() as session:
        hq = await the_hq(session)
        opened = await open_cycle(session, hq_id=hq.id or 0, ym=ym, due_day=25,
                                  now=h.deps.clock.now(), by=h.admin_id)  # fmt: skip
        await month.queue_asks(h.deps, session, opened.cycle, h.deps.clock.now())
    await sender_of(h.application).drain()  # the asks are in the chats before the test goes on
    return opened.cycle


async def close_month(h: BotHarness, sessions: SessionFactory) -> None:
    """Close the open month."""
    async with sessions() as session:
        hq = await the_hq(session)
        await close_cycle(session, hq_id=hq.id or 0, now=h.deps.clock.now(), by=h.admin_id)


async def last_id(tg: EmulatorClient, chat_id: int) -> int:
    """The newest message id in a chat (either direction)."""
    messages = await tg.messages(chat_id)
    return max((m["message_id"] for m in messages), default=0)


async def say(tg: EmulatorClient, user_id: int, text: str) -> dict:
    """The person sends text; returns the bot's next message."""
    sent = await tg.send_text(user_id, text)
    return await tg.wait_for_message(user_id, after_message_id=sent["message_id"], timeout=20)


async def press(tg: EmulatorClient, user_id: int, message: dict, label: str) -> dict:
    """The person presses a button (by its label) under a message; returns the bot's next one."""
    since = await last_id(tg, user_id)
    await tg.press_button(user_id, user_id, message["message_id"], text=label)
    return await tg.wait_for_message(user_id, after_message_id=since, timeout=20)


def labels(message: dict) -> list[str]:
    """The labels of a message's inline buttons."""
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def label_with(message: dict, part: str) -> str:
    """The one button label containing `part`."""
    found = [label for label in labels(message) if part in label]
    assert len(found) == 1, (part, labels(message))
    return found[0]
