"""One request context per update, genuine button presses only, and updates that run side by
side — each user's in order — tried through the emulator as users and attackers would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import select
from telegram import Update
from telegram.ext import ApplicationHandlerStop, CommandHandler

from bot.context import BotContext
from models import Headquarters
from models.database import SessionFactory
from services.clock import ManualClock
from tests.botflow import ask, import_seed, links, new_group, press_and_wait_edit
from tests.inprocess import BotHarness, running_bot


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    await import_seed(sessions, clock)
    return sessions


async def press(
    h: BotHarness, user_id: int, chat_id: int, message_id: int, data: str
) -> dict[str, Any]:
    """A forged press (a modified client): returns how the bot answered it."""
    sent = await h.tg.press_button(user_id, chat_id, message_id, data=data, forged=True)
    return await h.tg.callback_answer(sent["callback_query_id"], wait=15)


async def text_of(h: BotHarness, chat_id: int, message_id: int) -> str:
    return next(m for m in await h.tg.messages(chat_id) if m["message_id"] == message_id)["text"]


async def test_forged_presses_are_answered_and_change_nothing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        group = await new_group(h.tg, "指挥部工作群", [h.admin_id])
        notice = await ask(h.tg, h.admin_id, "sethq", chat_id=group["id"])
        page = await ask(h.tg, h.admin_id, "tasks")
        assert page["reply_markup"]  # ▶ to page 2
        start = await ask(h.tg, h.admin_id, "start")
        since = (await h.tg.requests_log())[-1]["seq"]

        attempts = [
            (group["id"], notice, "tasks:0"),  # would turn the HQ notice into a task list
            (h.admin_id, page, "people:0"),  # a real payload under the wrong kind of message
            (h.admin_id, page, "tasks:²"),
            (h.admin_id, page, "tasks:99999999999999999999"),
            (h.admin_id, start, "bind:1:99999999999999999999"),
            (h.admin_id, start, "imp:1:../../etc"),
            (h.admin_id, start, "nonsense"),
        ]
        for chat_id, message, data in attempts:
            answer = await press(h, h.admin_id, chat_id, message["message_id"], data)
            assert answer["answered"], data
            assert "失效" in answer["answer"]["text"], data
            assert await text_of(h, chat_id, message["message_id"]) == message["text"], data
        calls = [r["method"] for r in await h.tg.requests_log(since=since)]
        assert "editMessageText" not in calls
        assert "sendMessage" not in calls  # no generic error reply either


async def test_the_real_buttons_still_work(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        page = await ask(h.tg, h.admin_id, "tasks")
        second = await press_and_wait_edit(h.tg, h.admin_id, page, "▶")
        assert "第 2/" in second["text"] or "2/" in second["text"]


async def test_each_update_opens_one_database_session(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        opened = 0
        inner = h.deps.sessions

        def counting() -> Any:
            nonlocal opened
            opened += 1
            return inner()

        h.deps.sessions = counting  # type: ignore[assignment]
        commands = [
            ("start", ""), ("help", ""), ("whoami", ""), ("tasks", ""), ("task", "12"),
            ("people", ""), ("invite", "张玉珍"), ("grant", "林嵩 组长 海丝引领专项组"),
            ("revoke", "林嵩 组长 海丝引领专项组"), ("delegate", "张玉珍 王五"),
        ]  # fmt: skip
        for command, args in commands:
            opened = 0
            await h.tg.send_command(h.admin_id, command, args)
            # The next update of the same user starts only when this one has finished.
            sentinel, first = ("whoami", "我的身份") if command == "help" else ("help", "可用命令")
            sent = await h.tg.send_command(h.admin_id, sentinel)
            await h.tg.wait_for_message(
                h.admin_id,
                after_message_id=sent["message_id"],
                predicate=lambda m, f=first: m["text"].startswith(f),
            )
            assert opened == 2, (command, opened)


async def test_a_slow_update_delays_only_its_sender(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    release = asyncio.Event()

    async def slow(update: Update, context: BotContext) -> None:
        await release.wait()
        assert update.effective_chat is not None
        await context.deps.outbound.send(update.effective_chat.id, "sethq_kept", hq_name="x")
        raise ApplicationHandlerStop

    async with running_bot(seeded, clock) as h:
        h.application.add_handler(CommandHandler("slow", slow), group=-1)
        busy = await h.tg.create_user("Busy")
        other = await h.tg.create_user("Other")
        await h.tg.send_command(busy["id"], "slow")
        await h.tg.send_command(busy["id"], "help")
        reply = await ask(h.tg, other["id"], "start")  # answered while /slow still waits
        assert "hqbot" in reply["text"]
        assert await h.tg.bot_messages(busy["id"]) == []  # /help waits for /slow: in order
        release.set()
        first = await h.tg.wait_for_message(busy["id"], timeout=15)
        second = await h.tg.wait_for_message(
            busy["id"], after_message_id=first["message_id"], timeout=15
        )
        assert "已取消" in first["text"] and "可用命令" in second["text"]


async def test_odd_digits_get_a_usage_reply(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        for value in ("²", "٣", "-1", "0", "99999999999999999999", "1e3"):
            reply = await ask(h.tg, h.admin_id, "task", value)
            assert "不是有效的序号" in reply["text"], value
        full_width = await ask(h.tg, h.admin_id, "task", "１２")
        assert "12" in full_width["text"] and "用法" not in full_width["text"]


async def test_plain_text_gets_a_pointer_and_a_pasted_link_opens_it(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        user = await h.tg.create_user("林嵩")
        sent = await h.tg.send_text(user["id"], "你好，请问怎么报送？")
        pointer = await h.tg.wait_for_message(user["id"], after_message_id=sent["message_id"])
        assert "/help" in pointer["text"]
        invite = (await ask(h.tg, h.admin_id, "invite", "林嵩"))["text"]
        link = next(line for line in invite.splitlines() if "t.me/" in line)
        url = link[link.index("https://") :].split()[0]
        sent = await h.tg.send_text(user["id"], url)
        card = await h.tg.wait_for_message(user["id"], after_message_id=sent["message_id"])
        assert "林嵩" in card["text"] and card["reply_markup"]
        sent = await h.tg.send_text(user["id"], links(invite)["林嵩"])  # the bare code
        again = await h.tg.wait_for_message(user["id"], after_message_id=sent["message_id"])
        assert "林嵩" in again["text"] and again["reply_markup"]


async def test_help_in_a_group_lists_only_what_works_there(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        group = await new_group(h.tg, "指挥部工作群", [h.admin_id])
        reply = await ask(h.tg, h.admin_id, "help", chat_id=group["id"])
        assert "/sethq" in reply["text"]
        for private_only in ("/invite", "/people", "/grant", "/whoami", "/start"):
            assert private_only not in reply["text"], private_only
        private = await ask(h.tg, h.admin_id, "help")
        assert "/invite" in private["text"] and "/sethq" not in private["text"]


async def test_new_group_hint_and_moving_the_hq_group_asks_first(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        first = await h.tg.create_group("旧群", [h.admin_id], add_bot=True)
        hello = await h.tg.wait_for_message(first["id"], timeout=15)
        assert "/sethq" in hello["text"]
        await ask(h.tg, h.admin_id, "sethq", chat_id=first["id"])
        second = await new_group(h.tg, "新群", [h.admin_id])
        card = await ask(h.tg, h.admin_id, "sethq", chat_id=second["id"])
        assert "已有指挥部工作群" in card["text"] and card["reply_markup"]
        async with seeded() as session:
            hq = (await session.exec(select(Headquarters))).one()
        assert hq.hq_chat_id == first["id"]  # nothing moved yet
        mark = (await h.tg.bot_messages(first["id"]))[-1]["message_id"]
        done = await press_and_wait_edit(h.tg, h.admin_id, card, "✅ 改为本群", second["id"])
        assert "已设为" in done["text"]
        told = await h.tg.wait_for_message(first["id"], after_message_id=mark, timeout=15)
        assert "新群" in told["text"] and "不再接收" in told["text"]
        async with seeded() as session:
            hq = (await session.exec(select(Headquarters))).one()
        assert hq.hq_chat_id == second["id"]


async def test_a_second_start_sets_no_menu(seeded: SessionFactory, clock: ManualClock) -> None:
    async with running_bot(seeded, clock) as h:
        await ask(h.tg, h.admin_id, "start")
        since = (await h.tg.requests_log())[-1]["seq"]
        await ask(h.tg, h.admin_id, "start")
        calls = [r["method"] for r in await h.tg.requests_log(since=since)]
        assert "setMyCommands" not in calls and "deleteMyCommands" not in calls
