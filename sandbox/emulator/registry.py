"""Bot API method registry, the per-call context and Telegram's chat access rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .errors import bad_request, forbidden
from .params import Params
from .state import MEMBER_STATUSES, BotAccount, Chat, World

Handler = Callable[["Call"], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


@dataclass
class Call:
    """One Bot API call: the world, the calling bot and its parameters."""

    world: World
    bot: BotAccount
    params: Params


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for a Bot API method name."""

    def register(func: Handler) -> Handler:
        METHODS[name.lower()] = (name, func)
        return func

    return register


def resolve_chat(call: Call, *, sending: bool = True) -> Chat:
    """The chat named by ``chat_id`` with Telegram's access errors."""
    world, bot = call.world, call.bot
    raw = call.params.raw("chat_id")
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    if isinstance(raw, str) and raw.strip().startswith("@"):
        name = raw.strip()[1:].lower()
        found = [c for c in world.groups.values() if (c.username or "").lower() == name]
        if not found:
            raise bad_request("chat not found")
        chat = found[0]
    else:
        try:
            chat_id = int(str(raw).strip())
        except ValueError:
            raise bad_request("chat not found") from None
        if chat_id > 0:
            return private_chat(world, bot, chat_id, sending)
        group = world.groups.get(chat_id)
        if group is None:
            raise bad_request("chat not found")
        chat = group
    if chat.migrated_to is not None:
        raise bad_request(
            "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
        )
    status = chat.bot_status.get(bot.id)
    if status is None:
        raise bad_request("chat not found")
    if status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.type} chat")
    if status not in MEMBER_STATUSES:
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    return chat


def private_chat(world: World, bot: BotAccount, user_id: int, sending: bool) -> Chat:
    if user_id == bot.id or user_id in world.bots_by_id or user_id not in world.users:
        raise bad_request("chat not found")
    chat = bot.private_chats.get(user_id)
    if chat is None:
        raise forbidden("bot can't initiate conversation with a user")
    if sending and user_id in bot.blocked_by:
        raise forbidden("bot was blocked by the user")
    return chat


def message_id_param(call: Call) -> int:
    message_id = call.params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    return message_id
