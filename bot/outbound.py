"""The one path by which messages leave the bot: render a template, send, log the outcome."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import Forbidden, TelegramError

from bot.templating import Renderer

log = logging.getLogger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class Outbound:
    """Sends rendered templates to chats; every outgoing message goes through here."""

    def __init__(self, bot: Bot, renderer: Renderer) -> None:
        self.bot = bot
        self.renderer = renderer

    async def send(
        self,
        chat_id: int,
        template: str,
        /,
        *,
        reply_markup: ReplyMarkup | None = None,
        reply_to: int | None = None,
        **context: Any,
    ) -> Message | None:
        """Render `template` and send it; returns None when the chat cannot be reached."""
        text = self.renderer.render(template, **context)
        try:
            return await self.bot.send_message(
                chat_id=chat_id,
                text=text,
                reply_markup=reply_markup,
                reply_to_message_id=reply_to,
            )
        except Forbidden as exc:
            log.warning("chat %s unreachable: %s", chat_id, exc.message)
            return None
        except TelegramError:
            log.exception("sending %r to chat %s failed", template, chat_id)
            raise
