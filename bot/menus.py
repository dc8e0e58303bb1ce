"""The "/" command menu each person sees: only what their roles allow, where they are, in their
language."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.deps import Deps
from bot.languages import language_of
from handlers.permissions import Where, usable_commands
from services.hq import hq_for, identify_in
from services.language import LANGUAGES
from services.roles import Role

log = logging.getLogger(__name__)


def commands_for(
    deps: Deps, roles: set[Role], where: Where, language: str | None = None
) -> list[BotCommand]:
    """The menu entries (in commands.txt order) these roles may use in this kind of chat."""
    usable = usable_commands(roles, where)
    menu = deps.renderers.for_language(language).command_menu()
    return [BotCommand(command, description) for command, description in menu if command in usable]


async def install_default_menus(deps: Deps, bot: Bot) -> None:
    """Everyone's menu in private chats, and the menu in groups: in the configured language,
    and in each other language for Telegram clients set to it (`language_code`)."""
    default = deps.settings.app.language
    for language in (default, *(lang for lang in LANGUAGES if lang != default)):
        code = None if language == default else language
        await bot.set_my_commands(
            commands_for(deps, {Role.stranger}, Where.private, language), language_code=code
        )
        await bot.set_my_commands(
            commands_for(deps, set(Role), Where.hq_group, language),
            scope=BotCommandScopeAllGroupChats(),
            language_code=code,
        )


async def show_menu(
    deps: Deps, bot: Bot, user_id: int, roles: set[Role], language: str | None = None
) -> None:
    """Give one person the private menu of their roles in their language (None: the configured
    one); no call when it is already shown."""
    language = language or deps.settings.app.language
    own = commands_for(deps, roles, Where.private, language)
    default = commands_for(deps, {Role.stranger}, Where.private, language)
    wanted = (language, *(c.command for c in own))
    if deps.menus_shown.get(user_id) == wanted:
        return
    scope = BotCommandScopeChat(user_id)
    # The default menu in the configured language needs no menu of its own; in another
    # language it does (the client's own language decides which default menu it shows).
    plain = wanted[1:] == tuple(c.command for c in default)
    plain = plain and language == deps.settings.app.language
    try:
        if plain:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(own, scope=scope)
    except TelegramError as exc:  # e.g. the person never opened the chat: nothing to show yet
        log.debug("menu for %s not set: %s", user_id, exc)
        return
    deps.menus_shown[user_id] = wanted


async def show_group_menu(deps: Deps, bot: Bot, chat_id: int, language: str) -> None:
    """After /lang in a group: the group commands in the group's language (none of its own
    when that is the configured language)."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if language == deps.settings.app.language:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(
                commands_for(deps, set(Role), Where.hq_group, language), scope=scope
            )
    except TelegramError as exc:
        log.debug("menu for group %s not set: %s", chat_id, exc)


async def refresh_menu(deps: Deps, bot: Bot, user_id: int, session: AsyncSession) -> None:
    """Re-read one account's roles (after a bind, grant, revoke or /hq) and show their menu.

    The roles are those in the headquarters of the account's private chat (as `hq_for` decides).
    """
    admins = deps.settings.telegram.admins
    choice = await hq_for(session, chat_id=user_id, telegram_user_id=user_id, config_admins=admins)
    ident = await identify_in(session, choice, user_id, admins)
    language = await language_of(deps, session, user_id)
    await show_menu(deps, bot, user_id, ident.roles, language)
