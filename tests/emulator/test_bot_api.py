"""Bot API methods through the real python-telegram-bot ``Bot`` and raw HTTP."""

from __future__ import annotations

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
)

from sandbox.emulator import EmulatorClient, EmulatorServer
from tests.emulator.helpers import WALL_START, drain

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Yes", callback_data="vote:yes"),
            InlineKeyboardButton("No", callback_data="vote:no"),
        ]
    ]
)


async def test_get_me_describes_the_bot(ptb: Bot, bot_info: dict) -> None:
    me = await ptb.get_me()
    assert me.id == bot_info["id"] == int(bot_info["token"].split(":")[0])
    assert me.is_bot and me.username == "hqbot" and me.first_name == "HQ Bot"
    assert me.can_join_groups is True and me.can_read_all_group_messages is False


async def test_start_command_arrives_as_ptb_message_with_bot_command_entity(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    await client.send_command(user["id"], "start", "ref42")
    await client.send_text(user["id"], "/start@hqbot")
    updates = await ptb.get_updates()
    first, second = (u.message for u in updates)
    assert first.text == "/start ref42"
    assert first.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert first.from_user.id == user["id"] and first.from_user.language_code == "zh"
    assert first.chat.type == "private" and first.chat.id == user["id"]
    assert first.date.timestamp() == WALL_START
    assert second.entities[0].length == len("/start@hqbot")
    assert [u.update_id for u in updates] == [1, 2]


async def test_send_message_html_with_keyboard_is_stored_raw_and_plain(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    uid = started_user["id"]
    sent = await ptb.send_message(
        uid, "<b>Vote</b> &amp; win", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )
    assert sent.text == "Vote & win"
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 4),)
    assert sent.reply_markup == KEYBOARD
    assert sent.message_id == 2 and sent.chat.id == uid and sent.from_user.is_bot
    stored = (await client.bot_messages(uid))[-1]
    assert stored["text"] == "Vote & win" and stored["html"] == "<b>Vote</b> &amp; win"
    assert stored["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "vote:no"


async def test_reply_parameters_and_reply_keyboards_are_accepted(
    ptb: Bot, client: EmulatorClient, started_user: dict
) -> None:
    uid = started_user["id"]
    sent = await ptb.send_message(uid, "ok", reply_to_message_id=1, disable_notification=True)
    assert sent.reply_to_message.text == "/start"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await ptb.send_message(uid, "ok", reply_to_message_id=99)
    stored = (await client.bot_messages(uid))[-1]
    assert stored["reply_to_message_id"] == 1 and stored["options"]["disable_notification"] in (
        True,
        "true",
    )


async def test_bad_html_is_rejected_like_telegram(ptb: Bot, api, started_user: dict) -> None:
    with pytest.raises(BadRequest, match='unsupported start tag "foo" at byte offset 0'):
        await ptb.send_message(started_user["id"], "<foo>bar</foo>", parse_mode="HTML")
    status, body = await api(
        "sendMessage", chat_id=started_user["id"], text="<b>x", parse_mode="HTML"
    )
    assert status == 400
    assert body == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse entities: "
        'Can\'t find end tag corresponding to start tag "b"',
    }


