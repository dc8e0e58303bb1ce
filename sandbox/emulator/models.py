"""Dataclasses of the emulated world: users, bots, chats, messages, files, settings."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]
Clock = Callable[[], float]
SERVICE_USER_ID = 777000
MEMBER_STATUSES = ("creator", "administrator", "member")


class Signal:
    """A re-armable broadcast: every waiter wakes up on the next :meth:`fire`."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake all current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the next fire; return False when ``timeout`` seconds passed first."""
        event = self._event
        if timeout is not None and timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass(eq=False)
class User:
    """A Telegram account (human or bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def api(self) -> Json:
        """The Bot API ``User`` object."""
        data: Json = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(eq=False)
class StoredFile:
    """A file in the world (document, photo size, sticker or voice), downloadable via getFile."""

    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    file_path: str | None = None
    duration: int = 0
    emoji: str | None = None
    set_name: str | None = None
    thumbs: list[StoredFile] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def document_api(self) -> Json:
        """The Bot API ``Document`` object."""
        data: Json = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        data["file_size"] = self.size
        return data

    def photo_size_api(self) -> Json:
        """The Bot API ``PhotoSize`` object of this one size."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "width": self.width,
            "height": self.height,
        }

    def photo_api(self) -> list[Json]:
        """The Bot API ``PhotoSize`` list: the smaller sizes first, this (largest) one last."""
        return [thumb.photo_size_api() for thumb in self.thumbs] + [self.photo_size_api()]

    def sticker_api(self) -> Json:
        """The Bot API ``Sticker`` object (a static regular sticker)."""
        data: Json = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "type": "regular",
            "width": self.width,
            "height": self.height,
            "is_animated": False,
            "is_video": False,
        }
        if self.emoji:
            data["emoji"] = self.emoji
        if self.set_name:
            data["set_name"] = self.set_name
        data["file_size"] = self.size
        return data

    def voice_api(self) -> Json:
        """The Bot API ``Voice`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "duration": self.duration,
            "mime_type": self.mime_type or "audio/ogg",
            "file_size": self.size,
        }

    def message_fields(self) -> Json:
        """The field(s) a message carrying this file has (``photo``, ``sticker``, ...)."""
        if self.kind == "photo":
            return {"photo": self.photo_api()}
        if self.kind == "sticker":
            return {"sticker": self.sticker_api()}
        if self.kind == "voice":
            return {"voice": self.voice_api()}
        return {"document": self.document_api()}

    def file_api(self) -> Json:
        """The Bot API ``File`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass(eq=False)
class Chat:
    """A private chat (one per bot and user) or a group / supergroup shared by its members."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: User | None = None
    bot_id: int | None = None
    members: set[int] = field(default_factory=set)
    bot_status: dict[int, str] = field(default_factory=dict)
    creator_id: int | None = None
    migrated_to: int | None = None
    migrated_from: int | None = None
    messages: list[Message] = field(default_factory=list)
    next_message_id: int = 1
    last_bot_sender: int | None = None
    actions: list[Json] = field(default_factory=list)

    def api(self) -> Json:
        """The Bot API ``Chat`` object."""
        data: Json = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
            if self.username:
                data["username"] = self.username
        return data

    def full_info(self) -> Json:
        """The Bot API ``ChatFullInfo`` object returned by ``getChat``."""
        data = self.api()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type != "private":
            data["permissions"] = {"can_send_messages": True}
        return data

    def get(self, message_id: int | None) -> Message | None:
        """The message with this id, deleted or not."""
        if message_id is None or not 0 < message_id < self.next_message_id:
            return None
        for message in reversed(self.messages):
            if message.message_id == message_id:
                return message
        return None

    def summary(self) -> Json:
        """Control-API view of the chat."""
        data = self.api()
        data.update(
            members=sorted(self.members),
            bots={str(k): v for k, v in self.bot_status.items()},
            creator_id=self.creator_id,
            migrated_to_chat_id=self.migrated_to,
            migrated_from_chat_id=self.migrated_from,
            message_count=len(self.messages),
            bot_id=self.bot_id,
            actions=list(self.actions[-20:]),
        )
        return data


@dataclass(eq=False)
class Message:
    """A message in a chat, with its edit history."""

    message_id: int
    chat: Chat = field(repr=False)
    sender: User
    date: int
    text: str | None = None
    entities: list[Json] = field(default_factory=list)
    html: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[Json] = field(default_factory=list)
    caption_html: str | None = None
    reply_markup: Json | None = None
    file: StoredFile | None = None
    reply_to: Message | None = field(default=None, repr=False)
    service: Json = field(default_factory=dict)
    media: Json = field(default_factory=dict)  # content without a file: location, contact
    options: Json = field(default_factory=dict)
    edit_date: int | None = None
    history: list[Json] = field(default_factory=list)
    deleted: bool = False
    created: float = 0.0  # when the emulator received it (the world's clock, sub-second)

    def api(self, *, with_reply: bool = True) -> Json:
        """The Bot API ``Message`` object."""
        data: Json = {
            "message_id": self.message_id,
            "from": self.sender.api(),
            "chat": self.chat.api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.reply_to is not None and with_reply:
            data["reply_to_message"] = self.reply_to.api(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.file is not None:
            data.update(self.file.message_fields())
        data.update(self.media)
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        data.update(self.service)
        return data

    def content(self) -> Json:
        """The editable part of the message (kept in ``history`` before each edit)."""
        return {
            "text": self.text,
            "entities": self.entities,
            "html": self.html,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "caption_html": self.caption_html,
            "reply_markup": self.reply_markup,
            "edit_date": self.edit_date,
        }

    def snapshot(self) -> Json:
        """Control-API view: the API shape plus raw HTML, full markup, history and flags."""
        data = self.api()
        data.update(
            chat_id=self.chat.id,
            sender_id=self.sender.id,
            from_bot=self.sender.is_bot,
            html=self.html,
            caption_html=self.caption_html,
            parse_mode=self.parse_mode,
            reply_markup=self.reply_markup,
            reply_to_message_id=self.reply_to.message_id if self.reply_to else None,
            options=self.options,
            history=list(self.history),
            deleted=self.deleted,
            created=self.created,
        )
        if self.file is not None:
            data["file_id"] = self.file.file_id
        return data


@dataclass(eq=False)
class CallbackQuery:
    """A pressed inline button and, once answered, the bot's answer."""

    id: str
    bot_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: Json | None = None
    answered_at: float | None = None

    def snapshot(self) -> Json:
        """Control-API view."""
        return {
            "id": self.id,
            "bot_id": self.bot_id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "created": self.created,
            "answered": self.answered,
            "answered_at": self.answered_at,
            "answer": self.answer,
        }


@dataclass(eq=False)
class BotAccount:
    """A bot: its user, token, update queue, commands, webhook and private chats."""

    user: User
    token: str
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = False
    updates: list[Json] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    commands: dict[tuple[str, str], list[Json]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    webhook: Json | None = None
    webhook_task: asyncio.Task[None] | None = field(default=None, repr=False)
    private_chats: dict[int, Chat] = field(default_factory=dict)
    blocked_by: set[int] = field(default_factory=set)
    poll_seq: int = 0
    signal: Signal = field(default_factory=Signal, repr=False)

    @property
    def id(self) -> int:
        """The bot's user id (the digits before ``:`` in the token)."""
        return self.user.id

    @property
    def username(self) -> str:
        """The bot's username without ``@``."""
        return self.user.username or ""

    def me(self) -> Json:
        """The ``getMe`` result."""
        data = self.user.api()
        data.update(
            can_join_groups=self.can_join_groups,
            can_read_all_group_messages=self.can_read_all_group_messages,
            supports_inline_queries=self.supports_inline_queries,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return data

    def summary(self) -> Json:
        """Control-API view (includes the token)."""
        data = self.me()
        data.update(
            token=self.token,
            pending_update_count=len(self.updates),
            webhook_url=(self.webhook or {}).get("url", ""),
            blocked_by=sorted(self.blocked_by),
            private_chats=sorted(self.private_chats),
        )
        return data


@dataclass
class RateLimitSettings:
    """Flood limits; enforced only when ``enabled``."""

    enabled: bool = False
    global_per_second: int = 30
    private_per_second: int = 1
    group_per_minute: int = 20

    def as_dict(self) -> Json:
        """JSON view."""
        return dict(self.__dict__)


@dataclass
class Fault:
    """An injected failure for the next ``count`` matching Bot API calls.

    With a ``probability`` each matching call is hit only with that chance, drawn from the
    fault's own random generator (seeded by ``seed``, so a run can be repeated); ``count`` then
    bounds the hits (0 = unlimited).
    """

    id: int
    kind: str
    method: str | None = None
    count: int = 1
    status: int = 500
    description: str | None = None
    delay: float | None = None
    phase: str = "before"
    retry_after: int | None = None
    bot_id: int | None = None
    probability: float | None = None
    seed: int | None = None
    hits: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def strikes(self) -> bool:
        """Whether this matching call is hit (always, unless the fault has a probability)."""
        return self.probability is None or self.rng.random() < self.probability

    def as_dict(self) -> Json:
        """JSON view."""
        return {k: v for k, v in self.__dict__.items() if k != "rng"}


@dataclass
class Settings:
    """Behaviour switches of the emulator."""

    strict_html_ampersand: bool = True
    webhook_retry_delay: float = 1.0
    webhook_timeout: float = 10.0
    max_hang: float = 300.0
    max_log_entries: int = 10000
