"""Control API and client: world setup, waiting for bot replies, reading state."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from telegram import Bot

from sandbox.emulator import EmulatorClient, EmulatorError, EmulatorServer, running_emulator


async def test_wait_for_message_returns_when_the_bot_replies(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    start = await client.send_command(user["id"], "start")

    async def fake_bot() -> None:
        (update,) = await ptb.get_updates(timeout=10)
        await ptb.send_message(update.message.chat.id, "typing…")
        await ptb.send_message(update.message.chat.id, "<b>Welcome</b>", parse_mode="HTML")

    task = asyncio.create_task(fake_bot())
    reply = await client.wait_for_message(
        user["id"],
        after_message_id=start["message_id"],
        predicate=lambda m: "Welcome" in m["text"],
        timeout=5,
    )
    await task
    assert reply["text"] == "Welcome" and reply["html"] == "<b>Welcome</b>"
    assert reply["from_bot"] and reply["message_id"] == start["message_id"] + 2


async def test_wait_endpoint_times_out_with_408(
    client: EmulatorClient, http: httpx.AsyncClient, started_user: dict
) -> None:
    response = await http.get(
        f"/control/chats/{started_user['id']}/wait", params={"after": 0, "timeout": 0.1}
    )
    assert response.status_code == 408 and response.json()["messages"] == []
    with pytest.raises(TimeoutError):
        await client.wait_for_message(started_user["id"], timeout=0.1)


async def test_callback_answer_can_be_awaited(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Go", callback_data="go"))
    sent = await ptb.send_message(started_user["id"], "Ready?", reply_markup=markup)
    pressed = await client.press_button(started_user["id"], None, sent.message_id, text="Go")
    pending = await client.callback_answer(pressed["callback_query_id"])
    assert pending["answered"] is False and pending["data"] == "go"

    async def answer_later() -> None:
        updates = await ptb.get_updates(offset=pressed["update_id"])
        await updates[0].callback_query.answer("Going")

    task = asyncio.create_task(answer_later())
    answer = await client.callback_answer(pressed["callback_query_id"], wait=5)
    await task
    assert answer["answered"] and answer["answer"]["text"] == "Going"


async def test_world_setup_validation_and_reset(client: EmulatorClient) -> None:
    token = "123456789:" + "a" * 35
    bot = await client.create_bot("custombot", token=token)
    assert bot["token"] == token and bot["id"] == 123456789
    generated = await client.create_bot("otherbot")
    head, tail = generated["token"].split(":")
    assert head.isdigit() and len(tail) == 35
    with pytest.raises(EmulatorError) as exc:
        await client.create_bot("custombot")
    assert exc.value.status == 409
    with pytest.raises(EmulatorError):
        await client.create_bot("not_a_b0t_name")
    alice = await client.create_user("Alice")
    with pytest.raises(EmulatorError) as exc:
        await client.send_text(alice["id"], "hi", chat_id=-1)
    assert exc.value.status == 404
    group = await client.create_group("G", [alice["id"]])
    bob = await client.create_user("Bob")
    with pytest.raises(EmulatorError) as exc:
        await client.send_text(bob["id"], "let me in", chat_id=group["id"])
    assert exc.value.status == 403
    await client.add_member(group["id"], bob["id"])
    assert (await client.send_text(bob["id"], "in", chat_id=group["id"]))["text"] == "in"
    await client.reset()
    assert (await client.state())["bots"] == []


async def test_messages_show_both_directions_and_user_uploads(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, started_user: dict
) -> None:
    uid = started_user["id"]
    await ptb.send_message(uid, "Send me the file")
    response = await http.post(
        f"/control/users/{uid}/documents",
        json={
            "data_base64": base64.b64encode(b"xlsx-bytes").decode(),
            "filename": "plan.xlsx",
            "caption": "May plan",
        },
    )
    assert response.status_code == 201
    document = response.json()["document"]
    assert document["file_name"] == "plan.xlsx"
    assert document["mime_type"].endswith("spreadsheetml.sheet")
    edited = await client.edit_text(uid, 1, "/start again")
    assert edited["history"][0]["text"] == "/start"
    messages = await client.messages(uid)
    assert [(m["from_bot"], m.get("text") or m.get("caption")) for m in messages] == [
        (False, "/start again"),
        (True, "Send me the file"),
        (False, "May plan"),
    ]
    kinds = [next(k for k in u if k != "update_id") for u in await client.pending_updates()]
    assert kinds == ["message", "message", "edited_message"]
    assert await client.download_file(document["file_id"]) == b"xlsx-bytes"


async def test_request_log_measures_time_to_first_poll(
    ptb: Bot, client: EmulatorClient, bot_info: dict
) -> None:
    await ptb.get_updates()
    first = await client.wait_for_request("getUpdates", finished=True)
    assert first["bot_id"] == bot_info["id"] and first["status"] == 200
    assert isinstance(first["time"], float) and first["duration"] >= 0
    methods = [e["method"] for e in await client.requests_log()]
    assert methods == ["getMe", "getUpdates"]
    with pytest.raises(TimeoutError):
        await client.wait_for_request("sendMessage", timeout=0.1)


async def test_running_emulator_with_preregistered_bot_and_cors() -> None:
    token = "42:" + "Z" * 35
    async with running_emulator(bot_token=token, bot_username="hqbot") as server:
        assert isinstance(server, EmulatorServer) and server.url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as http:
            me = await http.get(f"{server.url}/bot{token}/getMe")
            assert me.json()["result"]["id"] == 42
            preflight = await http.options(f"{server.url}/control/state")
            assert preflight.status_code == 204
            assert preflight.headers["Access-Control-Allow-Origin"] == "*"
