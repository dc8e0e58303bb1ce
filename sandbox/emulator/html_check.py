"""Validate Telegram's HTML parse mode and turn it into plain text plus message entities.

The parser follows the structure of TDLib's ``parse_html`` so that error descriptions match
what the real Bot API answers (``Unsupported start tag "foo" at byte offset 0`` and friends).
One deliberate difference: by default a ``&`` that does not start a supported entity is an
error, as the Bot API documentation demands escaping (the real server keeps it literally).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip

_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\f\v"


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is Telegram's description tail."""


@dataclass
class _Open:
    tag: str
    begin: int
    offset: int
    argument: str = ""
    language: str = ""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


class _Parser:
    """One-shot parser over a single HTML string."""

    def __init__(self, text: str, strict_ampersand: bool):
        self.text = text
        self.n = len(text)
        self.strict = strict_ampersand
        self.out: list[str] = []
        self.u16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def at(self, i: int) -> str:
        return self.text[i] if i < self.n else ""

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.u16 += utf16_len(chunk)

    def decode_entity(self, i: int) -> tuple[str, int] | None:
        """Decode an HTML entity starting at ``text[i] == '&'``; return (char, end index)."""
        end = self.text.find(";", i + 1, i + 12)
        if end == -1:
            return None
        body = self.text[i + 1 : end]
        if body in _NAMED_ENTITIES:
            return _NAMED_ENTITIES[body], end + 1
        if body.startswith("#"):
            digits, base = (body[2:], 16) if body[1:2] in ("x", "X") else (body[1:], 10)
            try:
                code = int(digits, base) if digits else -1
            except ValueError:
                return None
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), end + 1
        return None

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        i = 0
        while i < self.n:
            c = self.text[i]
            if c == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict:
                    raise HtmlParseError(
                        f"Character '&' at byte offset {self.byte_offset(i)} is not a part of "
                        'an HTML entity and must be escaped as "&amp;"'
                    )
            if c != "<":
                self.emit(c)
                i += 1
                continue
            if self.at(i + 1) == "/":
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while i < self.n and self.text[i] not in _SPACES and self.text[i] != ">":
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.text[begin + 1 : i].lower()
        if tag not in ALLOWED_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        frame = _Open(tag=tag, begin=begin, offset=self.u16)
        i = self.attributes(frame, i)
        if tag == "span" and frame.argument != "spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(frame)
        return i + 1

    def attributes(self, frame: _Open, i: int) -> int:
        """Parse attributes up to the closing ``>``; return the index of that ``>``."""
        where = f"at byte offset {self.byte_offset(frame.begin)}"
        while self.at(i) != ">":
            while i < self.n and self.text[i] in _SPACES:
                i += 1
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag {where}")
            if self.text[i] == ">":
                break
            name_begin = i
            while i < self.n and self.text[i] not in _SPACES + "=>":
                i += 1
            name = self.text[name_begin:i].lower()
            if not name:
                raise HtmlParseError(f'Empty attribute name in the tag "{frame.tag}" {where}')
            while i < self.n and self.text[i] in _SPACES:
                i += 1
            if self.at(i) != "=":
                if frame.tag == "blockquote" and name == "expandable":
                    frame.argument = "expandable"
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{frame.tag}" {where}'
                )
            i += 1
            while i < self.n and self.text[i] in _SPACES:
                i += 1
            if i >= self.n:
                raise HtmlParseError(f"Unclosed start tag {where}")
            value, i = self.attribute_value(i, where)
            self.apply_attribute(frame, name, value)
        return i

    def attribute_value(self, i: int, where: str) -> tuple[str, int]:
        quote = self.text[i]
        if quote not in "'\"":
            token_begin = i
            while i < self.n and (self.text[i].isalnum() or self.text[i] in ".-"):
                i += 1
            if self.at(i) not in tuple(_SPACES) + (">",):
                raise HtmlParseError(
                    f"Unexpected end of name token at byte offset {self.byte_offset(token_begin)}"
                )
            return self.text[token_begin:i].lower(), i
        i += 1
        value: list[str] = []
        while i < self.n and self.text[i] != quote:
            if self.text[i] == "&":
                decoded = self.decode_entity(i)
                if decoded is not None:
                    value.append(decoded[0])
                    i = decoded[1]
                    continue
            value.append(self.text[i])
            i += 1
        if i >= self.n:
            raise HtmlParseError(f"Unclosed start tag {where}")
        return "".join(value), i + 1

    @staticmethod
    def apply_attribute(frame: _Open, name: str, value: str) -> None:
        if frame.tag == "a" and name == "href":
            frame.argument = value
        elif frame.tag == "code" and name == "class" and value.startswith("language-"):
            frame.argument = value[len("language-") :]
        elif frame.tag == "span" and name == "class" and value.startswith("tg-"):
            frame.argument = value[len("tg-") :]
        elif frame.tag == "tg-emoji" and name == "emoji-id":
            frame.argument = value
        elif frame.tag == "blockquote" and name == "expandable":
            frame.argument = "expandable"

    def end_tag(self, begin: int) -> int:
        where = f"at byte offset {self.byte_offset(begin)}"
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag {where}")
        i = begin + 2
        while i < self.n and self.text[i] not in _SPACES and self.text[i] != ">":
            i += 1
        name = self.text[begin + 2 : i].lower()
        while i < self.n and self.text[i] in _SPACES:
            i += 1
        if self.at(i) != ">":
            raise HtmlParseError(f"Unclosed end tag {where}")
        frame = self.stack.pop()
        if name and name != frame.tag:
            raise HtmlParseError(
                f'Unmatched end tag {where}, expected "</{frame.tag}>", found "</{name}>"'
            )
        self.close(frame)
        return i + 1

    def close(self, frame: _Open) -> None:
        length = self.u16 - frame.offset
        parent = self.stack[-1] if self.stack else None
        if frame.tag == "code" and parent is not None and parent.tag == "pre":
            parent.language = frame.argument
            return
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": frame.offset, "length": length}
        if frame.tag in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[frame.tag]
        elif frame.tag == "a":
            if not frame.argument:
                return
            entity["type"] = "text_link"
            entity["url"] = frame.argument
        elif frame.tag == "pre":
            entity["type"] = "pre"
            if frame.language:
                entity["language"] = frame.language
        elif frame.tag == "blockquote":
            expandable = frame.argument == "expandable"
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif frame.tag == "tg-emoji":
            if not frame.argument:
                return
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = frame.argument
        self.entities.append(entity)


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(plain_text, entities)``; raise :class:`HtmlParseError`."""
    return _Parser(text, strict_ampersand).parse()


def strip_html(text: str, *, strict_ampersand: bool = True) -> str:
    """Plain text of a Telegram HTML string (raises :class:`HtmlParseError` when invalid)."""
    return parse_html(text, strict_ampersand=strict_ampersand)[0]
