"""What real users send besides text: stickers, voice, locations, contacts, photos, edits."""

from __future__ import annotations

import httpx
import pytest
from telegram import Bot, Sticker, Update

from sandbox.emulator import EmulatorClient, EmulatorError
from tests.emulator.helpers import FakeClock


def _png(width: int, height: int) -> bytes:
    """The first bytes of a PNG file: enough for Telegram (and the emulator) to size it."""
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        + width.to_bytes(4, "big")
        + height.to_bytes(4, "big")
        + b"\x08\x02\x00\x00\x00"
    )


async def _raw_updates(http: httpx.AsyncClient, token: str) -> list[dict]:
    """Pending updates as the JSON Telegram sends, confirmed afterwards."""
    updates = (await http.post(f"/bot{token}/getUpdates")).json()["result"]
    if updates:
        await http.post(f"/bot{token}/getUpdates", json={"offset": updates[-1]["update_id"] + 1})
    return updates


async def _one_message(http: httpx.AsyncClient, token: str) -> dict:
    (update,) = await _raw_updates(http, token)
    assert set(update) == {"update_id", "message"}
    return update


async def test_sticker_arrives_with_the_fields_of_a_real_sticker(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict, user: dict
) -> None:
    sent = await client.send_sticker(user["id"], "😀", set_name="HotCherry")
    raw = await _one_message(http, bot_info["token"])
    sticker = raw["message"]["sticker"]
    assert set(sticker) == {
        "file_id", "file_unique_id", "type", "width", "height", "is_animated", "is_video",
        "emoji", "set_name", "file_size",
    }  # fmt: skip
    assert (sticker["type"], sticker["width"], sticker["height"]) == ("regular", 512, 512)
    assert (sticker["is_animated"], sticker["is_video"], sticker["emoji"]) == (False, False, "😀")
    assert "text" not in raw["message"] and sent["sticker"] == sticker
    message = Update.de_json(raw, ptb).message
    assert message.text is None and message.effective_attachment is message.sticker
    assert message.sticker.type == Sticker.REGULAR and message.sticker.emoji == "😀"
    assert message.sticker.set_name == "HotCherry"
    file = await ptb.get_file(message.sticker.file_id)
    assert file.file_path.startswith(f"{ptb.base_file_url}/stickers/")
    assert file.file_path.endswith(".webp")
    content = bytes(await file.download_as_bytearray())
    assert content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    assert len(content) == sticker["file_size"]


async def test_default_sticker_is_a_thumbs_up_without_a_set(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    await client.send_sticker(user["id"])
    (update,) = await ptb.get_updates()
    assert update.message.sticker.emoji == "👍" and update.message.sticker.set_name is None


async def test_voice_note_arrives_as_ogg_and_downloads(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict, user: dict
) -> None:
    await client.send_voice(user["id"], duration=7)
    raw = await _one_message(http, bot_info["token"])
    voice = raw["message"]["voice"]
    assert set(voice) == {"file_id", "file_unique_id", "duration", "mime_type", "file_size"}
    assert (voice["duration"], voice["mime_type"]) == (7, "audio/ogg")
    message = Update.de_json(raw, ptb).message
    assert message.voice.to_dict()["duration"] == 7 and message.text is None
    assert message.voice.mime_type == "audio/ogg" and message.effective_attachment is message.voice
    file = await ptb.get_file(message.voice.file_id)
    assert file.file_path.startswith(f"{ptb.base_file_url}/voice/")
    content = bytes(await file.download_as_bytearray())
    assert content.startswith(b"OggS") and len(content) == voice["file_size"]
    await client.send_voice(user["id"], duration=20)
    (longer,) = await ptb.get_updates()
    assert longer.message.voice.file_size > message.voice.file_size


async def test_voice_note_may_carry_a_caption(ptb: Bot, client: EmulatorClient, user: dict) -> None:
    await client.send_voice(user["id"], caption="see /help")
    (update,) = await ptb.get_updates()
    assert update.message.caption == "see /help"
    assert update.message.voice.to_dict()["duration"] == 3
    assert [(e.type, e.offset) for e in update.message.caption_entities] == [("bot_command", 4)]


async def test_location_arrives_with_coordinates(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict, user: dict
) -> None:
    await client.send_location(user["id"], 26.0745, 119.2965, horizontal_accuracy=25)
    raw = await _one_message(http, bot_info["token"])
    assert raw["message"]["location"] == {
        "latitude": 26.0745,
        "longitude": 119.2965,
        "horizontal_accuracy": 25.0,
    }
    message = Update.de_json(raw, ptb).message
    assert (message.location.latitude, message.location.longitude) == (26.0745, 119.2965)
    assert message.text is None and message.effective_attachment is message.location


async def test_contact_arrives_with_phone_and_optional_user_id(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict, user: dict
) -> None:
    await client.send_contact(user["id"], "+86 138 0013 8000", "玉珍", last_name="张")
    raw = await _one_message(http, bot_info["token"])
    assert raw["message"]["contact"] == {
        "phone_number": "+86 138 0013 8000",
        "first_name": "玉珍",
        "last_name": "张",
    }
    await client.send_contact(user["id"], "8613800138000", "Alice", contact_user_id=user["id"])
    raw = await _one_message(http, bot_info["token"])
    contact = Update.de_json(raw, ptb).message.contact
    assert (contact.phone_number, contact.first_name) == ("8613800138000", "Alice")
    assert contact.user_id == user["id"] and contact.last_name is None


async def test_user_photo_is_a_ladder_of_photo_sizes_the_bot_can_download(
    ptb: Bot, client: EmulatorClient, http: httpx.AsyncClient, bot_info: dict, user: dict
) -> None:
    png = _png(1280, 960)
    await client.send_photo(user["id"], png, caption="现场照片")
    raw = await _one_message(http, bot_info["token"])
    sizes = raw["message"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 68), (320, 240), (800, 600), (1280, 960),
    ]  # fmt: skip
    for size in sizes:
        assert set(size) == {"file_id", "file_unique_id", "file_size", "width", "height"}
    assert len({s["file_id"] for s in sizes}) == len({s["file_unique_id"] for s in sizes}) == 4
    message = Update.de_json(raw, ptb).message
    assert message.caption == "现场照片" and message.text is None
    largest = message.photo[-1]
    assert (largest.width, largest.height, largest.file_size) == (1280, 960, len(png))
    file = await ptb.get_file(largest.file_id)
    assert file.file_path.startswith(f"{ptb.base_file_url}/photos/")
    assert bytes(await file.download_as_bytearray()) == png


