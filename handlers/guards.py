"""The one place that enforces the permission matrix for every handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from telegram import Chat, Update
from telegram.ext import ContextTypes

from bot.deps import Deps, get_deps
from handlers.permissions import PERMISSIONS, Where
from services.hq import resolve_hq
from services.roles import Identity, Role, identify

log = logging.getLogger(__name__)

Guarded = Callable[[Update, ContextTypes.DEFAULT_TYPE, Identity], Awaitable[Any]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def classify(chat: Chat, hq_chat_id: int | None) -> Where:
    """Private chat, the HQ group, or some other group."""
    if chat.type == Chat.PRIVATE:
        return Where.private
    return Where.hq_group if hq_chat_id is not None and chat.id == hq_chat_id else Where.other_group


async def authorize(update: Update, deps: Deps, action: str) -> Identity | None:
    """The caller's identity when the matrix allows `action` here; else reply why and None."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return None
    rule = PERMISSIONS[action]
    async with deps.sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        ident = await identify(
            session, hq, user.id if user else None, deps.settings.telegram.admins
        )
    where = classify(chat, hq.hq_chat_id if hq else None)
    refusal = None
    if where not in rule.where:
        refusal = {
            Where.private: "refuse_group_only",
            Where.hq_group: "refuse_private_only",
            Where.other_group: "refuse_private_only"
            if Where.hq_group not in rule.where
            else "refuse_not_hq_group",
        }[where]
    elif not ident.has(*rule.roles):
        refusal = "refuse_not_bound" if ident.roles == {Role.stranger} else "refuse_role"
    if refusal is None:
        return ident
    log.info(
        "refused %s for user %s (%s) in %s",
        action,
        user.id if user else None,
        ",".join(sorted(ident.roles)),
        where.value,
    )
    bot_username = update.get_bot().username
    if update.callback_query is not None:
        await deps.outbound.answer(update.callback_query, refusal, alert=True, action=action,
                                   bot_username=bot_username)  # fmt: skip
    else:
        await deps.outbound.send(
            chat.id,
            refusal,
            action=action,
            bot_username=bot_username,
            reply_to=update.effective_message.message_id if update.effective_message else None,
        )
    return None


def guarded(action: str) -> Callable[[Guarded], Handler]:
    """Wrap a handler so it runs only when the matrix allows `action`; it gets the identity."""
    if action not in PERMISSIONS:
        raise KeyError(f"{action!r} is not in the permission matrix")

    def decorate(func: Guarded) -> Handler:
        @wraps(func)
        async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            ident = await authorize(update, get_deps(context), action)
            if ident is None:
                return None
            return await func(update, context, ident)

        return wrapper

    return decorate
