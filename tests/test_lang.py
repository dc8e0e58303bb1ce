"""/lang: a person's language in private (anyone), a group's language (admins only) — replies,
menus, the month's asks and reminders, and group messages follow it; nobody else's change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot import menus, notify
from bot.app import sender_of
from bot.queue import queue
from jobs import month
from models import Headquarters, OutboxMessage
from models.database import SessionFactory
from models.outbox import OutboxKind
from services.clock import ManualClock
from services.language import (
    LanguageOutcome,
    chat_language,
    languages_of,
    parse_language,
    set_language,
)
from tests.botflow import HQ_NAME, ask, import_seed, new_group
from tests.inprocess import BotHarness, running_bot
from tests.reporting.chat import bind_directly, labels

ASK_ZH, ASK_EN = "本月请填报以下", "Please report on these"
REMIND_ZH, REMIND_EN = "填报提醒", "reminder: progress report"


@pytest.fixture
async def seeded(sessions: SessionFactory, clock: ManualClock) -> SessionFactory:
    clock.set(datetime(2021, 11, 1, 9, 0))
    await import_seed(sessions, clock)
    return sessions


async def _tick(h: BotHarness, clock: ManualClock, when: datetime) -> list[str]:
    """Move the clock, tick, deliver what is due; the kinds of the runs done."""
    clock.set(when)
    report = await month.tick(h.deps)
    await sender_of(h.application).drain()
    return [kind for _hq, kind, _ym, _n in report.runs]


async def _last(h: BotHarness, user_id: int, marker: str) -> dict[str, Any]:
    """The newest bot message in a chat containing `marker`."""
    found = [m for m in await h.tg.bot_messages(user_id) if marker in m["text"]]
    assert found, marker
    return found[-1]


async def _language(sessions: SessionFactory, chat_id: int) -> str | None:
    async with sessions() as session:
        return await chat_language(session, chat_id)


async def _press(h: BotHarness, user_id: int, chat_id: int, message: dict, label: str) -> dict:
    """Press a button; the pressed message once the bot has answered the press."""
    pressed = await h.tg.press_button(user_id, chat_id, message["message_id"], text=label)
    answer = await h.tg.callback_answer(pressed["callback_query_id"], wait=15)
    assert answer["answered"]
    return next(m for m in await h.tg.messages(chat_id) if m["message_id"] == message["message_id"])


async def test_lang_en_makes_replies_menu_asks_and_reminders_english_for_that_person_only(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        users = await bind_directly(h, seeded, "张玉珍", "林嵩")
        zhang, lin = users["张玉珍"], users["林嵩"]

        done = await ask(h.tg, zhang, "lang", "en")
        assert "Your language is now <b>English</b>" in done["html"]
        assert await _language(seeded, zhang) == "en"
        assert await _language(seeded, lin) is None

        help_en = await ask(h.tg, zhang, "help")
        assert help_en["text"].startswith("Commands") and "/lang — Language" in help_en["text"]
        assert (await ask(h.tg, lin, "help"))["text"].startswith("可用命令")
        menu = await h.tg.commands(scope={"type": "chat", "chat_id": zhang})
        assert {"command": "report", "description": "Report this month (resumes a draft)"} in menu

        # the month opens on Monday 22 November 2021: each ask in its reader's language
        assert await _tick(h, clock, datetime(2021, 11, 22, 9, 0)) == ["open"]
        ask_en = await _last(h, zhang, ASK_EN)
        assert "progress report for" in ask_en["text"] and ASK_ZH not in ask_en["text"]
        assert labels(ask_en)[0] == "▶️ Start"
        ask_zh = await _last(h, lin, ASK_ZH)
        assert labels(ask_zh)[0] == "▶️ 开始填报"
        assert not [m for m in await h.tg.bot_messages(lin) if ASK_EN in m["text"]]

        assert await _tick(h, clock, datetime(2021, 11, 23, 9, 0)) == ["remind"]
        reminder = await _last(h, zhang, REMIND_EN)
        assert labels(reminder) == ["▶️ Continue"]
        assert labels(await _last(h, lin, REMIND_ZH)) == ["▶️ 继续填报"]

        # the reply to a button under the English ask is English too
        await h.tg.press_button(zhang, zhang, ask_en["message_id"], text="▶️ Start")
        question = await h.tg.wait_for_message(zhang, after_message_id=reminder["message_id"])
        assert "Status" in question["text"] or "On track" in " ".join(labels(question))


async def test_buttons_switch_a_strangers_language_and_back(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        stranger = await h.tg.create_user("路人", language_code="zh")
        card = await ask(h.tg, stranger["id"], "lang")
        assert "当前语言：<b>中文</b>" in card["html"]
        assert labels(card) == ["✅ 中文", "English"]

        english = await _press(h, stranger["id"], stranger["id"], card, "English")
        assert "Your language is now <b>English</b>" in english["html"]
        assert labels(english) == ["中文", "✅ English"]
        assert await _language(seeded, stranger["id"]) == "en"
        assert (await ask(h.tg, stranger["id"], "help"))["text"].startswith("Commands")
        menu = await h.tg.commands(scope={"type": "chat", "chat_id": stranger["id"]})
        assert [c["command"] for c in menu] == ["start", "help", "whoami", "lang"]
        assert menu[1]["description"] == "Show help"

        chinese = await _press(h, stranger["id"], stranger["id"], english, "中文")
        assert "语言已设为<b>中文</b>" in chinese["html"]
        assert await _language(seeded, stranger["id"]) == "zh"
        assert (await ask(h.tg, stranger["id"], "help"))["text"].startswith("可用命令")
        # back to the configured language: the menu of their own is dropped
        assert await h.tg.commands(scope={"type": "chat", "chat_id": stranger["id"]}) == []


async def test_a_bad_value_gets_a_clear_reply_and_changes_nothing(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        user = await h.tg.create_user("路人")
        refused = await ask(h.tg, user["id"], "lang", "fr")
        assert "无法识别语言“fr”" in refused["text"] and "/lang en" in refused["text"]
        assert await _language(seeded, user["id"]) is None

        assert "English" in (await ask(h.tg, user["id"], "lang", "English"))["text"]
        again = await ask(h.tg, user["id"], "lang", "klingon")
        assert "“klingon” is not a language I know" in again["text"]
        assert "still English" in again["text"]
        assert await _language(seeded, user["id"]) == "en"
        same = await ask(h.tg, user["id"], "lang", "英文")
        assert "already is <b>English</b>" in same["html"]


async def test_only_admins_set_a_groups_language_and_group_messages_follow_it(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        users = await bind_directly(h, seeded, "林嵩")
        lin = users["林嵩"]
        group = await new_group(h.tg, "指挥部工作群", [h.admin_id, lin])
        await ask(h.tg, h.admin_id, "sethq", chat_id=group["id"])

        refused = await ask(h.tg, lin, "lang", "en", chat_id=group["id"])
        assert refused["text"].startswith("⛔") and "/lang " in refused["text"]
        assert "lang_group" not in refused["text"]
        assert await _language(seeded, group["id"]) is None

        card = await ask(h.tg, h.admin_id, "lang", chat_id=group["id"])
        assert "本群的当前语言" in card["text"]
        pressed = await h.tg.press_button(lin, group["id"], card["message_id"], text="English")
        alert = await h.tg.callback_answer(pressed["callback_query_id"], wait=15)
        assert alert["answer"]["text"].startswith("⛔")
        assert await _language(seeded, group["id"]) is None

        done = await ask(h.tg, h.admin_id, "lang", "en", chat_id=group["id"])
        assert "This group's language is now <b>English</b>" in done["html"]
        assert await _language(seeded, group["id"]) == "en"
        assert await _language(seeded, h.admin_id) is None  # the admin's own stays Chinese
        assert (await ask(h.tg, lin, "help", chat_id=group["id"]))["text"].startswith("Commands")
        assert (await ask(h.tg, h.admin_id, "help"))["text"].startswith("可用命令")
        group_menu = await h.tg.commands(scope={"type": "chat", "chat_id": group["id"]})
        assert {"command": "sethq", "description": "Make this group the HQ group"} in group_menu

        async with seeded() as session:
            hq = (await session.exec(select(Headquarters))).one()
            assert hq.id is not None
        posted = await notify.send_to_hq(h.deps, hq.id, "sethq_done", hq_name=HQ_NAME, title="x")
        assert posted is not None and "is now the headquarters group" in (posted.text or "")
        async with seeded() as session:
            queued = await queue(h.deps, session, key="lang-test", kind=OutboxKind.notice,
                                 chat_id=group["id"], template="sethq_done", now=clock.now(),
                                 hq_name=HQ_NAME, title="x")  # fmt: skip
            await session.commit()
            row = (await session.exec(select(OutboxMessage))).one()
        assert queued and "is now the headquarters group" in row.text

        other = await new_group(h.tg, "其他群", [h.admin_id])
        zh = await ask(h.tg, h.admin_id, "lang", "中文", chat_id=other["id"])
        assert "本群的语言已设为<b>中文</b>" in zh["html"]


async def test_language_words_and_one_query_for_many_chats(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    for word, code in [("zh", "zh"), (" EN ", "en"), ("中文", "zh"), ("英文", "en"),
                       ("English", "en"), ("chinese", "zh"), ("fr", None), ("", None)]:  # fmt: skip
        assert parse_language(word) == code, word
    async with seeded() as session:
        now = clock.now()
        assert await set_language(session, chat_id=1, language="English", by=1, now=now) == (
            LanguageOutcome.set
        )
        assert await set_language(session, chat_id=1, language="en", by=1, now=now) == (
            LanguageOutcome.unchanged
        )
        assert await set_language(session, chat_id=-2, language="中文", by=1, now=now) == (
            LanguageOutcome.set
        )
        assert await set_language(session, chat_id=3, language="日本語", by=1, now=now) == (
            LanguageOutcome.unknown
        )
        statements: list[str] = []
        engine = session.bind.sync_engine

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            found = await languages_of(session, range(-5, 2000))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert found == {1: "en", -2: "zh"}
        assert len(statements) == 1


async def test_a_month_of_asks_looks_languages_up_once(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        users = await bind_directly(h, seeded, "张玉珍", "林嵩", "高勇坤")
        async with seeded() as session:
            await set_language(session, chat_id=users["高勇坤"], language="en", by=None,
                               now=clock.now())  # fmt: skip
        statements: list[str] = []
        async with seeded() as session:
            engine = session.bind.sync_engine

            def count(*args: Any) -> None:
                statements.append(args[2])

            event.listen(engine, "before_cursor_execute", count)
            try:
                assert await _tick(h, clock, datetime(2021, 11, 22, 9, 0)) == ["open"]
            finally:
                event.remove(engine, "before_cursor_execute", count)
        lookups = [s for s in statements if "FROM chat_language" in s]
        # the asks (3 persons) and the admins' notice: one lookup each round
        assert len(lookups) == 2, lookups
        assert ASK_EN in (await _last(h, users["高勇坤"], ASK_EN))["text"]
        assert ASK_ZH in (await _last(h, users["林嵩"], ASK_ZH))["text"]


async def test_menus_are_installed_in_both_languages(
    seeded: SessionFactory, clock: ManualClock
) -> None:
    async with running_bot(seeded, clock) as h:
        await menus.install_default_menus(h.deps, h.application.bot)
        zh = await h.tg.commands()
        en = await h.tg.commands(language_code="en")
        assert [c["command"] for c in zh] == [c["command"] for c in en]
        assert zh[1]["description"] == "查看帮助" and en[1]["description"] == "Show help"
        groups_en = await h.tg.commands(scope={"type": "all_group_chats"}, language_code="en")
        assert "lang" in [c["command"] for c in groups_en]
