"""Queue a rendered template in the outbox: split into Telegram-sized parts, held in quiet hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup

from bot.deps import Deps
from bot.htmlsplit import split_html
from bot.languages import language_of
from models.outbox import OutboxKind
from services import outbox
from services.schedule import ScheduleRules, after_quiet_hours


async def queue(
    deps: Deps,
    session: AsyncSession,
    *,
    key: str,
    kind: OutboxKind,
    chat_id: int,
    template: str,
    now: datetime,
    rules: ScheduleRules | None = None,
    hq_id: int | None = None,
    person_id: int | None = None,
    ref_id: int | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
    language: str | None = None,
    **context: Any,
) -> bool:
    """Queue a message in the caller's transaction; False when `key` was queued before.

    The text is written in `chat_id`'s language: `language` when the caller knows it (bulk
    senders look all their chats up at once with `bot.languages.languages_for`), else looked up.
    A long text becomes several rows (`key`, `key#2`, …) sent in order; the buttons and `ref_id`
    go on the last. Nothing is sent in quiet hours: the rows wait for their end.
    """
    if language is None:
        language = await language_of(deps, session, chat_id)
    renderer = deps.renderers.for_language(language)
    parts = split_html(renderer.render(template, **context))
    not_before = after_quiet_hours(now, rules or deps.settings.cycle, tz=deps.clock.tz)
    markup = reply_markup.to_dict() if reply_markup is not None else None
    queued = False
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        row = await outbox.enqueue(
            session,
            key=key if index == 0 else f"{key}#{index + 1}",
            kind=kind,
            chat_id=chat_id,
            text=part,
            now=now,
            not_before=not_before,
            hq_id=hq_id,
            person_id=person_id,
            ref_id=ref_id if last else None,
            markup=markup if last else None,
        )
        queued = queued or row is not None
    return queued
