"""The error handler: log the failure, tell the user briefly, leak nothing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.deps import get_deps

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the exception with the update id and apologise in the chat it came from."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await get_deps(context).outbound.send(update.effective_chat.id, "error")
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point a mistyped command at /help."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await get_deps(context).outbound.send(message.chat_id, "unknown_command", command=command)


def register(application: Application) -> None:
    """Install the error handler."""
    application.add_error_handler(on_error)
