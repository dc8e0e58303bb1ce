"""Push queued updates to a bot's webhook URL one at a time, like Telegram does."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from .state import BotAccount, World


def info(bot: BotAccount) -> dict[str, Any]:
    """The ``getWebhookInfo`` result."""
    hook = bot.webhook or {}
    data: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": bool(hook.get("has_custom_certificate")),
        "pending_update_count": len(bot.updates),
    }
    if hook:
        data["max_connections"] = hook.get("max_connections") or 40
        if hook.get("ip_address"):
            data["ip_address"] = hook["ip_address"]
        if bot.allowed_updates:
            data["allowed_updates"] = list(bot.allowed_updates)
        if hook.get("last_error_date"):
            data["last_error_date"] = hook["last_error_date"]
            data["last_error_message"] = hook["last_error_message"]
    return data


def start(world: World, bot: BotAccount) -> None:
    """(Re)start the delivery task for the bot's webhook."""
    stop(bot)
    bot.webhook_task = asyncio.get_running_loop().create_task(_deliver(world, bot))


def stop(bot: BotAccount) -> None:
    """Stop delivering to the webhook."""
    if bot.webhook_task is not None:
        bot.webhook_task.cancel()
        bot.webhook_task = None


async def _post(
    session: aiohttp.ClientSession, world: World, hook: dict[str, Any], update: dict[str, Any]
) -> str | None:
    """POST one update; return an error description or None on success."""
    headers = {}
    if hook.get("secret_token"):
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
    timeout = aiohttp.ClientTimeout(total=world.settings.webhook_timeout)
    try:
        async with session.post(hook["url"], json=update, headers=headers, timeout=timeout) as resp:
            if 200 <= resp.status < 300:
                return None
            return f"Wrong response from the webhook: {resp.status} {resp.reason}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return f"Connection failed: {exc.__class__.__name__}"


async def _deliver(world: World, bot: BotAccount) -> None:
    async with aiohttp.ClientSession() as session:
        while bot.webhook and not world.closing.is_set():
            if not bot.updates:
                await bot.signal.wait(None)
                continue
            hook = bot.webhook
            update = bot.updates[0]
            error = await _post(session, world, hook, update)
            if error is None:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
                world.changed.fire()
                continue
            hook["last_error_date"] = world.now()
            hook["last_error_message"] = error
            await world.wait_closing(world.settings.webhook_retry_delay)
