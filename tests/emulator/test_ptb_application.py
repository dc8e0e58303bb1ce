"""A full python-telegram-bot ``Application`` polling the emulator end to end."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from sandbox.emulator import EmulatorClient, EmulatorServer


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    args = " ".join(context.args or [])
    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Confirm", callback_data="ok"))
    await update.effective_message.reply_html(f"<b>Hello</b> {args}", reply_markup=markup)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Confirmed")
    await query.edit_message_text("Done ✅")


@pytest.fixture
async def app(emulator: EmulatorServer, bot_info: dict) -> AsyncIterator[Application]:
    """A polling PTB application with /start and a callback handler."""
    application = (
        ApplicationBuilder()
        .token(bot_info["token"])
        .base_url(f"{emulator.url}/bot")
        .base_file_url(f"{emulator.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", _start))
    application.add_handler(CallbackQueryHandler(_confirm))
    async with application:
        await application.updater.start_polling(
            poll_interval=0, timeout=5, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def test_application_handles_command_and_button(
    app: Application, client: EmulatorClient, user: dict
) -> None:
    sent = await client.send_command(user["id"], "start", "friend")
    reply = await client.wait_for_message(
        user["id"], after_message_id=sent["message_id"], timeout=5
    )
    assert reply["text"] == "Hello friend" and reply["html"] == "<b>Hello</b> friend"
    assert reply["reply_to_message_id"] is None
    pressed = await client.press_button(user["id"], None, reply["message_id"], text="Confirm")
    answer = await client.callback_answer(pressed["callback_query_id"], wait=5)
    assert answer["answer"]["text"] == "Confirmed"
    messages = await client.bot_messages(user["id"])
    assert messages[-1]["text"] == "Done ✅" and messages[-1]["reply_markup"] is None
    calls = [e["method"] for e in await client.requests_log()]
    assert calls[:3] == ["getMe", "deleteWebhook", "getUpdates"]
