"""aiohttp application and server for the Telegram Bot API emulator.

Bot API side (same paths as ``api.telegram.org``)::

    GET|POST /bot<token>/<method>            Bot API call (method name case-insensitive)
    GET      /file/bot<token>/<file_path>    download a file returned by getFile

Point python-telegram-bot at it with ``Bot(token, base_url=f"{url}/bot",
base_file_url=f"{url}/file/bot")`` (or ``ApplicationBuilder().base_url(...)``).

Control API (JSON in, JSON out; errors are ``{"error": "..."}`` with a 4xx status; CORS open).
``bot`` may be a token, a bot id or a username and defaults to the first registered bot::

    GET    /control/health                           {"ok": true}
    GET    /control/state                            bots, users, chats, rate limits, faults
    POST   /control/reset                            forget everything
    GET    /control/settings                         behaviour switches (strict_html_ampersand…)
    PUT    /control/settings                         {strict_html_ampersand?,
                                                      webhook_retry_delay?, ...}
    POST   /control/bots                             {username, first_name?, token?,
                                                      can_join_groups?,
                                                      can_read_all_group_messages?}
                                                      -> bot incl. "token"
    GET    /control/bots                             [bot]
    GET    /control/bots/{bot}                       bot
    GET    /control/bots/{bot}/commands              ?scope=<json>&language_code= ->
                                                      {"commands": [...], "all": [...]}
    GET    /control/bots/{bot}/webhook               getWebhookInfo + secret_token
    GET    /control/bots/{bot}/updates               {"updates": [unconfirmed...],
                                                      "allowed_updates"}
    POST   /control/users                            {first_name, last_name?, username?,
                                                      language_code?, id?} -> user
    GET    /control/users                            [user]
    POST   /control/users/{user_id}/block            {bot?, update?: true} -> my_chat_member
                                                      (kicked; none with update false)
    POST   /control/users/{user_id}/unblock          {bot?} -> my_chat_member (member)
    POST   /control/users/{user_id}/messages         {text, chat_id?, bot?, reply_to_message_id?}
                                                      -> message (commands get bot_command entities)
    POST   /control/users/{user_id}/documents        multipart (file, chat_id?, caption?,
                                                      mime_type?, bot?) or JSON {data_base64,
                                                      filename, mime_type?, chat_id?, caption?}
    POST   /control/users/{user_id}/photos           same as documents (PNG, GIF or JPEG only)
    POST   /control/users/{user_id}/stickers         {emoji?: "👍", set_name?, chat_id?, bot?,
                                                      reply_to_message_id?} -> message.sticker
    POST   /control/users/{user_id}/voices           {duration?: 3, caption?, chat_id?, bot?,
                                                      reply_to_message_id?} -> message.voice
    POST   /control/users/{user_id}/locations        {latitude, longitude, horizontal_accuracy?,
                                                      chat_id?, bot?, reply_to_message_id?}
                                                      -> message.location
    POST   /control/users/{user_id}/contacts         {phone_number, first_name, last_name?,
                                                      contact_user_id?, vcard?, chat_id?, bot?,
                                                      reply_to_message_id?} -> message.contact
    POST   /control/users/{user_id}/edits            {message_id, text, chat_id?, bot?}
                                                      -> edited_message update
    POST   /control/users/{user_id}/callbacks        {message_id, text?|data?, chat_id?, bot?,
                                                      forged?}
                                                      -> {callback_query_id, update_id, data}
    POST   /control/chats                            {title, type?: group|supergroup,
                                                      member_ids?, creator_id?, username?,
                                                      add_bot?, bot?, admin?} -> chat
    GET    /control/chats                            [chat]
    GET    /control/chats/{chat_id}                  ?bot= -> chat
    POST   /control/chats/{chat_id}/members          {user_id}
    POST   /control/chats/{chat_id}/bot              {bot?, by_user_id?, admin?} add bot
    DELETE /control/chats/{chat_id}/bot              ?bot=&by_user_id=&kick= remove bot
    POST   /control/chats/{chat_id}/migrate          {by_user_id?} -> new supergroup chat
    GET    /control/chats/{chat_id}/messages         ?bot=&from=any|bot|user&after=&include_deleted=
                                                      -> {"chat", "messages": [...]}
    GET    /control/chats/{chat_id}/wait             ?after=&timeout=&bot=&from=bot -> 200
                                                      {"messages": [...]} or 408 on timeout
    GET    /control/callbacks/{query_id}             ?wait=<s> -> {answered, answer, ...}
    GET    /control/files/{file_id}                  raw file bytes
    GET    /control/requests                         ?method=&bot=&since=<seq> -> [log entry]
                                                      (seq, time, method, status — None while
                                                      in flight — duration, fault, fault_phase,
                                                      params)
    GET    /control/requests/wait                    ?method=&bot=&since=&timeout=&finished=
                                                      -> [log entry] once one exists, else 408
    DELETE /control/requests                         clear the request log
    GET    /control/settings/rate-limits             {enabled, global_per_second,
                                                      private_per_second, group_per_minute}
    PUT    /control/settings/rate-limits             same fields, all optional
    GET    /control/faults                           [fault]
    POST   /control/faults                           {kind: error|hang|drop, method?, count?
                                                      (0 = unlimited), status?, description?,
                                                      delay?, phase?: before|after,
                                                      retry_after?, bot?, probability?,
                                                      seed?} (with a probability: that share
                                                      of matching calls, seeded; count bounds
                                                      the hits)
    DELETE /control/faults                           clear faults

Private chats have the user's id as chat id, one per bot; groups have negative ids
(supergroups ``-100…``). Message snapshots are Bot API ``Message`` objects plus ``html``,
``caption_html``, ``parse_mode``, full ``reply_markup``, ``history``, ``deleted``,
``from_bot``, ``chat_id`` and ``file_id``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from .botapi import METHODS, Call
from .control import ControlApi
from .errors import ApiError, ControlError, not_found, unauthorized
from .limits import fault_error_payload, take_fault
from .params import Params
from .state import TOKEN_RE, Clock, Fault, Json, Settings, World

MAX_BODY = 60 * 1024 * 1024
_LOG = logging.getLogger(__name__)
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=_dumps)


@web.middleware
async def _control_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Map control errors to JSON and open CORS for ``/control`` routes."""
    if not request.path.startswith("/control"):
        return await handler(request)
    if request.method == "OPTIONS":
        response: web.StreamResponse = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except ControlError as err:
            response = _json({"error": err.message}, err.status)
        except (ValueError, KeyError, TypeError) as err:
            response = _json({"error": f"bad request: {err}"}, 400)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