async def test_small_photo_has_one_size_and_huge_photo_is_capped(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    await client.send_photo(user["id"], _png(64, 48))
    await client.send_photo(user["id"], _png(4000, 3000))
    small, huge = await ptb.get_updates()
    assert [(p.width, p.height) for p in small.message.photo] == [(64, 48)]
    assert [(p.width, p.height) for p in huge.message.photo][-2:] == [(1280, 960), (2560, 1920)]


async def test_user_document_keeps_name_type_and_size(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    data = b"PK\x03\x04 not really a workbook"
    await client.send_document(user["id"], data, "进度表.xlsx")
    await client.send_document(user["id"], b"%PDF-1.7", "scan", mime_type="application/pdf")
    workbook, scan = await ptb.get_updates()
    document = workbook.message.document
    assert document.file_name == "进度表.xlsx" and document.file_size == len(data)
    assert document.mime_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert (scan.message.document.file_name, scan.message.document.mime_type) == (
        "scan",
        "application/pdf",
    )


async def test_each_kind_reaches_a_bot_in_a_group_only_as_a_reply_under_privacy_mode(
    ptb: Bot, client: EmulatorClient, bot_info: dict, user: dict
) -> None:
    uid = user["id"]
    group = await client.create_group("专项组", [uid], add_bot=True)
    gid = group["id"]
    await ptb.get_updates(offset=-1)
    await ptb.get_updates(offset=10**6)
    question = await ptb.send_message(gid, "本月进度？")
    await client.send_sticker(uid, chat_id=gid)
    await client.send_voice(uid, chat_id=gid)
    await client.send_location(uid, 26.0, 119.3, gid)
    await client.send_contact(uid, "+8613800138000", "Alice", gid)
    assert await ptb.get_updates() == ()
    reply = question.message_id
    await client.send_sticker(uid, chat_id=gid, reply_to_message_id=reply)
    await client.send_voice(uid, chat_id=gid, reply_to_message_id=reply)
    await client.send_location(uid, 26.0, 119.3, gid, reply_to_message_id=reply)
    await client.send_contact(uid, "+8613800138000", "Alice", gid, reply_to_message_id=reply)
    updates = await ptb.get_updates()
    messages = [u.message for u in updates]
    assert [m.chat.id for m in messages] == [gid] * 4
    assert [m.reply_to_message.message_id for m in messages] == [reply] * 4
    assert messages[0].sticker and messages[1].voice
    assert messages[2].location and messages[3].contact
    everything = await client.create_bot("allseeingbot", can_read_all_group_messages=True)
    await client.add_bot_to_group(gid, bot=everything["id"])
    await client.send_sticker(uid, "🎉", gid)
    pending = await client.pending_updates(bot=everything["id"])
    assert pending[-1]["message"]["sticker"]["emoji"] == "🎉"


async def test_edited_message_update_is_exactly_what_telegram_sends(
    ptb: Bot,
    client: EmulatorClient,
    http: httpx.AsyncClient,
    bot_info: dict,
    user: dict,
    wall: FakeClock,
) -> None:
    original = await client.send_text(user["id"], "完成 30%")
    await _raw_updates(http, bot_info["token"])
    wall.advance(90)
    await client.edit_text(user["id"], original["message_id"], "完成 35%，见 /help")
    (update,) = await _raw_updates(http, bot_info["token"])
    assert update == {
        "update_id": update["update_id"],
        "edited_message": {
            "message_id": original["message_id"],
            "from": user,
            "chat": {"id": user["id"], "type": "private", "first_name": "Alice",
                     "last_name": "Liddell", "username": "alice"},
            "date": original["date"],
            "edit_date": original["date"] + 90,
            "text": "完成 35%，见 /help",
            "entities": [{"offset": 9, "length": 5, "type": "bot_command"}],
        },
    }  # fmt: skip
    parsed = Update.de_json(update, ptb)
    assert parsed.message is None and parsed.edited_message.text == "完成 35%，见 /help"
    assert parsed.effective_message.edit_date is not None


async def test_edits_follow_allowed_updates_like_telegram(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    first = await client.send_text(user["id"], "v1")
    await ptb.get_updates(offset=-1)
    await ptb.get_updates(offset=10**6, allowed_updates=["message", "callback_query"])
    await client.edit_text(user["id"], first["message_id"], "v2")
    await client.send_text(user["id"], "after the edit")
    assert [u.message.text for u in await ptb.get_updates()] == ["after the edit"]
    await ptb.get_updates(offset=10**7, allowed_updates=[])
    await client.edit_text(user["id"], first["message_id"], "v3")
    (update,) = await ptb.get_updates()
    assert update.edited_message.text == "v3"
    await ptb.get_updates(offset=update.update_id + 1, allowed_updates=["edited_message"])
    await client.send_text(user["id"], "not delivered")
    await client.edit_text(user["id"], first["message_id"], "v4")
    assert [u.edited_message.text for u in await ptb.get_updates()] == ["v4"]


async def test_command_sent_in_the_middle_of_a_flow_is_a_command_entity(
    ptb: Bot, client: EmulatorClient, user: dict
) -> None:
    await client.send_text(user["id"], "按计划推进")
    await client.send_command(user["id"], "cancel")
    answer, command = await ptb.get_updates()
    assert answer.message.entities == ()
    assert command.message.text == "/cancel"
    assert [(e.type, e.offset, e.length) for e in command.message.entities] == [
        ("bot_command", 0, 7)
    ]


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("stickers", {"emoji": "ok"}, 400, "emoji must be a single emoji"),
        ("stickers", {"emoji": "👍 👍"}, 400, "emoji must be a single emoji"),
        ("stickers", {"set_name": "no spaces allowed"}, 400, "set_name"),
        ("voices", {"duration": -1}, 400, "duration must be 0-3600 seconds"),
        ("voices", {"duration": "long"}, 400, "duration must be an integer"),
        ("locations", {"longitude": 119.3}, 400, "latitude is required"),
        ("locations", {"latitude": 91, "longitude": 0}, 400, "latitude must be between"),
        ("locations", {"latitude": 0, "longitude": -181}, 400, "longitude must be between"),
        ("locations", {"latitude": "north", "longitude": 0}, 400, "latitude must be a number"),
        ("locations", {"latitude": 0, "longitude": 0, "horizontal_accuracy": 9999}, 400,
         "horizontal_accuracy"),
        ("contacts", {"first_name": "A"}, 400, "phone_number is required"),
        ("contacts", {"phone_number": "call me", "first_name": "A"}, 400, "phone_number must"),
        ("contacts", {"phone_number": "+8613800138000"}, 400, "first_name is required"),
        ("contacts", {"phone_number": "+8613800138000", "first_name": "A",
                      "contact_user_id": 999}, 404, "unknown user 999"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_and_sends_nothing(
    client: EmulatorClient,
    http: httpx.AsyncClient,
    bot_info: dict,
    user: dict,
    path: str,
    body: dict,
    status: int,
    message: str,
) -> None:
    response = await http.post(f"/control/users/{user['id']}/{path}", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert await client.pending_updates() == []


async def test_senders_must_exist_and_belong_to_the_group(
    client: EmulatorClient, bot_info: dict, user: dict
) -> None:
    outsider = await client.create_user("Bob")
    group = await client.create_group("专项组", [user["id"]], add_bot=True)
    before = len(await client.pending_updates())
    with pytest.raises(EmulatorError) as exc:
        await client.send_sticker(outsider["id"], chat_id=group["id"])
    assert exc.value.status == 403
    with pytest.raises(EmulatorError) as exc:
        await client.send_location(424242, 1.0, 2.0)
    assert exc.value.status == 404
    with pytest.raises(EmulatorError) as exc:
        await client.send_photo(user["id"], b"not an image at all")
    assert (exc.value.status, exc.value.message) == (
        400,
        "a photo must be a PNG, GIF or JPEG image",
    )
    assert len(await client.pending_updates()) == before
