"""What users and admins do in the emulated world, and delivery of the resulting updates."""

from __future__ import annotations

import math
import mimetypes
import re
from typing import Any

from .content import auto_entities, find_button, sniff_image
from .errors import ControlError
from .state import (
    MEMBER_STATUSES,
    SERVICE_USER_ID,
    BotAccount,
    Chat,
    Json,
    Message,
    StoredFile,
    User,
    World,
)

_ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_pin_messages",
)  # fmt: skip

MAX_EMOJI_CHARS = 8
MAX_VOICE_SECONDS = 3600
VOICE_BYTES_PER_SECOND = 2000  # Opus voice notes run at about 16 kbit/s
MAX_ACCURACY_METRES = 1500
MAX_NAME_CHARS = 64
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")
STICKER_SET_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")


def member_json(user: User, status: str) -> Json:
    """A Bot API ``ChatMember`` object for ``status``."""
    data: Json = {"user": user.api(), "status": status}
    if status == "kicked":
        data["until_date"] = 0
    elif status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        data.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    return data


def _receives(bot: BotAccount, chat: Chat, message: Message) -> bool:
    """Privacy mode: which group messages a bot gets."""
    if bot.can_read_all_group_messages or chat.bot_status.get(bot.id) == "administrator":
        return True
    if message.service:
        return True
    if message.reply_to is not None and message.reply_to.sender.id == bot.id:
        return True
    text = message.text if message.text is not None else message.caption or ""
    entities = message.entities if message.text is not None else message.caption_entities
    for entity in entities:
        if entity.get("type") != "bot_command" or entity.get("offset") != 0:
            continue
        command = text[: entity["length"]]
        if "@" in command:
            return command.split("@", 1)[1].lower() == bot.username.lower()
        return chat.last_bot_sender in (None, bot.id)
    return False


def deliver(world: World, message: Message, kind: str = "message") -> list[int]:
    """Queue ``message`` (or its edit) for every bot that should see it."""
    chat = message.chat
    if chat.type == "private":
        bot = world.bots_by_id.get(chat.bot_id or 0)
        if bot is None:
            return []
        update_id = world.enqueue(bot, kind, message.api())
        return [update_id] if update_id is not None else []
    ids = []
    for bot in world.bots_in(chat):
        if message.sender.is_bot or not _receives(bot, chat, message):
            continue
        update_id = world.enqueue(bot, kind, message.api())
        if update_id is not None:
            ids.append(update_id)
    return ids


def member_update(
    world: World, bot: BotAccount, chat: Chat, actor: User, old: str, new: str
) -> int | None:
    """Queue a ``my_chat_member`` update describing the bot's status change."""
    payload = {
        "chat": chat.api(),
        "from": actor.api(),
        "date": world.now(),
        "old_chat_member": member_json(bot.user, old),
        "new_chat_member": member_json(bot.user, new),
    }
    return world.enqueue(bot, "my_chat_member", payload)


def _actor(world: World, chat: Chat, by_user_id: int | None) -> User:
    if by_user_id is not None:
        return world.user(by_user_id)
    if chat.creator_id is not None:
        return world.user(chat.creator_id)
    return world.user(SERVICE_USER_ID)


def user_chat(
    world: World, user: User, chat_id: int | None, bot_ref: Any
) -> tuple[Chat, BotAccount | None]:
    """The chat a user writes in: the private chat with a bot, or a group they belong to."""
    if chat_id is None or chat_id == user.id:
        bot = world.find_bot(bot_ref)
        if user.id in bot.blocked_by:
            raise ControlError(409, f"user {user.id} has blocked @{bot.username}; unblock first")
        return world.private_chat(bot, user), bot
    if chat_id > 0:
        raise ControlError(400, "a user can only write in their own private chat or a group")
    chat = world.group(chat_id)
    if chat.migrated_to is not None:
        raise ControlError(409, f"group {chat_id} was migrated to {chat.migrated_to}")
    if user.id not in chat.members:
        raise ControlError(403, f"user {user.id} is not a member of chat {chat_id}")
    return chat, None


