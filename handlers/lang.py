"""/lang: a person's language in private (anyone), a group's language in a group (admins)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import menus
from bot.context import HQApplication
from handlers.callbacks import LangChoice
from handlers.guards import guarded, pressed
from handlers.permissions import Where
from handlers.request import Press, Request
from services.language import LANGUAGES, LanguageOutcome, parse_language, set_language


def lang_keyboard(req: Request) -> InlineKeyboardMarkup:
    """One button per language, the current one marked."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(req.render("button_lang", language=language,
                                        current=language == req.language),
                             callback_data=LangChoice(language).pack())
        for language in LANGUAGES
    ]])  # fmt: skip


@guarded("lang")  # in a group the matrix makes it `lang_group`: admins only
async def lang_command(req: Request) -> None:
    """/lang shows the chat's language with a button per language; /lang en (zh, 中文…) sets it."""
    in_group = req.where is not Where.private
    if not req.args:
        await req.reply("lang_current", language=req.language, in_group=in_group,
                        reply_markup=lang_keyboard(req))  # fmt: skip
        return
    word = " ".join(req.args)
    outcome = await set_language(req.session, chat_id=req.chat.id, language=word,
                                 by=req.user.id, now=req.now)  # fmt: skip
    if outcome is LanguageOutcome.unknown:
        await req.reply("lang_unknown", value=word, language=req.language, in_group=in_group)
        return
    await _switch(req, parse_language(word) or req.language)
    await req.reply("lang_set", outcome=outcome.value, language=req.language, in_group=in_group)


@pressed("lang", LangChoice)
async def on_lang_button(press: Press[LangChoice]) -> None:
    """中文 / English: set this chat's language; the message is rewritten in it (the press is
    answered after, so whoever waits for the answer sees the new text)."""
    outcome = await set_language(press.session, chat_id=press.chat.id,
                                 language=press.data.language, by=press.user.id,
                                 now=press.now)  # fmt: skip
    if outcome is LanguageOutcome.unknown:
        await press.answer("button_stale", alert=True)
        return
    await _switch(press, press.data.language)
    await press.edit("lang_set", outcome=outcome.value, language=press.language,
                     in_group=press.where is not Where.private,
                     reply_markup=lang_keyboard(press))  # fmt: skip


async def _switch(req: Request, language: str) -> None:
    """From here on the request speaks `language`, and the chat's "/" menu is in it."""
    req.language = language
    bot = req.context.bot
    if req.where is Where.private:
        await menus.show_menu(req.deps, bot, req.user.id, req.ident.roles, language)
    else:
        await menus.show_group_menu(req.deps, bot, req.chat.id, language)


def register(application: HQApplication) -> None:
    """Add /lang and its buttons."""
    application.add_handler(CommandHandler("lang", lang_command))
    application.add_handler(CallbackQueryHandler(on_lang_button, pattern=LangChoice.matches()))
