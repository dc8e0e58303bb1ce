"""Bot API methods about commands, bot texts, chats, members and chat actions."""

from __future__ import annotations

import json
import re
from typing import Any

from .actions import bot_leaves, member_json
from .errors import bad_request
from .params import Params
from .registry import Call, method, resolve_chat

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
        "chat_administrators", "chat_member",
    }
)  # fmt: skip
COMMAND_RE = re.compile(r"^[a-z0-9_]+$")


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = params.string("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def _check_commands(raw: Any) -> list[dict[str, str]]:
    if raw is None:
        raise bad_request('parameter "commands" is required')
    if not isinstance(raw, list):
        raise bad_request("can't parse commands JSON object")
    if len(raw) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    cleaned = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: Object expected")
        for key in ("command", "description"):
            if key not in item:
                raise bad_request(f"can't parse BotCommand: Can't find field \"{key}\"")
        name = str(item["command"]).strip().removeprefix("/")
        description = str(item["description"]).strip()
        if not name:
            raise bad_request("command must be non-empty")
        if len(name) > 32:
            raise bad_request("command length must not exceed 32")
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("command description length must not exceed 256")
        if not COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        cleaned.append({"command": name, "description": description})
    return cleaned


@method("setMyCommands")
async def set_my_commands(call: Call) -> Any:
    """Register the command list for a scope and language."""
    commands = _check_commands(call.params.json("commands"))
    key = _scope_key(call.params)
    if commands:
        call.bot.commands[key] = commands
    else:
        call.bot.commands.pop(key, None)
    call.world.changed.fire()
    return True


@method("getMyCommands")
async def get_my_commands(call: Call) -> Any:
    """The command list for a scope and language."""
    return call.bot.commands.get(_scope_key(call.params), [])


@method("deleteMyCommands")
async def delete_my_commands(call: Call) -> Any:
    """Remove the command list for a scope and language."""
    call.bot.commands.pop(_scope_key(call.params), None)
    call.world.changed.fire()
    return True


def _text_setting(name: str, field: str, limit: int) -> None:
    async def setter(call: Call) -> Any:
        value = call.params.string(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        language = call.params.string("language_code") or ""
        call.bot.texts[(field, language)] = value
        return True

    async def getter(call: Call) -> Any:
        language = call.params.string("language_code") or ""
        texts = call.bot.texts
        default = call.bot.user.first_name if field == "name" else ""
        return {field: texts.get((field, language), texts.get((field, ""), default))}

    method(f"setMy{name}")(setter)
    method(f"getMy{name}")(getter)


_text_setting("Name", "name", 64)
_text_setting("Description", "description", 512)
_text_setting("ShortDescription", "short_description", 120)


@method("getChat")
async def get_chat(call: Call) -> Any:
    """Full information about a chat the bot can access."""
    return resolve_chat(call, sending=False).full_info()


@method("getChatMember")
async def get_chat_member(call: Call) -> Any:
    """Membership of a user (or the bot itself) in a chat."""
    world, bot = call.world, call.bot
    chat = resolve_chat(call, sending=False)
    user_id = call.params.integer("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    if user_id == bot.id:
        status = "member" if chat.type == "private" else chat.bot_status.get(bot.id, "left")
        return member_json(bot.user, status)
    user = world.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        status = "member" if user_id == chat.id else "left"
    elif user_id in chat.members:
        status = "creator" if user_id == chat.creator_id else "member"
    else:
        status = "left"
    return member_json(user, status)


@method("sendChatAction")
async def send_chat_action(call: Call) -> Any:
    """Show a chat action; recorded on the chat for the control API."""
    chat = resolve_chat(call)
    action = call.params.string("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append({"action": action, "bot_id": call.bot.id, "date": call.world.now()})
    call.world.changed.fire()
    return True


@method("leaveChat")
async def leave_chat(call: Call) -> Any:
    """Leave a group or supergroup."""
    chat = resolve_chat(call, sending=False)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    bot_leaves(call.world, call.bot, chat)
    return True
