"""The error handler and the catch-alls: log, tell the user briefly, leak nothing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import notify
from bot.context import BotContext, HQApplication
from bot.languages import chat_renderer
from bot.templating import Renderer
from handlers.guards import answer_stale

log = logging.getLogger(__name__)

ADMIN_NOTICE_EVERY = timedelta(minutes=10)
_LAST_NOTICE = "hqbot.last_error_notice"


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception, tell the admins (at most every ten minutes), apologise in the chat."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    deps = context.deps
    now = deps.clock.now()
    last: datetime | None = context.bot_data.get(_LAST_NOTICE)
    if last is None or now - last >= ADMIN_NOTICE_EVERY:
        context.bot_data[_LAST_NOTICE] = now
        try:
            await notify.notify_admins(deps, None, "admin_error", update_id=update_id,
                                       error=type(context.error).__name__, at=now)  # fmt: skip
        except Exception:  # noqa: BLE001 - the error path must not fail in turn
            log.exception("could not tell the admins about the error")
    if not isinstance(update, Update):
        return
    renderer: Renderer | None = None
    if update.effective_chat is not None:
        try:
            renderer = await chat_renderer(deps, update.effective_chat.id)
        except Exception:  # noqa: BLE001 - the database may be what failed: say it in the default
            log.warning("could not look up the language of chat %s", update.effective_chat.id)
    if update.callback_query is not None:
        await deps.outbound.answer(update.callback_query, "error", alert=True, renderer=renderer)
    if update.effective_chat is None:
        return
    try:
        await deps.outbound.send(update.effective_chat.id, "error", renderer=renderer)
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point a mistyped command at /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    renderer = await chat_renderer(context.deps, message.chat_id)
    await context.deps.outbound.send(
        message.chat_id, "unknown_command", renderer=renderer, command=command
    )


def register(application: HQApplication) -> None:
    """Install the error handler."""
    application.add_error_handler(on_error)


def register_fallbacks(application: HQApplication) -> None:
    """Unknown commands in private chats, and button presses nothing else took."""
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command)
    )
    application.add_handler(CallbackQueryHandler(answer_stale))
