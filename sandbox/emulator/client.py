"""Async httpx client for the emulator's control API (see server.py for the routes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx

Json = dict[str, Any]
BotRef = str | int | None


class EmulatorError(RuntimeError):
    """A control-API call failed; ``status`` is the HTTP status."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def _clean(data: Json) -> Json:
    return {k: v for k, v in data.items() if v is not None}


class EmulatorClient:
    """Drive the emulated world: create bots/users/groups, act as users, read results."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout)

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    async def _call(
        self,
        verb: str,
        path: str,
        *,
        json_body: Json | None = None,
        params: Json | None = None,
        timeout: float | None = None,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> Any:
        extra: Json = {}
        if timeout is not None:
            extra["timeout"] = timeout
        response = await self._http.request(
            verb,
            path,
            json=_clean(json_body) if json_body is not None else None,
            params=_clean(params) if params is not None else None,
            **extra,
            **kwargs,
        )
        if response.status_code >= 400 and response.status_code not in ok:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text
            raise EmulatorError(response.status_code, message)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    # ------------------------------------------------------------------ world
    async def reset(self) -> None:
        """Forget every bot, user, chat, file, log entry, limit and fault."""
        await self._call("POST", "/control/reset")

    async def state(self) -> Json:
        """Everything at a glance: bots, users, chats, limits, faults."""
        return await self._call("GET", "/control/state")

    async def create_bot(
        self,
        username: str = "testbot",
        first_name: str | None = None,
        *,
        token: str | None = None,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
    ) -> Json:
        """Register a bot; the result includes its ``token`` and ``id``."""
        body = {
            "username": username,
            "first_name": first_name,
            "token": token,
            "can_join_groups": can_join_groups,
            "can_read_all_group_messages": can_read_all_group_messages,
        }
        return await self._call("POST", "/control/bots", json_body=body)

    async def create_user(
        self,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        *,
        user_id: int | None = None,
    ) -> Json:
        """Register a human user; returns the Bot API ``User`` (with ``id``)."""
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "id": user_id,
        }
        return await self._call("POST", "/control/users", json_body=body)

    async def create_group(
        self,
        title: str,
        member_ids: list[int] | tuple[int, ...] = (),
        *,
        type: str = "group",
        add_bot: bool = False,
        bot: BotRef = None,
        admin: bool = False,
        creator_id: int | None = None,
        username: str | None = None,
    ) -> Json:
        """Create a group/supergroup, optionally with the bot added (my_chat_member update)."""
        body = {
            "title": title,
            "member_ids": list(member_ids),
            "type": type,
            "add_bot": add_bot,
            "bot": bot,
            "admin": admin,
            "creator_id": creator_id,
            "username": username,
        }
        return await self._call("POST", "/control/chats", json_body=body)

    async def add_member(self, chat_id: int, user_id: int) -> Json:
        """A user joins a group."""
        body = {"user_id": user_id}
        return await self._call("POST", f"/control/chats/{chat_id}/members", json_body=body)

    async def add_bot_to_group(
        self, chat_id: int, *, bot: BotRef = None, by_user_id: int | None = None,
        admin: bool = False,
    ) -> Json:  # fmt: skip
        """Add the bot to a group (my_chat_member + new_chat_members)."""
        body = {"bot": bot, "by_user_id": by_user_id, "admin": admin}
        return await self._call("POST", f"/control/chats/{chat_id}/bot", json_body=body)

    async def remove_bot_from_group(
        self, chat_id: int, *, bot: BotRef = None, by_user_id: int | None = None,
        kick: bool | None = None,
    ) -> Json:  # fmt: skip
        """Remove the bot from a group (status left, or kicked)."""
        body = {"bot": bot, "by_user_id": by_user_id, "kick": kick}
        return await self._call("DELETE", f"/control/chats/{chat_id}/bot", json_body=body)

    async def migrate_group(self, chat_id: int, *, by_user_id: int | None = None) -> Json:
        """Upgrade a group to a supergroup; returns the new chat (``id`` is ``-100…``)."""
        body = {"by_user_id": by_user_id}
        return await self._call("POST", f"/control/chats/{chat_id}/migrate", json_body=body)

    async def block_bot(self, user_id: int, *, bot: BotRef = None, update: bool = True) -> Json:
        """The user blocks the bot (my_chat_member → kicked).

        ``update=False``: the bot is never told (a missed update); it finds out from a 403.
        """
        body = {"bot": bot, "update": update}
        return await self._call("POST", f"/control/users/{user_id}/block", json_body=body)

    async def unblock_bot(self, user_id: int, *, bot: BotRef = None) -> Json:
        """The user unblocks the bot (my_chat_member → member)."""
        body = {"bot": bot}
        return await self._call("POST", f"/control/users/{user_id}/unblock", json_body=body)

    # ---------------------------------------------------------- user actions
    async def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        reply_to_message_id: int | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user sends text (private chat with the bot unless ``chat_id`` is a group)."""
        body = {
            "text": text,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "bot": bot,
        }
        return await self._call("POST", f"/control/users/{user_id}/messages", json_body=body)

    async def send_command(
        self,
        user_id: int,
        command: str,
        args: str = "",
        chat_id: int | None = None,
        *,
        mention: str | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user sends ``/command[@mention] args``; a bot_command entity is added."""
        text = "/" + command.lstrip("/")
        if mention:
            text += "@" + mention.lstrip("@")
        if args:
            text += " " + args
        return await self.send_text(user_id, text, chat_id, bot=bot)

    async def _send_file(
        self,
        kind: str,
        user_id: int,
        data: bytes,
        filename: str,
        mime_type: str | None,
        chat_id: int | None,
        caption: str | None,
        bot: BotRef,
    ) -> Json:
        fields = _clean(
            {"chat_id": chat_id, "caption": caption, "mime_type": mime_type, "bot": bot}
        )
        files = {"file": (filename, data, mime_type or "application/octet-stream")}
        return await self._call(
            "POST",
            f"/control/users/{user_id}/{kind}",
            data={k: str(v) for k, v in fields.items()},
            files=files,
        )

    async def send_document(
        self,
        user_id: int,
        data: bytes,
        filename: str,
        mime_type: str | None = None,
        chat_id: int | None = None,
        caption: str | None = None,
        *,
        bot: BotRef = None,
    ) -> Json:
        """The user sends a document; the bot can getFile and download it."""
        return await self._send_file(
            "documents", user_id, data, filename, mime_type, chat_id, caption, bot
        )

    async def send_photo(
        self,
        user_id: int,
        data: bytes,
        filename: str = "photo.jpg",
        mime_type: str | None = "image/jpeg",
        chat_id: int | None = None,
        caption: str | None = None,
        *,
        bot: BotRef = None,
    ) -> Json:
        """The user sends a photo (PNG, GIF or JPEG) as Telegram's ``PhotoSize`` list."""
        return await self._send_file(
            "photos", user_id, data, filename, mime_type, chat_id, caption, bot
        )

    async def send_sticker(
        self,
        user_id: int,
        emoji: str = "👍",
        chat_id: int | None = None,
        *,
        set_name: str | None = None,
        reply_to_message_id: int | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user sends a static sticker (``message.sticker``: 512x512, ``type`` regular)."""
        body = {
            "emoji": emoji,
            "set_name": set_name,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "bot": bot,
        }
        return await self._call("POST", f"/control/users/{user_id}/stickers", json_body=body)

    async def send_voice(
        self,
        user_id: int,
        duration: int = 3,
        chat_id: int | None = None,
        *,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user sends a voice note (``message.voice``, audio/ogg, downloadable)."""
        body = {
            "duration": duration,
            "caption": caption,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "bot": bot,
        }
        return await self._call("POST", f"/control/users/{user_id}/voices", json_body=body)

    async def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        chat_id: int | None = None,
        *,
        horizontal_accuracy: float | None = None,
        reply_to_message_id: int | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user shares a location (``message.location``)."""
        body = {
            "latitude": latitude,
            "longitude": longitude,
            "horizontal_accuracy": horizontal_accuracy,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "bot": bot,
        }
        return await self._call("POST", f"/control/users/{user_id}/locations", json_body=body)

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        chat_id: int | None = None,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        vcard: str | None = None,
        reply_to_message_id: int | None = None,
        bot: BotRef = None,
    ) -> Json:
        """The user shares a contact (``message.contact``; ``contact_user_id`` → its user_id)."""
        body = {
            "phone_number": phone_number,
            "first_name": first_name,
            "last_name": last_name,
            "contact_user_id": contact_user_id,
            "vcard": vcard,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "bot": bot,
        }
        return await self._call("POST", f"/control/users/{user_id}/contacts", json_body=body)

    async def edit_text(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None,
        *, bot: BotRef = None,
    ) -> Json:  # fmt: skip
        """The user edits one of their text messages (edited_message update)."""
        body = {"message_id": message_id, "text": text, "chat_id": chat_id, "bot": bot}
        return await self._call("POST", f"/control/users/{user_id}/edits", json_body=body)

    async def press_button(
        self,
        user_id: int,
        chat_id: int | None,
        message_id: int,
        *,
        text: str | None = None,
        data: str | None = None,
        bot: BotRef = None,
        forged: bool = False,
    ) -> Json:
        """Press an inline button by text or callback_data; returns ``callback_query_id``.

        ``forged=True`` sends ``data`` even when the message has no such button (an attacker).
        """
        body = {"chat_id": chat_id, "message_id": message_id, "text": text, "data": data,
                "bot": bot, "forged": forged}  # fmt: skip
        return await self._call("POST", f"/control/users/{user_id}/callbacks", json_body=body)

    # ------------------------------------------------------------------ reads
    async def chat(self, chat_id: int, *, bot: BotRef = None) -> Json:
        """Chat summary (members, bot statuses, migration, chat actions)."""
        return await self._call("GET", f"/control/chats/{chat_id}", params={"bot": bot})

    async def messages(
        self, chat_id: int, *, bot: BotRef = None, sender: str = "any",
        include_deleted: bool = True,
    ) -> list[Json]:  # fmt: skip
        """All messages of a chat in order (both directions) with html, markup, history."""
        params = {"bot": bot, "from": sender, "include_deleted": str(include_deleted).lower()}
        result = await self._call("GET", f"/control/chats/{chat_id}/messages", params=params)
        return result["messages"]

    async def bot_messages(
        self, chat_id: int, *, bot: BotRef = None, include_deleted: bool = True
    ) -> list[Json]:
        """Messages sent by the bot in a chat."""
        return await self.messages(chat_id, bot=bot, sender="bot", include_deleted=include_deleted)

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        after_message_id: int | None = None,
        timeout: float = 10.0,
        predicate: Callable[[Json], bool] | None = None,
        bot: BotRef = None,
        after: int | None = None,
    ) -> Json:
        """The first bot message newer than ``after_message_id`` (matching ``predicate``).

        ``after`` is an alias of ``after_message_id``; ``None`` means "any bot message in the
        chat". Raises :class:`TimeoutError` when none arrives within ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        after_message_id = after_message_id if after_message_id is not None else after
        after = after_message_id or 0
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no bot message in chat {chat_id} after {after_message_id}")
            result = await self._call(
                "GET",
                f"/control/chats/{chat_id}/wait",
                params={"after": after, "timeout": remaining, "bot": bot},
                timeout=remaining + 10.0,
                ok=(408,),
            )
            for message in result.get("messages", []):
                if predicate is None or predicate(message):
                    return message
                after = max(after, message["message_id"])

    async def callback_answer(self, query_id: str, *, wait: float = 0.0) -> Json:
        """How the bot answered a button press (``answered``, ``answer.text``, ...)."""
        return await self._call(
            "GET",
            f"/control/callbacks/{query_id}",
            params={"wait": wait},
            timeout=wait + 10.0,
        )

    async def commands(
        self, *, bot: BotRef = None, scope: Json | None = None, language_code: str = ""
    ) -> list[Json]:
        """The bot's registered commands for a scope (default scope by default)."""
        params = {
            "scope": json.dumps(scope) if scope else None,
            "language_code": language_code or None,
        }
        result = await self._call(
            "GET", f"/control/bots/{bot or 'default'}/commands", params=params
        )
        return result["commands"]

    async def all_commands(self, *, bot: BotRef = None) -> list[Json]:
        """Every registered (scope, language_code, commands) triple."""
        result = await self._call("GET", f"/control/bots/{bot or 'default'}/commands")
        return result["all"]

    async def webhook_info(self, *, bot: BotRef = None) -> Json:
        """getWebhookInfo plus the secret token."""
        return await self._call("GET", f"/control/bots/{bot or 'default'}/webhook")

    async def pending_updates(self, *, bot: BotRef = None) -> list[Json]:
        """Updates queued for the bot and not yet confirmed."""
        result = await self._call("GET", f"/control/bots/{bot or 'default'}/updates")
        return result["updates"]

    async def requests_log(
        self, *, method: str | None = None, bot: BotRef = None, since: int | None = None
    ) -> list[Json]:
        """Bot API calls: seq, time, method, status, duration, fault, params."""
        params = {"method": method, "bot": bot, "since": since}
        return await self._call("GET", "/control/requests", params=params)

    async def wait_for_request(
        self,
        method: str | None = None,
        *,
        since: int | None = None,
        finished: bool = False,
        timeout: float = 10.0,
        bot: BotRef = None,
    ) -> Json:
        """The first logged Bot API call (e.g. the bot's first ``getUpdates``) after ``since``.

        In-flight calls count unless ``finished``; raises :class:`TimeoutError`.
        """
        params = {
            "method": method,
            "since": since,
            "finished": str(finished).lower(),
            "timeout": timeout,
            "bot": bot,
        }
        entries = await self._call(
            "GET", "/control/requests/wait", params=params, timeout=timeout + 10.0, ok=(408,)
        )
        if not entries:
            raise TimeoutError(f"no {method or 'Bot API'} request within {timeout} s")
        return entries[0]

    async def clear_requests_log(self) -> None:
        """Empty the request log."""
        await self._call("DELETE", "/control/requests")

    async def download_file(self, file_id: str) -> bytes:
        """Raw content of any stored file (sent by the bot or a user)."""
        response = await self._http.get(f"/control/files/{file_id}")
        if response.status_code >= 400:
            raise EmulatorError(response.status_code, response.text)
        return response.content

    # --------------------------------------------------------------- settings
    async def set_rate_limits(
        self,
        enabled: bool = True,
        *,
        global_per_second: int | None = None,
        private_per_second: int | None = None,
        group_per_minute: int | None = None,
    ) -> Json:
        """Switch flood limits on/off and tune them (429 with retry_after)."""
        body = {
            "enabled": enabled,
            "global_per_second": global_per_second,
            "private_per_second": private_per_second,
            "group_per_minute": group_per_minute,
        }
        return await self._call("PUT", "/control/settings/rate-limits", json_body=body)

    async def set_settings(self, **settings: Any) -> Json:
        """Change behaviour switches such as ``strict_html_ampersand``."""
        return await self._call("PUT", "/control/settings", json_body=settings)

    async def inject_fault(
        self,
        kind: str = "error",
        *,
        method: str | None = None,
        count: int = 1,
        status: int = 500,
        delay: float | None = None,
        phase: str = "before",
        description: str | None = None,
        retry_after: int | None = None,
        bot: BotRef = None,
        probability: float | None = None,
        seed: int | None = None,
    ) -> Json:
        """Fail the next ``count`` calls of ``method`` (any method when None; 0 = unlimited).

        ``kind``: ``error`` (HTTP ``status``), ``hang`` (answer after ``delay`` seconds, or
        only at shutdown when None) or ``drop`` (close the connection without an answer).
        ``phase="after"`` performs the call first, then fails the response.
        With ``probability`` only that share of the matching calls is hit, at random from
        ``seed`` (repeatable); ``count`` then bounds the hits. Faults are tried in the order
        they were added: one that misses leaves the call to the next.
        """
        body = {
            "probability": probability,
            "seed": seed,
            "kind": kind,
            "method": method,
            "count": count,
            "status": status,
            "delay": delay,
            "phase": phase,
            "description": description,
            "retry_after": retry_after,
            "bot": bot,
        }
        return await self._call("POST", "/control/faults", json_body=body)

    async def clear_faults(self) -> None:
        """Remove all injected faults."""
        await self._call("DELETE", "/control/faults")
