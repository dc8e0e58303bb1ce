"""The one path by which messages leave the bot: render a template, send, log the outcome."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import CallbackQueryLimit, MessageLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.htmlsplit import clip_html, clip_text, split_html
from bot.templating import Renderer

log = logging.getLogger(__name__)
_TAGS = re.compile(r"<[^>]*>")

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


OnUnreachable = Callable[[int], Awaitable[None]]
OnMigrated = Callable[[int, int], Awaitable[None]]


class Outbound:
    """Sends rendered templates to chats; every outgoing message goes through here.

    A person who blocked the bot (403) is reported to `on_unreachable`; a group that became a
    supergroup (ChatMigrated) is reported to `on_migrated` and the message goes to the new id.
    """

    def __init__(
        self,
        bot: Bot,
        renderer: Renderer,
        *,
        on_unreachable: OnUnreachable | None = None,
        on_migrated: OnMigrated | None = None,
    ) -> None:
        self.bot = bot
        self.renderer = renderer
        self.on_unreachable = on_unreachable
        self.on_migrated = on_migrated

    async def send(
        self,
        chat_id: int,
        template: str,
        /,
        *,
        reply_markup: ReplyMarkup | None = None,
        reply_to: int | None = None,
        renderer: Renderer | None = None,
        **context: Any,
    ) -> Message | None:
        """Render `template` (with `renderer`, the chat's language; else the default) and send
        it, split into several messages when long.

        Buttons go on the last part. Returns the last message, or None when the chat cannot be
        reached (the person blocked the bot).
        """
        parts = split_html((renderer or self.renderer).render(template, **context))
        message: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message = await self._send_text(
                chat_id,
                part,
                reply_markup if last else None,
                reply_to if index == 0 else None,
            )
            if message is None:
                return None
        return message

    async def send_parts(
        self, chat_id: int, parts: list[str], *, reply_markup: ReplyMarkup | None = None
    ) -> Message | None:
        """Send pre-rendered, pre-split HTML parts in order (buttons on the last)."""
        message: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message = await self._send_text(chat_id, part, reply_markup if last else None, None)
            if message is None:
                return None
        return message

    async def send_file(
        self, chat_id: int, data: bytes, filename: str, *, caption: str | None = None,
        photo: bool = False, reply_markup: ReplyMarkup | None = None,
    ) -> Message | None:  # fmt: skip
        """Send a file (a photo when `photo`) with a pre-rendered HTML caption."""
        clipped = clip_html(caption, MessageLimit.CAPTION_LENGTH) if caption else None
        try:
            if photo:
                return await self.bot.send_photo(
                    chat_id=chat_id, photo=InputFile(data, filename=filename), caption=clipped,
                    reply_markup=reply_markup,
                )  # fmt: skip
            return await self.bot.send_document(
                chat_id=chat_id, document=InputFile(data, filename=filename), caption=clipped,
                reply_markup=reply_markup,
            )  # fmt: skip
        except Forbidden as exc:
            log.warning("chat %s unreachable: %s", chat_id, exc.message)
            return None

    async def _send_text(
        self, chat_id: int, text: str, markup: ReplyMarkup | None, reply_to: int | None
    ) -> Message | None:
        try:
            return await self.bot.send_message(
                chat_id=chat_id, text=text, reply_markup=markup, reply_to_message_id=reply_to
            )
        except Forbidden as exc:
            log.warning("chat %s unreachable: %s", chat_id, exc.message)
            if self.on_unreachable is not None and chat_id > 0:
                await self.on_unreachable(chat_id)
            return None
        except ChatMigrated as exc:
            log.info("chat %s migrated to %s", chat_id, exc.new_chat_id)
            if self.on_migrated is not None:
                await self.on_migrated(chat_id, exc.new_chat_id)
            return await self._send_text(exc.new_chat_id, text, markup, None)

    async def deliver(
        self,
        chat_id: int,
        text: str,
        *,
        markup: dict[str, Any] | None = None,
        document: bytes | None = None,
        filename: str | None = None,
        photo: bool = False,
    ) -> Message:
        """Send one pre-rendered outbox message; Telegram's errors are raised for the sender."""
        keyboard = InlineKeyboardMarkup.de_json(markup, self.bot) if markup else None
        if document is not None:
            caption = clip_html(text, MessageLimit.CAPTION_LENGTH) if text else None
            if photo:
                return await self.bot.send_photo(
                    chat_id=chat_id,
                    photo=InputFile(document, filename=filename or "chart.png"),
                    caption=caption,
                    reply_markup=keyboard,
                )
            return await self.bot.send_document(
                chat_id=chat_id,
                document=InputFile(document, filename=filename or "file"),
                caption=caption,
                reply_markup=keyboard,
            )
        return await self.bot.send_message(chat_id=chat_id, text=text, reply_markup=keyboard)

    async def edit(
        self,
        message: Message,
        template: str,
        /,
        *,
        reply_markup: InlineKeyboardMarkup | None = None,
        renderer: Renderer | None = None,
        **context: Any,
    ) -> None:
        """Replace a message's text (e.g. a preview once confirmed); long text goes as new parts."""
        parts = split_html((renderer or self.renderer).render(template, **context))
        if not parts:
            raise ValueError(f"template {template!r} rendered nothing to show")
        try:
            await self.bot.edit_message_text(
                chat_id=message.chat_id,
                message_id=message.message_id,
                text=parts[0],
                reply_markup=reply_markup if len(parts) == 1 else None,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        for index, part in enumerate(parts[1:], start=2):
            await self._send_text(
                message.chat_id, part, reply_markup if index == len(parts) else None, None
            )

    async def answer(
        self, query: CallbackQuery, template: str | None = None, /, *, alert: bool = False,
        renderer: Renderer | None = None, **context: Any,
    ) -> None:  # fmt: skip
        """Answer a button press, optionally with a short toast rendered from a template."""
        limit = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
        text = None
        if template:  # toasts are plain text: no tags, entities read back as characters
            rendered = _TAGS.sub("", (renderer or self.renderer).render(template, **context))
            text = clip_text(html.unescape(rendered), limit)
        try:
            await query.answer(text=text, show_alert=alert)
        except TelegramError as exc:  # an old query: the press itself was handled
            log.info("callback answer failed: %s", exc)

    async def send_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        template: str | None = None,
        /,
        *,
        renderer: Renderer | None = None,
        **context: Any,
    ) -> Message | None:
        """Send a file with an optional caption rendered from a template."""
        caption = (renderer or self.renderer).render(template, **context) if template else None
        try:
            return await self.bot.send_document(
                chat_id=chat_id,
                document=InputFile(data, filename=filename),
                caption=clip_html(caption, MessageLimit.CAPTION_LENGTH) if caption else None,
            )
        except Forbidden as exc:
            log.warning("chat %s unreachable: %s", chat_id, exc.message)
            return None
