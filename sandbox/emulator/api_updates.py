"""Bot API methods about the bot itself and receiving updates (polling and webhooks)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from . import webhook
from .errors import bad_request, conflict
from .registry import Call, method

WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
POLL_TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 600.0


@method("getMe")
async def get_me(call: Call) -> Any:
    """Describe the bot."""
    return call.bot.me()


@method("logOut")
async def log_out(call: Call) -> Any:
    """Accepted and ignored."""
    return True


@method("close")
async def close(call: Call) -> Any:
    """Accepted and ignored."""
    return True


@method("getUpdates")
async def get_updates(call: Call) -> Any:
    """Long polling with offset confirmation, allowed_updates and conflict detection."""
    world, bot, params = call.world, call.bot, call.params
    if bot.webhook:
        raise conflict(WEBHOOK_ACTIVE)
    offset = params.integer("offset")
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = min(max(params.number("timeout", 0.0) or 0.0, 0.0), MAX_POLL_TIMEOUT)
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(kind) for kind in allowed] or None
    bot.poll_seq += 1
    my_seq = bot.poll_seq
    bot.signal.fire()
    if offset is not None and offset < 0:
        bot.updates = bot.updates[offset:]
    elif offset:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if world.bots.get(bot.token) is not bot:
            return []  # the world was reset while polling
        if bot.poll_seq != my_seq:
            raise conflict(POLL_TERMINATED)
        if bot.webhook:
            raise conflict(WEBHOOK_ACTIVE)
        if bot.updates:
            return bot.updates[:limit]
        remaining = deadline - loop.time()
        if remaining <= 0 or world.closing.is_set():
            return []
        await bot.signal.wait(remaining)


@method("setWebhook")
async def set_webhook(call: Call) -> Any:
    """Set (or, with an empty url, remove) the webhook; updates are pushed to it."""
    world, bot, params = call.world, call.bot, call.params
    url = (params.string("url") or "").strip()
    if params.flag("drop_pending_updates"):
        bot.updates.clear()
    if not url:
        webhook.stop(bot)
        bot.webhook = None
        return True
    if not url.lower().startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.string("secret_token")
    if secret is not None and not SECRET_RE.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    allowed = params.json("allowed_updates")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(kind) for kind in allowed] or None
    bot.webhook = {
        "url": url,
        "has_custom_certificate": params.file("certificate") is not None,
        "max_connections": params.integer("max_connections", 40),
        "ip_address": params.string("ip_address"),
        "secret_token": secret,
        "last_error_date": None,
        "last_error_message": None,
    }
    bot.signal.fire()
    webhook.start(world, bot)
    return True


@method("deleteWebhook")
async def delete_webhook(call: Call) -> Any:
    """Remove the webhook, optionally dropping pending updates."""
    bot = call.bot
    webhook.stop(bot)
    bot.webhook = None
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    return True


@method("getWebhookInfo")
async def get_webhook_info(call: Call) -> Any:
    """Webhook status and pending update count."""
    return webhook.info(call.bot)
