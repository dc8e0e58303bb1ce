"""The "/" command menu each person sees: only what their roles allow, where they are."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.deps import Deps
from handlers.permissions import PERMISSIONS, Where
from services.hq import hq_for, identify_in
from services.roles import Role

log = logging.getLogger(__name__)


def commands_for(deps: Deps, roles: set[Role], where: Where) -> list[BotCommand]:
    """The menu entries (in commands.txt order) these roles may use in this kind of chat."""
    return [
        BotCommand(command, description)
        for command, description in deps.renderer.command_menu()
        if command in PERMISSIONS
        and where in PERMISSIONS[command].where
        and roles & PERMISSIONS[command].roles
    ]


async def install_default_menus(deps: Deps, bot: Bot) -> None:
    """Everyone's menu in private chats, and the menu in groups."""
    await bot.set_my_commands(commands_for(deps, {Role.stranger}, Where.private))
    await bot.set_my_commands(
        commands_for(deps, set(Role), Where.hq_group), scope=BotCommandScopeAllGroupChats()
    )


async def show_menu(deps: Deps, bot: Bot, user_id: int, roles: set[Role]) -> None:
    """Give one person the private menu of their roles; no call when it is already shown."""
    own = commands_for(deps, roles, Where.private)
    default = commands_for(deps, {Role.stranger}, Where.private)
    wanted = tuple(c.command for c in own)
    if deps.menus_shown.get(user_id) == wanted:
        return
    scope = BotCommandScopeChat(user_id)
    try:
        if wanted == tuple(c.command for c in default):
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(own, scope=scope)
    except TelegramError as exc:  # e.g. the person never opened the chat: nothing to show yet
        log.debug("menu for %s not set: %s", user_id, exc)
        return
    deps.menus_shown[user_id] = wanted


async def refresh_menu(deps: Deps, bot: Bot, user_id: int, session: AsyncSession) -> None:
    """Re-read one account's roles (after a bind, grant, revoke or /hq) and show their menu.

    The roles are those in the headquarters of the account's private chat (as `hq_for` decides).
    """
    admins = deps.settings.telegram.admins
    choice = await hq_for(session, chat_id=user_id, telegram_user_id=user_id, config_admins=admins)
    ident = await identify_in(session, choice, user_id, admins)
    await show_menu(deps, bot, user_id, ident.roles)
