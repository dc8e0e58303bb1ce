"""Bot API methods that send, edit and delete messages, answer buttons and serve files."""

from __future__ import annotations

import mimetypes
from typing import Any

from .content import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Rendered,
    image_size,
    render,
    validate_markup,
)
from .errors import ApiError, bad_request
from .limits import check_rate, record_send
from .params import Params, Upload
from .registry import Call, message_id_param, method, resolve_chat
from .state import Chat, Message, StoredFile, World

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
MAX_DOWNLOAD = 20 * 1024 * 1024


def _own_message(call: Call, missing: str) -> Message:
    """The bot's own message addressed by chat_id + message_id (for edits)."""
    if call.params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = resolve_chat(call)
    message = chat.get(message_id_param(call))
    if message is None or message.deleted:
        raise bad_request(missing)
    if message.sender.id != call.bot.id:
        raise bad_request("message can't be edited")
    return message


def _markup(call: Call) -> dict[str, Any] | None:
    return validate_markup(call.params.json("reply_markup", "reply keyboard markup"))


def _reply_target(call: Call, chat: Chat) -> Message | None:
    params = call.params
    allow = params.flag("allow_sending_without_reply")
    reply = params.json("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow = bool(reply.get("allow_sending_without_reply", allow))
    else:
        message_id = params.integer("reply_to_message_id")
    if not message_id:
        return None
    target = chat.get(int(message_id))
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return target


def _options(params: Params) -> dict[str, Any]:
    keys = (
        "disable_notification", "protect_content", "link_preview_options",
        "disable_web_page_preview", "message_thread_id", "message_effect_id",
    )  # fmt: skip
    out: dict[str, Any] = {}
    for key in keys:
        if key in params.values:
            out[key] = params.json(key) if key == "link_preview_options" else params.raw(key)
    return out


def _text(call: Call) -> Rendered:
    text = call.params.string("text")
    if not text:
        raise bad_request("message text is empty")
    rendered = render(
        text,
        call.params.string("parse_mode"),
        call.params.json("entities"),
        strict=call.world.settings.strict_html_ampersand,
    )
    if not rendered.text:
        raise bad_request("message text is empty")
    if len(rendered.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return rendered


def _caption(call: Call) -> Rendered | None:
    caption = call.params.string("caption")
    if not caption:
        return None
    rendered = render(
        caption,
        call.params.string("parse_mode"),
        call.params.json("caption_entities"),
        strict=call.world.settings.strict_html_ampersand,
    )
    if len(rendered.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return rendered


def _apply_edit(world: World, message: Message, **fields: Any) -> None:
    message.history.append(message.content())
    for key, value in fields.items():
        setattr(message, key, value)
    message.edit_date = world.now()
    world.changed.fire()


def _upload_file(world: World, source: Upload, kind: str) -> StoredFile:
    if not source.data:
        raise bad_request("file must be non-empty")
    if kind == "photo":
        width, height = image_size(source.data)
        return world.store_file(source.data, "photo", width=width, height=height)
    mime = mimetypes.guess_type(source.filename or "")[0]
    if mime is None and source.content_type and source.content_type != "application/octet-stream":
        mime = source.content_type
    return world.store_file(
        source.data,
        "document",
        file_name=source.filename,
        mime_type=mime or "application/octet-stream",
    )


def _media_source(call: Call, kind: str) -> StoredFile:
    source = call.params.file(kind)
    if source is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(source, Upload):
        return _upload_file(call.world, source, kind)
    text = source.strip()
    if text.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = call.world.files.get(text)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(
            f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
        )
    return stored


@method("sendMessage")
async def send_message(call: Call) -> Any:
    """Send a text message (HTML validated, length checked, keyboard checked)."""
    world, bot = call.world, call.bot
    chat = resolve_chat(call)
    rendered = _text(call)
    markup = _markup(call)
    reply_to = _reply_target(call, chat)
    check_rate(world, bot, chat)
    message = world.add_message(
        chat,
        bot.user,
        text=rendered.text,
        entities=rendered.entities,
        html=rendered.raw,
        parse_mode=rendered.parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
        options=_options(call.params),
    )
    record_send(world, bot, chat)
    return message.api()


async def _send_media(call: Call, kind: str) -> Any:
    world, bot = call.world, call.bot
    chat = resolve_chat(call)
    caption = _caption(call)
    markup = _markup(call)
    reply_to = _reply_target(call, chat)
    stored = _media_source(call, kind)
    check_rate(world, bot, chat)
    message = world.add_message(
        chat,
        bot.user,
        file=stored,
        caption=caption.text if caption else None,
        caption_entities=caption.entities if caption else [],
        caption_html=caption.raw if caption else None,
        parse_mode=caption.parse_mode if caption else None,
        reply_markup=markup,
        reply_to=reply_to,
        options=_options(call.params),
    )
    record_send(world, bot, chat)
    return message.api()


@method("sendDocument")
async def send_document(call: Call) -> Any:
    """Send a document (multipart upload, attach:// or file_id)."""
    return await _send_media(call, "document")


@method("sendPhoto")
async def send_photo(call: Call) -> Any:
    """Send a photo (multipart upload, attach:// or file_id)."""
    return await _send_media(call, "photo")


@method("editMessageText")
async def edit_message_text(call: Call) -> Any:
    """Edit the text (and inline keyboard) of the bot's message."""
    message = _own_message(call, "message to edit not found")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    rendered = _text(call)
    markup = _markup(call)
    if (rendered.text, rendered.entities, markup) == (
        message.text,
        message.entities,
        message.reply_markup,
    ):
        raise bad_request(NOT_MODIFIED)
    _apply_edit(
        call.world,
        message,
        text=rendered.text,
        entities=rendered.entities,
        html=rendered.raw,
        parse_mode=rendered.parse_mode,
        reply_markup=markup,
    )
    return message.api()


@method("editMessageCaption")
async def edit_message_caption(call: Call) -> Any:
    """Edit the caption (and inline keyboard) of the bot's media message."""
    message = _own_message(call, "message to edit not found")
    if message.file is None:
        raise bad_request("there is no caption in the message to edit")
    caption = _caption(call)
    markup = _markup(call)
    text = caption.text if caption else None
    entities = caption.entities if caption else []
    if (text, entities, markup) == (
        message.caption,
        message.caption_entities,
        message.reply_markup,
    ):
        raise bad_request(NOT_MODIFIED)
    _apply_edit(
        call.world,
        message,
        caption=text,
        caption_entities=entities,
        caption_html=caption.raw if caption else None,
        reply_markup=markup,
    )
    return message.api()


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> Any:
    """Replace or remove the inline keyboard of the bot's message."""
    message = _own_message(call, "message to edit not found")
    markup = _markup(call)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    _apply_edit(call.world, message, reply_markup=markup)
    return message.api()


def _delete(call: Call, chat: Chat, message_id: int) -> bool:
    message = chat.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    own = message.sender.id == call.bot.id
    if chat.type != "private" and not own and chat.bot_status.get(call.bot.id) != "administrator":
        raise bad_request("message can't be deleted")
    message.deleted = True
    call.world.changed.fire()
    return True


@method("deleteMessage")
async def delete_message(call: Call) -> Any:
    """Delete a message (own messages; any message in private chats or as admin)."""
    chat = resolve_chat(call, sending=False)
    return _delete(call, chat, message_id_param(call))


@method("deleteMessages")
async def delete_messages(call: Call) -> Any:
    """Delete several messages, skipping those that can't be deleted."""
    chat = resolve_chat(call, sending=False)
    ids = call.params.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        try:
            _delete(call, chat, int(message_id))
        except (ApiError, ValueError):
            continue
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> Any:
    """Answer a button press once; the answer is readable through the control API."""
    world, params = call.world, call.params
    query = world.callbacks.get(params.string("callback_query_id") or "")
    text = params.string("text") or ""
    if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    if query is None or query.bot_id != call.bot.id or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    query.answered_at = world.clock()
    query.answer = {
        "text": text or None,
        "show_alert": params.flag("show_alert"),
        "url": params.string("url"),
        "cache_time": params.integer("cache_time", 0),
    }
    world.changed.fire()
    return True


@method("getFile")
async def get_file(call: Call) -> Any:
    """File metadata with a download path under ``/file/bot<token>/``."""
    stored = call.world.files.get(call.params.string("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    call.world.assign_file_path(stored)
    return stored.file_api()