async def test_text_length_is_checked_after_entity_parsing(
    ptb: Bot, api, started_user: dict
) -> None:
    uid = started_user["id"]
    status, body = await api("sendMessage", chat_id=uid, text="x" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    sent = await ptb.send_message(uid, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096
    status, body = await api("sendMessage", chat_id=uid, text="  ")
    assert body["description"] == "Bad Request: message text is empty"


async def test_callback_data_over_64_bytes_is_button_data_invalid(
    ptb: Bot, api, started_user: dict
) -> None:
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    status, body = await api(
        "sendMessage", chat_id=started_user["id"], text="hi", reply_markup=markup
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await ptb.send_message(
            started_user["id"],
            "hi",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("x", callback_data="é" * 33)
            ),
        )


async def test_unknown_method_and_wrong_token(
    ptb: Bot, http: httpx.AsyncClient, emulator: EmulatorServer, bot_info: dict
) -> None:
    response = await http.post(f"/bot{bot_info['token']}/fooBar")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    with pytest.raises(EndPointNotFound):
        await ptb.do_api_request("fooBar")
    assert (await http.get(f"/bot{bot_info['token']}/GETME")).json()["result"][
        "username"
    ] == "hqbot"
    wrong = "123456:" + "A" * 35
    response = await http.post(f"/bot{wrong}/getMe")
    assert response.status_code == 401 and response.json()["description"] == "Unauthorized"
    with pytest.raises(InvalidToken):
        async with Bot(wrong, base_url=f"{emulator.url}/bot"):
            pass


async def test_private_chat_access_errors(
    ptb: Bot, client: EmulatorClient, user: dict, api
) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await ptb.send_message(user["id"], "hello")
    status, body = await api("sendMessage", chat_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await client.send_command(user["id"], "start")
    await client.block_bot(user["id"])
    status, body = await api("sendMessage", chat_id=user["id"], text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb.send_chat_action(user["id"], "typing")
    await client.unblock_bot(user["id"])
    assert (await ptb.send_message(user["id"], "welcome back")).text == "welcome back"
    updates = await ptb.get_updates()
    changes = [u.my_chat_member for u in updates if u.my_chat_member]
    statuses = [(c.old_chat_member.status, c.new_chat_member.status) for c in changes]
    assert statuses == [("member", "kicked"), ("kicked", "member")]
    assert changes[0].from_user.id == user["id"] and changes[0].chat.id == user["id"]


async def test_group_membership_and_migration(
    ptb: Bot, client: EmulatorClient, user: dict, api
) -> None:
    group = await client.create_group("HQ", [user["id"]])
    status, body = await api("sendMessage", chat_id=group["id"], text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await client.add_bot_to_group(group["id"], by_user_id=user["id"])
    assert (await ptb.send_message(group["id"], "hello group")).chat.title == "HQ"
    new = await client.migrate_group(group["id"])
    assert str(new["id"]).startswith("-100") and new["type"] == "supergroup"
    with pytest.raises(ChatMigrated) as exc:
        await ptb.send_message(group["id"], "still there?")
    assert exc.value.new_chat_id == new["id"]
    status, body = await api("sendMessage", chat_id=group["id"], text="x")
    assert body["parameters"] == {"migrate_to_chat_id": new["id"]} and status == 400
    assert (await ptb.send_message(new["id"], "moved")).chat.type == "supergroup"
    updates = await ptb.get_updates()
    assert updates[0].my_chat_member is not None
    assert updates[1].message.new_chat_members[0].id == ptb.id
    assert updates[2].message.migrate_to_chat_id == new["id"]
    assert updates[2].message.chat.id == group["id"]
    assert updates[3].message.migrate_from_chat_id == group["id"]
    assert updates[3].message.chat.id == new["id"] and len(updates) == 4
    assert updates[0].my_chat_member.new_chat_member.status == "member"
    await client.remove_bot_from_group(new["id"])
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await ptb.send_message(new["id"], "x")


async def test_privacy_mode_filters_group_messages(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    group = await client.create_group("Team", [user["id"]], add_bot=True)
    await drain(ptb)
    await client.send_text(user["id"], "just chatting", group["id"])
    await client.send_command(user["id"], "report", chat_id=group["id"])
    await client.send_command(user["id"], "help", chat_id=group["id"], mention="otherbot")
    updates = await ptb.get_updates()
    assert [u.message.text for u in updates] == ["/report"]


async def test_edit_and_delete(ptb: Bot, client: EmulatorClient, started_user: dict, api) -> None:
    uid = started_user["id"]
    sent = await ptb.send_message(uid, "v1", reply_markup=KEYBOARD)
    edited = await ptb.edit_message_text(
        "<i>v2</i>", uid, sent.message_id, parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await ptb.edit_message_text(
            "<i>v2</i>", uid, sent.message_id, parse_mode="HTML", reply_markup=KEYBOARD
        )
    status, body = await api(
        "editMessageText", chat_id=uid, message_id=sent.message_id, text="v2", parse_mode="HTML"
    )
    assert (
        status == 200 and "reply_markup" not in body["result"]
    )  # no markup given: keyboard removed
    assert (
        await ptb.edit_message_reply_markup(uid, sent.message_id, reply_markup=KEYBOARD)
    ).reply_markup == KEYBOARD
    status, body = await api("editMessageText", chat_id=uid, message_id=77, text="x")
    assert body["description"] == "Bad Request: message to edit not found"
    status, body = await api("editMessageText", chat_id=uid, message_id=1, text="x")
    assert body["description"] == "Bad Request: message can't be edited"
    assert await ptb.delete_message(uid, sent.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await ptb.delete_message(uid, sent.message_id)
    stored = [m for m in await client.messages(uid) if m["message_id"] == sent.message_id][0]
    assert stored["deleted"] is True
    assert [h["text"] for h in stored["history"]] == ["v1", "v2", "v2"]
    assert stored["html"] == "v2"


async def test_documents_and_photos_round_trip(
    ptb: Bot, client: EmulatorClient, started_user: dict, api
) -> None:
    uid = started_user["id"]
    sent = await ptb.send_document(
        uid, b"%PDF-1.4 report", filename="report.pdf", caption="<b>May</b>", parse_mode="HTML"
    )
    assert sent.document.file_name == "report.pdf" and sent.document.mime_type == "application/pdf"
    assert sent.caption == "May" and sent.caption_entities[0].type == "bold"
    again = await ptb.send_document(uid, sent.document.file_id)
    assert again.document.file_unique_id == sent.document.file_unique_id
    file = await ptb.get_file(sent.document.file_id)
    assert file.file_path.startswith(f"{ptb.base_file_url}/documents/")
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4 report")
    png = (
        b"\x89PNG\r\n\x1a\n"
        + b"\x00\x00\x00\rIHDR"
        + (640).to_bytes(4, "big")
        + (480).to_bytes(4, "big")
        + b"\x08\x02"
    )
    photo = await ptb.send_photo(uid, png, caption="chart")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (640, 480)
    status, body = await api("sendDocument", chat_id=uid, document="nope", caption="x" * 1025)
    assert body["description"] == "Bad Request: message caption is too long"
    status, body = await api("sendDocument", chat_id=uid, document="nope")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    assert await client.download_file(sent.document.file_id) == b"%PDF-1.4 report"


async def test_user_document_can_be_downloaded_by_the_bot(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    await client.send_document(user["id"], b"a,b\n1,2\n", "data.csv", caption="numbers")
    (update,) = await ptb.get_updates()
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "data.csv",
        "text/csv",
        8,
    )
    assert update.message.caption == "numbers"
    file = await ptb.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"


async def test_callback_button_round_trip(
    ptb: Bot, client: EmulatorClient, started_user: dict, api
) -> None:
    uid = started_user["id"]
    sent = await ptb.send_message(uid, "Vote?", reply_markup=KEYBOARD)
    await drain(ptb)
    with pytest.raises(Exception, match="no inline button"):
        await client.press_button(uid, None, sent.message_id, data="vote:maybe")
    pressed = await client.press_button(uid, None, sent.message_id, text="No")
    updates = await ptb.get_updates(offset=pressed["update_id"])
    query = updates[0].callback_query
    assert query.id == pressed["callback_query_id"] and query.data == "vote:no"
    assert query.message.message_id == sent.message_id and query.from_user.id == uid
    status, body = await api("answerCallbackQuery", callback_query_id=query.id, text="x" * 201)
    assert body["description"] == "Bad Request: MESSAGE_TOO_LONG"
    assert await query.answer("Thanks!", show_alert=True)
    answer = await client.callback_answer(query.id)
    assert (
        answer["answered"]
        and answer["answer"]["text"] == "Thanks!"
        and answer["answer"]["show_alert"]
    )
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("twice")


async def test_commands_chat_and_misc(
    ptb: Bot, client: EmulatorClient, started_user: dict, api
) -> None:
    assert await ptb.set_my_commands(
        [BotCommand("start", "Start"), BotCommand("report_may", "Monthly report")]
    )
    assert await ptb.set_my_commands(
        [BotCommand("stats", "Group stats")], scope=BotCommandScopeAllGroupChats()
    )
    assert [c.command for c in await ptb.get_my_commands()] == ["start", "report_may"]
    assert [c["command"] for c in await client.commands()] == ["start", "report_may"]
    assert [c["command"] for c in await client.commands(scope={"type": "all_group_chats"})] == [
        "stats"
    ]
    status, body = await api("setMyCommands", commands=[{"command": "Report", "description": "x"}])
    assert body["description"] == "Bad Request: BOT_COMMAND_INVALID"
    status, body = await api("setMyCommands", commands=[{"command": "r", "description": ""}])
    assert body["description"] == "Bad Request: command description must be non-empty"
    assert await ptb.delete_my_commands()
    assert await ptb.get_my_commands() == ()
    chat = await ptb.get_chat(started_user["id"])
    assert chat.first_name == "Alice" and chat.type == "private"
    assert await ptb.send_chat_action(started_user["id"], "typing")
    assert (await client.chat(started_user["id"]))["actions"][-1]["action"] == "typing"
    member = await ptb.get_chat_member(started_user["id"], started_user["id"])
    assert member.status == "member"


async def test_parameters_arrive_in_every_encoding(
    http: httpx.AsyncClient, client: EmulatorClient, bot_info: dict, started_user: dict
) -> None:
    base = f"/bot{bot_info['token']}"
    uid = started_user["id"]
    by_query = await http.get(f"{base}/sendMessage", params={"chat_id": uid, "text": "q"})
    by_form = await http.post(
        f"{base}/SENDMESSAGE",
        data={"chat_id": str(uid), "text": "f", "reply_markup": '{"inline_keyboard": []}'},
    )
    by_json = await http.post(f"{base}/sendmessage", json={"chat_id": uid, "text": "j"})
    by_multipart = await http.post(
        f"{base}/sendDocument",
        data={"chat_id": str(uid), "document": "attach://upload"},
        files={"upload": ("notes.txt", b"hello", "text/plain")},
    )
    assert [r.json()["ok"] for r in (by_query, by_form, by_json, by_multipart)] == [True] * 4
    assert by_multipart.json()["result"]["document"]["file_name"] == "notes.txt"
    texts = [m.get("text") for m in await client.bot_messages(uid)]
    assert texts == ["q", "f", "j", None]


async def test_admin_bot_sees_everything_and_may_delete(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    group = await client.create_group(
        "Ops", [user["id"]], type="supergroup", add_bot=True, admin=True
    )
    await drain(ptb)
    said = await client.send_text(user["id"], "plain chatter", group["id"])
    (update,) = await ptb.get_updates()
    assert update.message.text == "plain chatter"
    member = await ptb.get_chat_member(group["id"], ptb.id)
    assert member.status == "administrator" and member.can_delete_messages
    creator = await ptb.get_chat_member(group["id"], user["id"])
    assert creator.status == "creator"
    chat = await ptb.get_chat(group["id"])
    assert (chat.type, chat.title) == ("supergroup", "Ops")
    assert await ptb.delete_message(group["id"], said["message_id"])
    assert await ptb.leave_chat(group["id"])
    assert (await client.chat(group["id"]))["bots"] == {str(ptb.id): "left"}
