"""A failing handler: the user gets a short apology, the log gets the details, nothing leaks."""

from __future__ import annotations

import logging

import pytest
from telegram.ext import CommandHandler

from bot.app import sender_of
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask
from tests.inprocess import running_bot


async def _boom(update, context) -> None:  # type: ignore[no-untyped-def]
    raise RuntimeError("secret internal detail /var/lib/db password=hunter2")


async def test_handler_failure_apologises_without_details(
    sessions: SessionFactory, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    async with running_bot(sessions, clock) as h:
        h.application.add_handler(CommandHandler("boom", _boom), group=-1)
        user = await h.tg.create_user("Tester")
        await h.tg.send_command(user["id"], "boom")
        reply = await h.tg.wait_for_message(user["id"], timeout=15)
    assert "出错了" in reply["text"] and "不会丢失" not in reply["text"]
    assert "hunter2" not in reply["text"] and "RuntimeError" not in reply["text"]
    assert any("hunter2" in (r.exc_text or "") or r.exc_info for r in caplog.records)


async def test_start_remembers_the_chat(sessions: SessionFactory, clock: ManualClock) -> None:
    from models.tables import Chat

    async with running_bot(sessions, clock) as h:
        user = await h.tg.create_user("Zhang", username="zyz")
        await h.tg.send_command(user["id"], "start")
        await h.tg.wait_for_message(user["id"], timeout=15)
    async with sessions() as session:
        chat = await session.get(Chat, user["id"])
    assert chat is not None and chat.type == "private" and chat.username == "zyz"
    assert chat.first_seen_at == clock.now()


async def test_admins_are_told_of_errors_at_most_every_ten_minutes(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    from datetime import timedelta

    async with running_bot(sessions, clock) as h:
        h.application.add_handler(CommandHandler("boom", _boom), group=-1)
        await ask(h.tg, h.admin_id, "start")
        user = await h.tg.create_user("Tester")
        for _ in range(3):
            sent = await h.tg.send_command(user["id"], "boom")
            await h.tg.wait_for_message(user["id"], after_message_id=sent["message_id"])
        first = await h.tg.wait_for_message(h.admin_id, predicate=lambda m: "出错" in m["text"])
        clock.advance(timedelta(minutes=11))
        sent = await h.tg.send_command(user["id"], "boom")
        await h.tg.wait_for_message(user["id"], after_message_id=sent["message_id"])
        await h.tg.wait_for_message(h.admin_id, after_message_id=first["message_id"],
                                    predicate=lambda m: "出错" in m["text"])  # fmt: skip
        await sender_of(h.application).drain()
        texts = [m["text"] for m in await h.tg.bot_messages(h.admin_id)]
    notices = [t for t in texts if "出错" in t]
    assert len(notices) == 2 and all("RuntimeError" in n for n in notices)
    assert not any("hunter2" in n for n in notices)


async def test_a_second_start_writes_nothing_new(
    sessions: SessionFactory, clock: ManualClock
) -> None:
    from datetime import timedelta

    from models.tables import Chat
    from services.chats import remember_chat

    async with sessions() as session:
        first = await remember_chat(session, chat_id=5, chat_type="private", title="Z",
                                    username="z", now=clock.now())  # fmt: skip
        clock.advance(timedelta(hours=2))
        await remember_chat(session, chat_id=5, chat_type="private", title="Z", username="z",
                            now=clock.now())  # fmt: skip
        assert not session.dirty
    async with sessions() as session:
        assert (await session.get(Chat, 5)).last_seen_at == first.first_seen_at
        await remember_chat(session, chat_id=5, chat_type="private", title="Zhang", username="z",
                            now=clock.now())  # fmt: skip
    async with sessions() as session:
        row = await session.get(Chat, 5)
    assert row.title == "Zhang" and row.last_seen_at == clock.now()
