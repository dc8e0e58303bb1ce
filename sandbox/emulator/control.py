"""Control API handlers (JSON over HTTP under ``/control``); routes are listed in server.py."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

from aiohttp import web

from . import actions, limits, webhook
from .errors import ControlError
from .state import Chat, Settings, StoredFile, World

Json = dict[str, Any]


def _int(data: Json, key: str, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(400, f"{key} is required")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{key} must be an integer") from None


def _number(data: Json, key: str, required: bool = False) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(400, f"{key} is required")
        return None
    if isinstance(value, bool):
        raise ControlError(400, f"{key} must be a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{key} must be a number") from None


def _text(data: Json, key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ControlError(400, f"{key} is required")
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{key} must be a string")
    return value


def _bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true", "yes", "on")


def _float(data: Json, key: str, default: float) -> float:
    try:
        return float(data.get(key, default) if data.get(key) not in (None, "") else default)
    except (TypeError, ValueError):
        raise ControlError(400, f"{key} must be a number") from None


async def _body(request: web.Request) -> Json:
    """Query parameters overlaid with a JSON object body."""
    data: Json = dict(request.query)
    if request.can_read_body and request.content_type == "application/json":
        try:
            payload = await request.json()
        except ValueError:
            raise ControlError(400, "body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise ControlError(400, "body must be a JSON object")
        data.update(payload)
    return data


async def _upload_body(request: web.Request) -> tuple[Json, bytes, str | None, str | None]:
    """Fields plus file content from multipart (part ``file``) or JSON (``data_base64``)."""
    if request.content_type == "multipart/form-data":
        data: Json = dict(request.query)
        blob, filename = b"", None
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                blob, filename = value.file.read(), value.filename
            else:
                data[key] = value
        return data, blob, data.get("filename") or filename, data.get("mime_type") or None
    data = await _body(request)
    try:
        blob = base64.b64decode(data.get("data_base64") or "", validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(400, "data_base64 is not valid base64") from None
    return data, blob, data.get("filename"), data.get("mime_type")


class ControlApi:
    """Route handlers bound to one :class:`World`."""

    def __init__(self, world: World):
        self.world = world

    def add_routes(self, app: web.Application) -> None:
        """Register every control route on ``app``."""
        add = app.router.add_route
        for verb, path, handler in (
            ("GET", "/control/health", self.health),
            ("GET", "/control/state", self.state),
            ("POST", "/control/reset", self.reset),
            ("GET", "/control/settings", self.get_settings),
            ("PUT", "/control/settings", self.put_settings),
            ("POST", "/control/bots", self.create_bot),
            ("GET", "/control/bots", self.list_bots),
            ("GET", "/control/bots/{bot}", self.get_bot),
            ("GET", "/control/bots/{bot}/commands", self.commands),
            ("GET", "/control/bots/{bot}/webhook", self.webhook_info),
            ("GET", "/control/bots/{bot}/updates", self.pending_updates),
            ("POST", "/control/users", self.create_user),
            ("GET", "/control/users", self.list_users),
            ("POST", "/control/users/{user_id}/block", self.block),
            ("POST", "/control/users/{user_id}/unblock", self.unblock),
            ("POST", "/control/users/{user_id}/messages", self.user_message),
            ("POST", "/control/users/{user_id}/documents", self.user_document),
            ("POST", "/control/users/{user_id}/photos", self.user_photo),
            ("POST", "/control/users/{user_id}/stickers", self.user_sticker),
            ("POST", "/control/users/{user_id}/voices", self.user_voice),
            ("POST", "/control/users/{user_id}/locations", self.user_location),
            ("POST", "/control/users/{user_id}/contacts", self.user_contact),
            ("POST", "/control/users/{user_id}/edits", self.user_edit),
            ("POST", "/control/users/{user_id}/callbacks", self.user_callback),
            ("POST", "/control/chats", self.create_chat),
            ("GET", "/control/chats", self.list_chats),
            ("GET", "/control/chats/{chat_id}", self.get_chat),
            ("POST", "/control/chats/{chat_id}/members", self.add_member),
            ("POST", "/control/chats/{chat_id}/bot", self.add_bot),
            ("DELETE", "/control/chats/{chat_id}/bot", self.remove_bot),
            ("POST", "/control/chats/{chat_id}/migrate", self.migrate),
            ("GET", "/control/chats/{chat_id}/messages", self.messages),
            ("GET", "/control/chats/{chat_id}/wait", self.wait),
            ("GET", "/control/callbacks/{query_id}", self.callback),
            ("GET", "/control/files/{file_id}", self.file),
            ("GET", "/control/requests", self.requests),
            ("GET", "/control/requests/wait", self.wait_requests),
            ("DELETE", "/control/requests", self.clear_requests),
            ("GET", "/control/settings/rate-limits", self.get_rate_limits),
            ("PUT", "/control/settings/rate-limits", self.put_rate_limits),
            ("GET", "/control/faults", self.list_faults),
            ("POST", "/control/faults", self.add_fault),
            ("DELETE", "/control/faults", self.clear_faults),
        ):
            add(verb, path, handler)

    # ----------------------------------------------------------------- world
    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def state(self, request: web.Request) -> web.Response:
        world = self.world
        chats = [c.summary() for c in world.groups.values()]
        for bot in world.bots.values():
            chats += [c.summary() for c in bot.private_chats.values()]
        return web.json_response(
            {
                "bots": [b.summary() for b in world.bots.values()],
                "users": [u.api() for u in world.users.values()],
                "chats": chats,
                "rate_limits": world.rate_limits.as_dict(),
                "faults": [f.as_dict() for f in world.faults],
            }
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.world.reset()
        return web.json_response({"ok": True})

    async def get_settings(self, request: web.Request) -> web.Response:
        return web.json_response(dict(self.world.settings.__dict__))

    async def put_settings(self, request: web.Request) -> web.Response:
        data = await _body(request)
        settings = self.world.settings
        for key, default in Settings().__dict__.items():
            if key in data:
                kind = type(default)
                value = data[key]
                setattr(settings, key, _bool(value) if kind is bool else kind(value))
        return web.json_response(dict(settings.__dict__))

    # ------------------------------------------------------------------ bots
    async def create_bot(self, request: web.Request) -> web.Response:
        data = await _body(request)
        bot = self.world.create_bot(
            str(data.get("username") or "testbot"),
            data.get("first_name"),
            data.get("token"),
            can_join_groups=_bool(data.get("can_join_groups"), True),
            can_read_all_group_messages=_bool(data.get("can_read_all_group_messages")),
            supports_inline_queries=_bool(data.get("supports_inline_queries")),
        )
        return web.json_response(bot.summary(), status=201)

    async def list_bots(self, request: web.Request) -> web.Response:
        return web.json_response([b.summary() for b in self.world.bots.values()])

    async def get_bot(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.find_bot(request.match_info["bot"]).summary())

    async def commands(self, request: web.Request) -> web.Response:
        bot = self.world.find_bot(request.match_info["bot"])
        scope = request.query.get("scope") or '{"type": "default"}'
        try:
            scope_key = json.dumps(json.loads(scope), sort_keys=True)
        except ValueError:
            raise ControlError(400, "scope must be a JSON object") from None
        key = (scope_key, request.query.get("language_code", ""))
        everything = [
            {"scope": json.loads(s), "language_code": lang, "commands": cmds}
            for (s, lang), cmds in bot.commands.items()
        ]
        return web.json_response({"commands": bot.commands.get(key, []), "all": everything})

    async def webhook_info(self, request: web.Request) -> web.Response:
        bot = self.world.find_bot(request.match_info["bot"])
        info = webhook.info(bot)
        info["secret_token"] = (bot.webhook or {}).get("secret_token")
        return web.json_response(info)

    async def pending_updates(self, request: web.Request) -> web.Response:
        bot = self.world.find_bot(request.match_info["bot"])
        return web.json_response(
            {"updates": list(bot.updates), "allowed_updates": bot.allowed_updates}
        )

    # ----------------------------------------------------------------- users
    async def create_user(self, request: web.Request) -> web.Response:
        data = await _body(request)
        user = self.world.create_user(
            str(data.get("first_name") or ""),
            data.get("last_name"),
            data.get("username"),
            data.get("language_code", "en"),
            _int(data, "id"),
        )
        return web.json_response(user.api(), status=201)

    async def list_users(self, request: web.Request) -> web.Response:
        return web.json_response([u.api() for u in self.world.users.values()])

    async def _set_blocked(self, request: web.Request, blocked: bool) -> web.Response:
        data = await _body(request)
        user_id = int(request.match_info["user_id"])
        update = _bool(data.get("update"), True)
        return web.json_response(
            actions.set_blocked(self.world, user_id, data.get("bot"), blocked, update=update)
        )

    async def block(self, request: web.Request) -> web.Response:
        return await self._set_blocked(request, True)

    async def unblock(self, request: web.Request) -> web.Response:
        return await self._set_blocked(request, False)

    async def user_message(self, request: web.Request) -> web.Response:
        data = await _body(request)
        message = actions.send_from_user(
            self.world,
            int(request.match_info["user_id"]),
            text=str(data.get("text") or ""),
            chat_id=_int(data, "chat_id"),
            bot_ref=data.get("bot"),
            reply_to_message_id=_int(data, "reply_to_message_id"),
        )
        return web.json_response(message.snapshot(), status=201)

    async def _user_file(self, request: web.Request, kind: str) -> web.Response:
        data, blob, filename, mime = await _upload_body(request)
        stored = actions.upload(self.world, blob, filename, mime, kind)
        message = actions.send_from_user(
            self.world,
            int(request.match_info["user_id"]),
            chat_id=_int(data, "chat_id"),
            bot_ref=data.get("bot"),
            reply_to_message_id=_int(data, "reply_to_message_id"),
            file=stored,
            caption=data.get("caption"),
        )
        return web.json_response(message.snapshot(), status=201)

    async def user_document(self, request: web.Request) -> web.Response:
        return await self._user_file(request, "document")

    async def user_photo(self, request: web.Request) -> web.Response:
        return await self._user_file(request, "photo")

    async def _user_sends(
        self,
        request: web.Request,
        data: Json,
        *,
        file: StoredFile | None = None,
        caption: str | None = None,
        media: Json | None = None,
    ) -> web.Response:
        message = actions.send_from_user(
            self.world,
            int(request.match_info["user_id"]),
            chat_id=_int(data, "chat_id"),
            bot_ref=data.get("bot"),
            reply_to_message_id=_int(data, "reply_to_message_id"),
            file=file,
            caption=caption,
            media=media,
        )
        return web.json_response(message.snapshot(), status=201)

    async def user_sticker(self, request: web.Request) -> web.Response:
        data = await _body(request)
        stored = actions.sticker(self.world, _text(data, "emoji") or "👍", _text(data, "set_name"))
        return await self._user_sends(request, data, file=stored)

    async def user_voice(self, request: web.Request) -> web.Response:
        data = await _body(request)
        duration = _int(data, "duration")
        stored = actions.voice(self.world, 3 if duration is None else duration)
        return await self._user_sends(request, data, file=stored, caption=_text(data, "caption"))

    async def user_location(self, request: web.Request) -> web.Response:
        data = await _body(request)
        media = actions.location(
            _number(data, "latitude", required=True) or 0.0,
            _number(data, "longitude", required=True) or 0.0,
            _number(data, "horizontal_accuracy"),
        )
        return await self._user_sends(request, data, media=media)

    async def user_contact(self, request: web.Request) -> web.Response:
        data = await _body(request)
        media = actions.contact(
            self.world,
            _text(data, "phone_number", required=True) or "",
            _text(data, "first_name", required=True) or "",
            _text(data, "last_name"),
            _int(data, "contact_user_id"),
            _text(data, "vcard"),
        )
        return await self._user_sends(request, data, media=media)

    async def user_edit(self, request: web.Request) -> web.Response:
        data = await _body(request)
        message = actions.edit_from_user(
            self.world,
            int(request.match_info["user_id"]),
            _int(data, "chat_id"),
            _int(data, "message_id", required=True) or 0,
            str(data.get("text") or ""),
            data.get("bot"),
        )
        return web.json_response(message.snapshot())

    async def user_callback(self, request: web.Request) -> web.Response:
        data = await _body(request)
        result = actions.press_button(
            self.world,
            int(request.match_info["user_id"]),
            _int(data, "chat_id"),
            _int(data, "message_id", required=True) or 0,
            text=data.get("text"),
            data=data.get("data"),
            bot_ref=data.get("bot"),
            forged=bool(data.get("forged")),
        )
        return web.json_response(result, status=201)

    # ----------------------------------------------------------------- chats
    async def create_chat(self, request: web.Request) -> web.Response:
        data = await _body(request)
        members = data.get("member_ids") or []
        if not isinstance(members, list):
            raise ControlError(400, "member_ids must be a list of user ids")
        chat = self.world.create_group(
            str(data.get("title") or ""),
            str(data.get("type") or "group"),
            [int(m) for m in members],
            _int(data, "creator_id"),
            data.get("username"),
        )
        result: Json = {"update_ids": []}
        if _bool(data.get("add_bot")) or data.get("bot"):
            result = actions.add_bot(
                self.world, chat.id, data.get("bot"), _int(data, "creator_id"),
                _bool(data.get("admin")),
            )  # fmt: skip
        return web.json_response({**chat.summary(), "update_ids": result["update_ids"]}, status=201)

    def _chat(self, request: web.Request, data: Json) -> tuple[Chat | None, int]:
        chat_id = int(request.match_info["chat_id"])
        if chat_id < 0:
            return self.world.group(chat_id), chat_id
        bot = self.world.find_bot(data.get("bot"))
        self.world.user(chat_id)
        return self.world.chat_view(bot, chat_id), chat_id

    async def list_chats(self, request: web.Request) -> web.Response:
        chats = [c.summary() for c in self.world.groups.values()]
        for bot in self.world.bots.values():
            chats += [c.summary() for c in bot.private_chats.values()]
        return web.json_response(chats)

    async def get_chat(self, request: web.Request) -> web.Response:
        chat, chat_id = self._chat(request, dict(request.query))
        if chat is None:
            raise ControlError(404, f"chat {chat_id} has not been started")
        return web.json_response(chat.summary())

    async def add_member(self, request: web.Request) -> web.Response:
        data = await _body(request)
        chat_id = int(request.match_info["chat_id"])
        chat = actions.add_member(self.world, chat_id, _int(data, "user_id", required=True) or 0)
        return web.json_response(chat.summary())

    async def add_bot(self, request: web.Request) -> web.Response:
        data = await _body(request)
        result = actions.add_bot(
            self.world,
            int(request.match_info["chat_id"]),
            data.get("bot"),
            _int(data, "by_user_id"),
            _bool(data.get("admin")),
        )
        return web.json_response(result)

    async def remove_bot(self, request: web.Request) -> web.Response:
        data = await _body(request)
        kick = data.get("kick")
        result = actions.remove_bot(
            self.world,
            int(request.match_info["chat_id"]),
            data.get("bot"),
            _int(data, "by_user_id"),
            None if kick in (None, "") else _bool(kick),
        )
        return web.json_response(result)

    async def migrate(self, request: web.Request) -> web.Response:
        data = await _body(request)
        new = actions.migrate(
            self.world, int(request.match_info["chat_id"]), _int(data, "by_user_id")
        )
        return web.json_response(new.summary())

    def _select(self, chat: Chat | None, data: Json) -> list[Json]:
        if chat is None:
            return []
        sender = str(data.get("from") or "any")
        after = _int(data, "after") or 0
        include_deleted = _bool(data.get("include_deleted"), True)
        bot_id = self.world.find_bot(data["bot"]).id if data.get("bot") else None
        out = []
        for message in chat.messages:
            if message.message_id <= after or (message.deleted and not include_deleted):
                continue
            if sender == "bot" and not (
                message.sender.is_bot and bot_id in (None, message.sender.id)
            ):
                continue
            if sender == "user" and message.sender.is_bot:
                continue
            out.append(message.snapshot())
        return out

    async def messages(self, request: web.Request) -> web.Response:
        data = dict(request.query)
        chat, _chat_id = self._chat(request, data)
        return web.json_response(
            {"chat": chat.summary() if chat else None, "messages": self._select(chat, data)}
        )

    async def wait(self, request: web.Request) -> web.Response:
        """Long-poll until a matching message newer than ``after`` exists."""
        data = {"from": "bot", "include_deleted": "false", **request.query}
        timeout = min(_float(data, "timeout", 10.0), 300.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            chat, _chat_id = self._chat(request, data)
            found = self._select(chat, data)
            if found:
                return web.json_response({"messages": found})
            remaining = deadline - loop.time()
            if remaining <= 0 or self.world.closing.is_set():
                return web.json_response({"messages": [], "error": "timeout"}, status=408)
            await self.world.changed.wait(remaining)

    async def callback(self, request: web.Request) -> web.Response:
        query = self.world.callbacks.get(request.match_info["query_id"])
        if query is None:
            raise ControlError(404, "unknown callback query id")
        timeout = min(_float(dict(request.query), "wait", 0.0), 300.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not query.answered and not self.world.closing.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await self.world.changed.wait(remaining)
        return web.json_response(query.snapshot())

    async def file(self, request: web.Request) -> web.Response:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "unknown file_id")
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # ------------------------------------------------------- logs & settings
    def _log_entries(self, data: Json) -> list[Json]:
        method = (data.get("method") or "").lower()
        since = _int(data, "since") or 0
        finished = _bool(data.get("finished"))
        bot_id = self.world.find_bot(data["bot"]).id if data.get("bot") else None
        return [
            dict(e)
            for e in self.world.request_log
            if e["seq"] > since
            and (not method or e["method"].lower() == method)
            and (bot_id is None or e["bot_id"] == bot_id)
            and (not finished or e["status"] is not None)
        ]

    async def requests(self, request: web.Request) -> web.Response:
        return web.json_response(self._log_entries(dict(request.query)))

    async def wait_requests(self, request: web.Request) -> web.Response:
        """Long-poll until a matching Bot API request has been logged."""
        data = dict(request.query)
        timeout = min(_float(data, "timeout", 10.0), 300.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            entries = self._log_entries(data)
            if entries:
                return web.json_response(entries)
            remaining = deadline - loop.time()
            if remaining <= 0 or self.world.closing.is_set():
                return web.json_response([], status=408)
            await self.world.requests_changed.wait(remaining)

    async def clear_requests(self, request: web.Request) -> web.Response:
        self.world.request_log.clear()
        return web.json_response({"ok": True})

    async def get_rate_limits(self, request: web.Request) -> web.Response:
        return web.json_response(self.world.rate_limits.as_dict())

    async def put_rate_limits(self, request: web.Request) -> web.Response:
        return web.json_response(limits.set_rate_limits(self.world, await _body(request)))

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response([f.as_dict() for f in self.world.faults])

    async def add_fault(self, request: web.Request) -> web.Response:
        fault = limits.add_fault(self.world, await _body(request))
        return web.json_response(fault.as_dict(), status=201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.world.faults.clear()
        return web.json_response({"ok": True})
