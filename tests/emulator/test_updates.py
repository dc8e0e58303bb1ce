"""getUpdates semantics: offsets, long polling, conflicts, allowed_updates and webhooks."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from sandbox.emulator import EmulatorClient


async def test_offset_confirms_and_negative_offset_keeps_the_tail(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    for text in ("one", "two", "three", "four"):
        await client.send_text(user["id"], text)
    updates = await ptb.get_updates()
    assert [u.message.text for u in updates] == ["one", "two", "three", "four"]
    assert [u.message.text for u in await ptb.get_updates(limit=2)] == ["one", "two"]
    again = await ptb.get_updates(offset=updates[1].update_id)
    assert [u.message.text for u in again] == ["two", "three", "four"]
    assert len(await client.pending_updates()) == 3
    assert [u.message.text for u in await ptb.get_updates(offset=-1)] == ["four"]
    assert len(await client.pending_updates()) == 1
    assert await ptb.get_updates(offset=updates[-1].update_id + 1) == ()
    await client.send_text(user["id"], "five")
    (fresh,) = await ptb.get_updates()
    assert fresh.update_id == updates[-1].update_id + 1


async def test_long_poll_wakes_up_when_an_update_arrives(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(ptb.get_updates(timeout=30))
    entry = await client.wait_for_request("getUpdates")
    assert entry["status"] is None  # still waiting inside the emulator
    await client.send_text(user["id"], "wake up")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates] == ["wake up"]
    assert loop.time() - started < 5
    log = await client.requests_log(method="getUpdates")
    assert log[-1]["status"] == 200 and log[-1]["params"]["timeout"] == "30"


async def test_empty_long_poll_times_out_with_empty_list(ptb: Bot) -> None:
    assert await ptb.get_updates(timeout=0.2) == ()


async def test_second_poller_terminates_the_first_with_409(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict
) -> None:
    first = asyncio.create_task(ptb.get_updates(timeout=30))
    await client.wait_for_request("getUpdates")
    second = await http.post(f"/bot{bot_info['token']}/getUpdates", data={"timeout": "0"})
    assert second.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 5)
    log = await client.requests_log(method="getUpdates")
    assert [entry["status"] for entry in log] == [409, 200]


async def test_allowed_updates_filters_and_persists(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    await ptb.get_updates(offset=-1)
    sent = await ptb.send_message(started_user["id"], "pick", reply_markup=_keyboard())
    await ptb.get_updates(offset=10**6, allowed_updates=["callback_query"])
    await client.send_text(started_user["id"], "ignored text")
    await client.press_button(started_user["id"], None, sent.message_id, data="p")
    updates = await ptb.get_updates()
    assert [u.callback_query.data for u in updates] == ["p"]
    await ptb.get_updates(offset=updates[-1].update_id + 1, allowed_updates=[])
    await client.send_text(started_user["id"], "seen again")
    assert [u.message.text for u in await ptb.get_updates()] == ["seen again"]


def _keyboard():
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup.from_button(InlineKeyboardButton("P", callback_data="p"))


async def test_get_updates_conflicts_with_an_active_webhook(
    ptb: Bot, client: EmulatorClient, user: dict, api
) -> None:
    await client.send_text(user["id"], "queued")
    assert await ptb.set_webhook("https://example.invalid/hook", secret_token="s3cr3t")
    status, body = await api("getUpdates")
    assert (status, body["description"]) == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    with pytest.raises(Conflict):
        await ptb.get_updates()
    info = await ptb.get_webhook_info()
    assert info.url == "https://example.invalid/hook" and info.pending_update_count == 1
    assert await ptb.delete_webhook(drop_pending_updates=True)
    assert (await ptb.get_webhook_info()).url == ""
    assert await ptb.get_updates() == ()


async def test_webhook_receives_updates_with_secret_header(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    received: asyncio.Queue[tuple[dict, str | None]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await received.put(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        await ptb.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="tok_1")
        await client.send_text(user["id"], "via webhook")
        update, secret = await asyncio.wait_for(received.get(), 5)
        assert update["message"]["text"] == "via webhook" and secret == "tok_1"
        assert (await client.webhook_info())["secret_token"] == "tok_1"
        await ptb.delete_webhook()
    finally:
        await runner.cleanup()
