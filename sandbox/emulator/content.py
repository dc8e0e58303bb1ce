"""Message content rules: parse modes, trimming, keyboards, automatic entities, image sizes."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

from .errors import bad_request
from .html_check import HtmlParseError, parse_html, utf16_len

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
INLINE_BUTTON_KINDS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
_URL_SCHEMES = ("http://", "https://", "tg://", "ton://")
_AUTO_ENTITY_RE = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<url>\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
)


@dataclass
class Rendered:
    """Text after parse-mode processing: what the recipient sees plus the raw input."""

    text: str
    entities: list[dict[str, Any]]
    raw: str | None
    parse_mode: str | None


def render(
    text: str, parse_mode: str | None, entities: Any = None, *, strict: bool = True
) -> Rendered:
    """Apply a parse mode (only HTML is interpreted) and trim surrounding whitespace."""
    mode = (parse_mode or "").strip()
    if not mode:
        if entities is not None and not isinstance(entities, list):
            raise bad_request("can't parse entities JSON object")
        plain, found, raw = text, [e for e in entities or [] if isinstance(e, dict)], None
    elif mode.lower() == "html":
        try:
            plain, found = parse_html(text, strict_ampersand=strict)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        raw = text
    elif mode.lower() in ("markdown", "markdownv2"):
        plain, found, raw = text, [], text
    else:
        raise bad_request("unsupported parse_mode")
    plain, found = trim(plain, found)
    return Rendered(plain, found, raw, mode or None)


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like Telegram, shifting and clipping entities."""
    left = text.lstrip()
    lead = utf16_len(text) - utf16_len(left)
    result = left.rstrip()
    total = utf16_len(result)
    kept = []
    for entity in entities:
        start = max(int(entity.get("offset", 0)) - lead, 0)
        end = min(int(entity.get("offset", 0)) + int(entity.get("length", 0)) - lead, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept


def validate_markup(markup: Any) -> dict[str, Any] | None:
    """Check a reply_markup object the way Telegram does; return it unchanged."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array'
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
    elif "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str):
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    if not any(kind in button for kind in INLINE_BUTTON_KINDS):
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(str(data).encode("utf-8")) if data is not None else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = str(button["url"])
        if not url.lower().startswith(_URL_SCHEMES) or len(url) < 8:
            raise bad_request("BUTTON_URL_INVALID")


def find_button(
    markup: dict[str, Any] | None, text: str | None, data: str | None
) -> dict[str, Any] | None:
    """The inline button matching ``text`` and/or ``callback_data``."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if text is not None and button.get("text") != text:
                continue
            if data is not None and button.get("callback_data") != data:
                continue
            return button
    return None


def auto_entities(text: str | None) -> list[dict[str, Any]]:
    """Entities Telegram detects in user text: commands, URLs, mentions, hashtags."""
    if not text:
        return []
    found = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        kind = match.lastgroup or "url"
        found.append(
            {
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
                "type": kind,
            }
        )
    return found


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG image; ``(1, 1)`` when unknown."""
    return sniff_image(data) or (1, 1)


def sniff_image(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image; ``None`` when it is none of these."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None