def upload(
    world: World, data: bytes, filename: str | None, mime_type: str | None, kind: str
) -> StoredFile:
    """Store a file a user sends (a photo must be a PNG, GIF or JPEG image)."""
    if not data:
        raise ControlError(400, "file must be non-empty")
    if kind == "photo":
        size = sniff_image(data)
        if size is None:
            raise ControlError(400, "a photo must be a PNG, GIF or JPEG image")
        return world.store_file(data, "photo", width=size[0], height=size[1])
    mime = mime_type or (mimetypes.guess_type(filename or "")[0]) or "application/octet-stream"
    return world.store_file(data, "document", file_name=filename, mime_type=mime)


def sticker(world: World, emoji: str, set_name: str | None) -> StoredFile:
    """A static 512x512 sticker standing for ``emoji`` (the file is a WebP placeholder)."""
    emoji = emoji.strip()
    if (
        not emoji
        or len(emoji) > MAX_EMOJI_CHARS
        or emoji.isascii()
        or any(c.isspace() or (c.isascii() and c.isalpha()) for c in emoji)
    ):
        raise ControlError(400, "emoji must be a single emoji such as 👍")
    if set_name is not None and not STICKER_SET_RE.match(set_name):
        raise ControlError(400, "set_name must be 1-64 characters of [A-Za-z0-9_]")
    body = b"VP8L" + emoji.encode() + bytes(64)
    data = b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body
    return world.store_file(
        data,
        "sticker",
        mime_type="image/webp",
        width=512,
        height=512,
        emoji=emoji,
        set_name=set_name,
    )


def voice(world: World, duration: int) -> StoredFile:
    """A voice note of ``duration`` seconds (an Ogg/Opus placeholder of realistic size)."""
    if not 0 <= duration <= MAX_VOICE_SECONDS:
        raise ControlError(400, f"duration must be 0-{MAX_VOICE_SECONDS} seconds")
    data = b"OggS\x00\x02" + bytes(VOICE_BYTES_PER_SECOND * max(duration, 1))
    return world.store_file(data, "voice", mime_type="audio/ogg", duration=duration)


def location(latitude: float, longitude: float, horizontal_accuracy: float | None) -> Json:
    """The ``location`` field of a message, checked like Telegram checks coordinates."""
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise ControlError(400, "latitude must be between -90 and 90")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise ControlError(400, "longitude must be between -180 and 180")
    data: Json = {"latitude": latitude, "longitude": longitude}
    if horizontal_accuracy is not None:
        if not 0 <= horizontal_accuracy <= MAX_ACCURACY_METRES:
            raise ControlError(400, f"horizontal_accuracy must be 0-{MAX_ACCURACY_METRES} m")
        data["horizontal_accuracy"] = horizontal_accuracy
    return {"location": data}


def contact(
    world: World,
    phone_number: str,
    first_name: str,
    last_name: str | None = None,
    user_id: int | None = None,
    vcard: str | None = None,
) -> Json:
    """The ``contact`` field of a message; ``user_id`` must be a known user when given."""
    phone_number = phone_number.strip()
    if not PHONE_RE.match(phone_number):
        raise ControlError(400, "phone_number must be digits, optionally with + - ( ) or spaces")
    if not first_name.strip() or len(first_name) > MAX_NAME_CHARS:
        raise ControlError(400, f"first_name must be 1-{MAX_NAME_CHARS} characters")
    data: Json = {"phone_number": phone_number, "first_name": first_name.strip()}
    if last_name:
        if len(last_name) > MAX_NAME_CHARS:
            raise ControlError(400, f"last_name must be at most {MAX_NAME_CHARS} characters")
        data["last_name"] = last_name
    if user_id is not None:
        data["user_id"] = world.user(user_id).id
    if vcard:
        data["vcard"] = vcard
    return {"contact": data}


