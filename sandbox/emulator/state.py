"""The in-memory world of the emulator (state container and its mutations)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import secrets
import string
import time
from typing import Any

from .errors import ControlError
from .models import (
    MEMBER_STATUSES,
    SERVICE_USER_ID,
    BotAccount,
    CallbackQuery,
    Chat,
    Clock,
    Fault,
    Json,
    Message,
    RateLimitSettings,
    Settings,
    Signal,
    StoredFile,
    User,
)

__all__ = [
    "MEMBER_STATUSES", "SERVICE_USER_ID", "TOKEN_RE", "BotAccount", "CallbackQuery", "Chat",
    "Clock", "Fault", "Json", "Message", "RateLimitSettings", "Settings", "Signal",
    "StoredFile", "User", "World",
]  # fmt: skip

TOKEN_RE = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]{35})$")
TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
DEFAULT_UPDATE_TYPES = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "chat_join_request"}
)
# How Telegram's file ids start, and where getFile puts each kind of file.
FILE_ID_PREFIXES = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
}
FILE_FOLDERS = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "sticker": ("stickers", ".webp"),
    "voice": ("voice", ".oga"),
}
# Telegram's photo size ladder (longest side of each thumbnail) and its largest size.
PHOTO_SIZE_BOXES = (90, 320, 800, 1280)
MAX_PHOTO_SIDE = 2560


class World:
    """All emulator state; mutated only from the event loop, so no locks are needed."""

    def __init__(
        self,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        *,
        settings: Settings | None = None,
    ) -> None:
        self.clock = clock
        self.monotonic = monotonic
        self.settings = settings or Settings()
        self.closing = asyncio.Event()
        self.changed = Signal()
        self.requests_changed = Signal()
        self.bots: dict[str, BotAccount] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything: bots, users, chats, files, logs, limits, faults."""
        for bot in getattr(self, "bots", {}).values():
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
        old_bots = list(getattr(self, "bots", {}).values())
        self.bots = {}
        self.bots_by_id: dict[int, BotAccount] = {}
        self.users: dict[int, User] = {}
        self.groups: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.request_log: list[Json] = []
        self.rate_limits = RateLimitSettings()
        self.rate_windows: dict[tuple[Any, ...], list[float]] = {}
        self.faults: list[Fault] = []
        self._seq: dict[str, int] = {}
        for bot in old_bots:
            bot.signal.fire()
        self.changed.fire()

    def next_id(self, kind: str, start: int = 1) -> int:
        """The next value of a named counter."""
        value = self._seq.get(kind, start - 1) + 1
        self._seq[kind] = value
        return value

    def now(self) -> int:
        """Current Unix time as Telegram's integer ``date``."""
        return int(self.clock())

    # ----------------------------------------------------------------- bots
    def create_bot(
        self,
        username: str,
        first_name: str | None = None,
        token: str | None = None,
        *,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
    ) -> BotAccount:
        """Register a bot; its token is generated unless given."""
        username = username.lstrip("@")
        if not USERNAME_RE.match(username) or not username.lower().endswith("bot"):
            raise ControlError(400, "bot username must be 5-32 chars [A-Za-z0-9_] ending in 'bot'")
        if any(b.username.lower() == username.lower() for b in self.bots.values()):
            raise ControlError(409, f"bot @{username} already exists")
        if token is None:
            bot_id = self.next_id("bot", 7000000001)
            while bot_id in self.bots_by_id:
                bot_id = self.next_id("bot", 7000000001)
            token = f"{bot_id}:" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(35))
        match = TOKEN_RE.match(token)
        if match is None:
            raise ControlError(400, "token must look like <digits>:<35 chars of [A-Za-z0-9_-]>")
        bot_id = int(match.group(1))
        if token in self.bots or bot_id in self.bots_by_id:
            raise ControlError(409, "a bot with this token or id already exists")
        user = User(id=bot_id, first_name=first_name or username, username=username, is_bot=True)
        bot = BotAccount(
            user=user,
            token=token,
            can_join_groups=can_join_groups,
            can_read_all_group_messages=can_read_all_group_messages,
            supports_inline_queries=supports_inline_queries,
        )
        self.bots[token] = bot
        self.bots_by_id[bot_id] = bot
        self.changed.fire()
        return bot

    def find_bot(self, ref: str | int | None = None) -> BotAccount:
        """A bot by token, id or username; the first registered bot when ``ref`` is empty."""
        if ref is None or ref == "" or ref == "default":
            if not self.bots:
                raise ControlError(400, "no bot registered; POST /control/bots first")
            return next(iter(self.bots.values()))
        text = str(ref).lstrip("@")
        if text in self.bots:
            return self.bots[text]
        if text.lstrip("-").isdigit() and int(text) in self.bots_by_id:
            return self.bots_by_id[int(text)]
        for bot in self.bots.values():
            if bot.username.lower() == text.lower():
                return bot
        raise ControlError(404, f"unknown bot {ref!r}")

    # ---------------------------------------------------------------- users
    def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> User:
        """Register a human user."""
        if not first_name:
            raise ControlError(400, "first_name is required")
        if user_id is None:
            user_id = self.next_id("user", 1000001)
            while user_id in self.users or user_id in self.bots_by_id:
                user_id = self.next_id("user", 1000001)
        elif user_id <= 0 or user_id in self.users or user_id in self.bots_by_id:
            raise ControlError(409, f"user id {user_id} is invalid or taken")
        user = User(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username.lstrip("@") if username else None,
            language_code=language_code,
        )
        self.users[user_id] = user
        self.changed.fire()
        return user

    def user(self, user_id: int) -> User:
        """A registered human user (404 otherwise)."""
        if user_id == SERVICE_USER_ID:
            return User(id=SERVICE_USER_ID, first_name="Telegram")
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError):
            raise ControlError(404, f"unknown user {user_id}") from None

    # ---------------------------------------------------------------- chats
    def create_group(
        self,
        title: str,
        chat_type: str = "group",
        member_ids: list[int] | tuple[int, ...] = (),
        creator_id: int | None = None,
        username: str | None = None,
    ) -> Chat:
        """Create a group or supergroup with the given human members."""
        if chat_type not in ("group", "supergroup"):
            raise ControlError(400, "type must be 'group' or 'supergroup'")
        if not title:
            raise ControlError(400, "title is required")
        members = [self.user(uid).id for uid in member_ids]
        if creator_id is not None:
            self.user(creator_id)
            if creator_id not in members:
                members.insert(0, creator_id)
        chat = Chat(
            id=self.new_group_id(chat_type),
            type=chat_type,
            title=title,
            username=username.lstrip("@") if username else None,
            members=set(members),
            creator_id=creator_id if creator_id is not None else (members[0] if members else None),
        )
        self.groups[chat.id] = chat
        self.changed.fire()
        return chat

    def new_group_id(self, chat_type: str) -> int:
        """A fresh negative chat id (``-100…`` for supergroups)."""
        if chat_type == "supergroup":
            return -(1001000000000 + self.next_id("supergroup"))
        return -(4000000000 + self.next_id("group"))

    def group(self, chat_id: int) -> Chat:
        """A group or supergroup (404 otherwise)."""
        try:
            return self.groups[int(chat_id)]
        except (KeyError, ValueError):
            raise ControlError(404, f"unknown group chat {chat_id}") from None

    def private_chat(self, bot: BotAccount, user: User) -> Chat:
        """The private chat between ``bot`` and ``user``, created on first use."""
        chat = bot.private_chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", user=user, bot_id=bot.id)
            bot.private_chats[user.id] = chat
        return chat

    def chat_view(self, bot: BotAccount | None, chat_id: int) -> Chat | None:
        """A chat as seen by the control API: groups directly, private chats through a bot."""
        if chat_id < 0:
            return self.groups.get(chat_id)
        if bot is None:
            return None
        return bot.private_chats.get(chat_id)

    def bots_in(self, chat: Chat) -> list[BotAccount]:
        """Bots that are currently members of a group."""
        return [
            self.bots_by_id[bot_id]
            for bot_id, status in chat.bot_status.items()
            if status in MEMBER_STATUSES and bot_id in self.bots_by_id
        ]

    # ------------------------------------------------------------- messages
    def add_message(self, chat: Chat, sender: User, **fields: Any) -> Message:
        """Append a message to a chat with the next per-chat ``message_id``."""
        received = self.clock()
        message = Message(
            message_id=chat.next_message_id,
            chat=chat,
            sender=sender,
            date=int(received),
            created=received,
            **fields,
        )
        chat.next_message_id += 1
        chat.messages.append(message)
        if sender.is_bot:
            chat.last_bot_sender = sender.id
        self.changed.fire()
        return message

    # -------------------------------------------------------------- updates
    def enqueue(self, bot: BotAccount, kind: str, payload: Json) -> int | None:
        """Queue an update for a bot unless its ``allowed_updates`` filter excludes it."""
        allowed = bot.allowed_updates
        if allowed:
            if kind not in allowed:
                return None
        elif kind not in DEFAULT_UPDATE_TYPES:
            return None
        update_id = bot.next_update_id
        bot.next_update_id += 1
        bot.updates.append({"update_id": update_id, kind: payload})
        bot.signal.fire()
        self.changed.fire()
        return update_id

    # ---------------------------------------------------------------- files
    def store_file(
        self,
        data: bytes,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
        **extra: Any,
    ) -> StoredFile:
        """Keep a file and give it a fresh ``file_id``; a photo also gets its smaller sizes."""
        if kind == "photo":
            return self._store_photo(data, width, height)
        stored = StoredFile(
            file_id=FILE_ID_PREFIXES.get(kind, FILE_ID_PREFIXES["document"])
            + secrets.token_urlsafe(36),
            file_unique_id="AgAD" + secrets.token_urlsafe(9),
            data=data,
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            **extra,
        )
        self.files[stored.file_id] = stored
        return stored

    def _store_photo(self, data: bytes, width: int, height: int) -> StoredFile:
        """A photo as Telegram keeps it: the largest size (at most 2560 px) plus smaller ones.

        The emulator cannot resize images, so every size holds the original bytes.
        """
        sizes = []
        longest = max(width, height, 1)
        top = min(longest, MAX_PHOTO_SIDE)
        for box in [*(b for b in PHOTO_SIZE_BOXES if b < top), top]:
            scale = box / longest
            stored = StoredFile(
                file_id=FILE_ID_PREFIXES["photo"] + secrets.token_urlsafe(36),
                file_unique_id="AQAD" + secrets.token_urlsafe(9),
                data=data,
                kind="photo",
                width=max(1, round(width * scale)),
                height=max(1, round(height * scale)),
            )
            self.files[stored.file_id] = stored
            sizes.append(stored)
        largest = sizes[-1]
        largest.thumbs = sizes[:-1]
        return largest

    def assign_file_path(self, stored: StoredFile) -> str:
        """Give a file its download path (``documents/file_N.ext``) on first ``getFile``."""
        if stored.file_path is None:
            number = self.next_id("file_path", 0)
            folder, default_ext = FILE_FOLDERS.get(stored.kind, FILE_FOLDERS["document"])
            ext = default_ext
            if stored.file_name and "." in stored.file_name:
                ext = "." + stored.file_name.rsplit(".", 1)[1]
            stored.file_path = f"{folder}/file_{number}{ext}"
            self.files_by_path[stored.file_path] = stored
        return stored.file_path

    # ------------------------------------------------------------ callbacks
    def new_callback(
        self, bot: BotAccount, user: User, message: Message, data: str
    ) -> CallbackQuery:
        """Record a button press."""
        query_id = str(4300000000000000000 + self.next_id("callback") * 7919 + bot.id % 7919)
        query = CallbackQuery(
            id=query_id,
            bot_id=bot.id,
            user_id=user.id,
            chat_id=message.chat.id,
            message_id=message.message_id,
            data=data,
            created=self.clock(),
        )
        self.callbacks[query_id] = query
        return query

    @staticmethod
    def chat_instance(bot: BotAccount, chat: Chat) -> str:
        """A stable ``chat_instance`` for a bot and chat."""
        digest = hashlib.sha256(f"{bot.id}:{chat.id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big", signed=True))

    # ------------------------------------------------------------- shutdown
    def close(self) -> None:
        """Wake every waiter so long polls and hangs end promptly."""
        self.closing.set()
        for bot in self.bots.values():
            if bot.webhook_task is not None:
                bot.webhook_task.cancel()
            bot.signal.fire()
        self.changed.fire()
        self.requests_changed.fire()

    async def wait_closing(self, timeout: float) -> None:
        """Sleep up to ``timeout`` seconds, returning early when the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closing.wait(), timeout)