class BotApiHandler:
    """Dispatches ``/bot<token>/<method>`` calls, logging them and applying faults."""

    def __init__(self, world: World):
        self.world = world

    def _log(self, request: web.Request, method: str) -> Json:
        world = self.world
        entry: Json = {
            "seq": world.next_id("request"),
            "time": world.clock(),
            "method": method,
            "http_method": request.method,
            "bot_id": None,
            "status": None,
            "duration": None,
            "fault": None,
            "fault_phase": None,
            "params": None,
        }
        world.request_log.append(entry)
        overflow = len(world.request_log) - world.settings.max_log_entries
        if overflow > 0:
            del world.request_log[:overflow]
        world.requests_changed.fire()
        return entry

    async def _hang(self, fault: Fault) -> None:
        limit = self.world.settings.max_hang
        delay = limit if fault.delay is None else min(fault.delay, limit)
        await self.world.wait_closing(delay)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every Bot API request."""
        token = request.match_info["token"]
        name = request.match_info["method"]
        known = METHODS.get(name.lower())
        entry = self._log(request, known[0] if known else name)
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            response = await self._dispatch(request, token, known, entry)
        except ApiError as err:
            response = _json(err.payload(), err.code)
        except Exception as exc:  # an emulator bug: answer like Telegram's 500, but say why
            _LOG.exception("emulator failure in %s", name)
            body = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: emulator bug: {exc!r}",
            }
            response = _json(body, 500)
        entry["duration"] = round(loop.time() - started, 6)
        if entry["status"] is None:
            entry["status"] = response.status
        self.world.requests_changed.fire()
        return response

    async def _dispatch(
        self,
        request: web.Request,
        token: str,
        known: tuple[str, Callable[[Call], Awaitable[Any]]] | None,
        entry: Json,
    ) -> web.StreamResponse:
        if not TOKEN_RE.match(token):
            raise not_found()
        bot = self.world.bots.get(token)
        if bot is None:
            raise unauthorized()
        entry["bot_id"] = bot.id
        if known is None:
            raise not_found()
        canonical, handler = known
        params = await Params.from_request(request)
        entry["params"] = params.describe()
        fault = take_fault(self.world, bot, canonical)
        if fault is not None:
            entry["fault"], entry["fault_phase"] = fault.kind, fault.phase
            if fault.phase == "before":
                early = await self._fault_response(request, fault, entry)
                if early is not None:
                    return early
        result = await handler(Call(self.world, bot, params))
        if fault is not None and fault.phase == "after":
            late = await self._fault_response(request, fault, entry)
            if late is not None:
                return late
        return _json({"ok": True, "result": result})

    async def _fault_response(
        self, request: web.Request, fault: Fault, entry: Json
    ) -> web.StreamResponse | None:
        """Apply a fault; return the response to send instead, or None to carry on."""
        if fault.kind == "hang":
            await self._hang(fault)
            return None
        if fault.kind == "drop":
            entry["status"] = 0
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=204)
        return _json(fault_error_payload(fault), fault.status)

    async def download(self, request: web.Request) -> web.StreamResponse:
        """Serve ``/file/bot<token>/<file_path>``."""
        token = request.match_info["token"]
        if not TOKEN_RE.match(token):
            return _json(not_found().payload(), 404)
        if token not in self.world.bots:
            return _json(unauthorized().payload(), 401)
        stored = self.world.files_by_path.get(request.match_info["file_path"])
        if stored is None:
            return _json(not_found().payload(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


def create_app(world: World) -> web.Application:
    """The aiohttp application serving the Bot API and control API over ``world``."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_control_middleware])
    bot_api = BotApiHandler(world)
    app.router.add_route("*", "/bot{token}/{method}", bot_api.handle)
    app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", bot_api.download)
    ControlApi(world).add_routes(app)
    app.router.add_route("OPTIONS", "/control/{tail:.*}", _options)
    return app