def send_from_user(
    world: World,
    user_id: int,
    *,
    text: str | None = None,
    chat_id: int | None = None,
    bot_ref: Any = None,
    reply_to_message_id: int | None = None,
    file: StoredFile | None = None,
    caption: str | None = None,
    media: Json | None = None,
) -> Message:
    """A user sends a text, command, file (document, photo, sticker, voice), location or contact.

    The bot(s) get a ``message`` update. ``media`` is a non-file field such as ``location``.
    """
    user = world.user(user_id)
    if file is None and media is None and not (text or "").strip():
        raise ControlError(400, "text must be non-empty")
    chat, _bot = user_chat(world, user, chat_id, bot_ref)
    reply_to = None
    if reply_to_message_id is not None:
        reply_to = chat.get(reply_to_message_id)
        if reply_to is None or reply_to.deleted:
            raise ControlError(404, f"message {reply_to_message_id} not found in chat {chat.id}")
    fields: dict[str, Any] = {"reply_to": reply_to}
    if media is not None:
        fields["media"] = media
    elif file is None:
        fields.update(text=text, entities=auto_entities(text))
    else:
        fields.update(file=file, caption=caption or None, caption_entities=auto_entities(caption))
    message = world.add_message(chat, user, **fields)
    deliver(world, message)
    return message


def edit_from_user(
    world: World, user_id: int, chat_id: int | None, message_id: int, text: str, bot_ref: Any
) -> Message:
    """A user edits their text message; the bot(s) get an ``edited_message`` update."""
    user = world.user(user_id)
    chat, _bot = user_chat(world, user, chat_id, bot_ref)
    message = chat.get(message_id)
    if message is None or message.deleted or message.sender.id != user.id:
        raise ControlError(404, f"message {message_id} of user {user_id} not found")
    if message.text is None or not text.strip():
        raise ControlError(400, "only non-empty text messages can be edited")
    message.history.append(message.content())
    message.text = text
    message.entities = auto_entities(text)
    message.edit_date = world.now()
    world.changed.fire()
    deliver(world, message, "edited_message")
    return message


def press_button(
    world: World,
    user_id: int,
    chat_id: int | None,
    message_id: int,
    *,
    text: str | None = None,
    data: str | None = None,
    bot_ref: Any = None,
    forged: bool = False,
) -> Json:
    """A user presses an inline button; its bot gets a ``callback_query`` update.

    ``forged`` plays a modified client that sends ``data`` under a message whether or not the
    message has such a button — bots must not trust callback data.
    """
    if text is None and data is None:
        raise ControlError(400, "give the button text or its callback_data")
    user = world.user(user_id)
    chat, _bot = user_chat(world, user, chat_id, bot_ref)
    message = chat.get(message_id)
    if message is None or message.deleted:
        raise ControlError(404, f"message {message_id} not found in chat {chat.id}")
    bot = world.bots_by_id.get(message.sender.id)
    if bot is None:
        raise ControlError(400, f"message {message_id} was not sent by a bot")
    button = {"callback_data": data} if forged and data is not None else None
    button = button or find_button(message.reply_markup, text, data)
    if button is None:
        raise ControlError(404, f"no inline button text={text!r} data={data!r} on that message")
    if "callback_data" not in button:
        raise ControlError(400, "that button has no callback_data (url or other kind)")
    query = world.new_callback(bot, user, message, str(button["callback_data"]))
    payload = {
        "id": query.id,
        "from": user.api(),
        "message": message.api(),
        "chat_instance": world.chat_instance(bot, chat),
        "data": query.data,
    }
    update_id = world.enqueue(bot, "callback_query", payload)
    return {"callback_query_id": query.id, "update_id": update_id, "data": query.data}


def set_blocked(
    world: World, user_id: int, bot_ref: Any, blocked: bool, *, update: bool = True
) -> Json:
    """A user blocks or unblocks a bot (``my_chat_member`` kicked / member).

    ``update=False`` changes the state without an update, as if the bot missed it (Telegram
    keeps updates for 24 hours): the bot learns of a block only from a 403.
    """
    user = world.user(user_id)
    bot = world.find_bot(bot_ref)
    if blocked == (user.id in bot.blocked_by):
        return {"blocked": blocked, "update_id": None}
    chat = world.private_chat(bot, user)
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    if blocked:
        bot.blocked_by.add(user.id)
    else:
        bot.blocked_by.discard(user.id)
    update_id = member_update(world, bot, chat, user, old, new) if update else None
    world.changed.fire()
    return {"blocked": blocked, "update_id": update_id}


