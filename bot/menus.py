"""The "/" command menu each person sees: only what their roles allow, where they are."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.deps import Deps
from handlers.permissions import PERMISSIONS, Where
from services.hq import resolve_hq
from services.roles import Role, identify

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


async def refresh_menu(deps: Deps, bot: Bot, user_id: int) -> None:
    """Give one person the private menu of their roles (or the default one)."""
    async with deps.sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        ident = await identify(session, hq, user_id, deps.settings.telegram.admins)
    own = commands_for(deps, ident.roles, Where.private)
    scope = BotCommandScopeChat(user_id)
    try:
        if [c.command for c in own] == [
            c.command for c in commands_for(deps, {Role.stranger}, Where.private)
        ]:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(own, scope=scope)
    except TelegramError as exc:  # e.g. the person never opened the chat: nothing to show yet
        log.debug("menu for %s not set: %s", user_id, exc)