async def _options(request: web.Request) -> web.Response:
    return web.Response(status=204)


class EmulatorServer:
    """An in-process emulator: ``await start()``, use ``.url``, ``await stop()``."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        monotonic: Clock | None = None,
        settings: Settings | None = None,
        bot_token: str | None = None,
        bot_username: str | None = None,
        bot_first_name: str | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"settings": settings}
        if clock is not None:
            kwargs["clock"] = clock
        if monotonic is not None:
            kwargs["monotonic"] = monotonic
        self.world = World(**kwargs)
        if bot_token or bot_username:
            self.world.create_bot(bot_username or "testbot", bot_first_name, bot_token)
        self.app = create_app(self.world)
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL such as ``http://127.0.0.1:PORT`` (only after :meth:`start`)."""
        if self._url is None:
            raise RuntimeError("emulator is not started")
        return self._url

    @property
    def bot_base_url(self) -> str:
        """Value for PTB's ``base_url``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for PTB's ``base_file_url``."""
        return f"{self.url}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind and serve; returns the base URL (the real port when ``port=0``)."""
        runner = web.AppRunner(self.app, shutdown_timeout=2.0, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else port
        shown = f"[{host}]" if ":" in host else host
        self._runner = runner
        self._url = f"http://{shown}:{bound}"
        return self._url

    async def stop(self) -> None:
        """Wake pending long polls and shut the server down."""
        self.world.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@asynccontextmanager
async def running_emulator(
    host: str = "127.0.0.1", port: int = 0, **kwargs: Any
) -> AsyncIterator[EmulatorServer]:
    """Start an :class:`EmulatorServer` for the duration of the block."""
    server = EmulatorServer(**kwargs)
    await server.start(host, port)
    try:
        yield server
    finally:
        await server.stop()
