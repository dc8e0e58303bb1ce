"""Messages the bot sends on its own: to the admins, and to a headquarters' group."""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Message

from bot.deps import Deps
from bot.languages import languages_for, renderer_of
from bot.queue import queue
from models.outbox import OutboxKind
from models.tables import Headquarters
from services.hq import migrate_hq_chat, resolve_hq
from services.people import admin_chat_ids, set_reachable

log = logging.getLogger(__name__)


async def notify_admins(
    deps: Deps,
    hq_id: int | None,
    template: str,
    /,
    *,
    session: AsyncSession | None = None,
    key: str | None = None,
    **context: Any,
) -> None:
    """Queue a notice to every admin of a headquarters (bootstrap and granted) in the outbox.

    `key` makes it once-only (per admin); without one every call is a new notice. Inside a
    handler, pass the request's `session` (committed here); elsewhere one is opened.
    """
    if session is None:
        async with deps.sessions() as own:
            await _queue_notice(deps, own, hq_id, template, key, context)
    else:
        await _queue_notice(deps, session, hq_id, template, key, context)
    deps.wake_sender()


async def _queue_notice(
    deps: Deps, session: AsyncSession, hq_id: int | None, template: str, key: str | None,
    context: dict[str, Any],
) -> None:  # fmt: skip
    ids = await _admin_ids(deps, session, hq_id)
    languages = await languages_for(deps, session, ids)
    base = key or f"notice:{template}:{uuid4().hex}"
    now = deps.clock.now()
    for chat_id in ids:
        await queue(
            deps, session, key=f"{base}:{chat_id}", kind=OutboxKind.notice, chat_id=chat_id,
            template=template, now=now, hq_id=hq_id, language=languages[chat_id], **context,
        )  # fmt: skip
    await session.commit()


async def _admin_ids(deps: Deps, session: AsyncSession, hq_id: int | None) -> list[int]:
    if hq_id is None:
        only = (await resolve_hq(session, None)).hq
        hq_id = only.id if only else None
    return await admin_chat_ids(session, hq_id, deps.settings.telegram.admins)


async def send_to_hq(deps: Deps, hq_id: int, template: str, /, **context: Any) -> Message | None:
    """Post to a headquarters' group (following a supergroup migration); None when unset."""
    async with deps.sessions() as session:
        hq = await session.get(Headquarters, hq_id)
        if hq is None or hq.hq_chat_id is None:
            return None
        renderer = await renderer_of(deps, session, hq.hq_chat_id)
    return await deps.outbound.send(hq.hq_chat_id, template, renderer=renderer, **context)


async def on_unreachable(deps: Deps, chat_id: int) -> None:
    """A person blocked the bot: mark them unreachable and tell the admins, once."""
    async with deps.sessions() as session:
        person = await set_reachable(session, chat_id, False)
    if person is not None:
        log.warning("person %s became unreachable", person.id)
        await notify_admins(deps, None, "admin_unreachable", name=person.name)


async def on_migrated(deps: Deps, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: the headquarters follows it."""
    async with deps.sessions() as session:
        moved = await migrate_hq_chat(session, old_chat_id, new_chat_id)
    if moved:
        log.info("HQ group moved from %s to %s", old_chat_id, new_chat_id)