def add_bot(
    world: World, chat_id: int, bot_ref: Any, by_user_id: int | None, admin: bool = False
) -> Json:
    """Add a bot to a group: ``my_chat_member`` plus a ``new_chat_members`` service message."""
    chat = world.group(chat_id)
    bot = world.find_bot(bot_ref)
    if chat.migrated_to is not None:
        raise ControlError(409, f"group {chat_id} was migrated to {chat.migrated_to}")
    if not bot.can_join_groups:
        raise ControlError(400, f"@{bot.username} can't be added to groups")
    old = chat.bot_status.get(bot.id, "left")
    new = "administrator" if admin else "member"
    if old == new:
        return {"chat": chat.summary(), "update_ids": []}
    actor = _actor(world, chat, by_user_id)
    chat.bot_status[bot.id] = new
    ids = [member_update(world, bot, chat, actor, old, new)]
    if old not in MEMBER_STATUSES:
        service = world.add_message(
            chat,
            actor,
            service={"new_chat_members": [bot.user.api()], "new_chat_member": bot.user.api()},
        )
        ids += deliver(world, service)
    return {"chat": chat.summary(), "update_ids": [i for i in ids if i is not None]}


def remove_bot(
    world: World, chat_id: int, bot_ref: Any, by_user_id: int | None, kick: bool | None = None
) -> Json:
    """Remove a bot from a group (status ``left``, or ``kicked`` in supergroups / when asked)."""
    chat = world.group(chat_id)
    bot = world.find_bot(bot_ref)
    old = chat.bot_status.get(bot.id, "left")
    if old not in MEMBER_STATUSES:
        raise ControlError(409, f"@{bot.username} is not a member of chat {chat_id}")
    if kick is None:
        kick = chat.type == "supergroup"
    actor = _actor(world, chat, by_user_id)
    new = "kicked" if kick else "left"
    chat.bot_status[bot.id] = new
    ids = [member_update(world, bot, chat, actor, old, new)]
    service = world.add_message(
        chat,
        actor,
        service={"left_chat_member": bot.user.api(), "left_chat_participant": bot.user.api()},
    )
    ids += deliver(world, service)
    return {"chat": chat.summary(), "update_ids": [i for i in ids if i is not None]}


def bot_leaves(world: World, bot: BotAccount, chat: Chat) -> None:
    """The bot calls ``leaveChat``."""
    old = chat.bot_status.get(bot.id, "left")
    chat.bot_status[bot.id] = "left"
    member_update(world, bot, chat, bot.user, old, "left")
    world.add_message(chat, bot.user, service={"left_chat_member": bot.user.api()})


def add_member(world: World, chat_id: int, user_id: int) -> Chat:
    """A user joins a group; bots get a ``new_chat_members`` service message."""
    chat = world.group(chat_id)
    user = world.user(user_id)
    if user.id not in chat.members:
        chat.members.add(user.id)
        service = world.add_message(
            chat, user, service={"new_chat_members": [user.api()], "new_chat_member": user.api()}
        )
        deliver(world, service)
    return chat


def migrate(world: World, chat_id: int, by_user_id: int | None) -> Chat:
    """Upgrade a basic group to a supergroup (new ``-100…`` id, migrate service messages)."""
    old = world.group(chat_id)
    if old.type != "group" or old.migrated_to is not None:
        raise ControlError(409, f"chat {chat_id} is not a basic group that can be migrated")
    actor = _actor(world, old, by_user_id)
    new = Chat(
        id=world.new_group_id("supergroup"),
        type="supergroup",
        title=old.title,
        username=old.username,
        members=set(old.members),
        bot_status={k: v for k, v in old.bot_status.items() if v in MEMBER_STATUSES},
        creator_id=old.creator_id,
        migrated_from=old.id,
    )
    world.groups[new.id] = new
    old.migrated_to = new.id
    deliver(world, world.add_message(old, actor, service={"migrate_to_chat_id": new.id}))
    deliver(world, world.add_message(new, actor, service={"migrate_from_chat_id": old.id}))
    return new
