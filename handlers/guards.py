"""Role checks applied to handlers in one place (the permission matrix grows here)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.deps import get_deps

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]


def admin_only(func: Handler) -> Handler:
    """Let only coordination-office admins through; others get a polite refusal."""

    @wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        deps = get_deps(context)
        user = update.effective_user
        if deps.is_admin(user.id if user else None):
            return await func(update, context)
        log.info("refused %s for non-admin %s", func.__name__, user.id if user else None)
        if update.callback_query is not None:
            await deps.outbound.answer(update.callback_query, "not_admin", alert=True)
        elif update.effective_chat is not None:
            await deps.outbound.send(update.effective_chat.id, "not_admin")
        return None

    return wrapper
