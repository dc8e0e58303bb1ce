"""Text clean-up for cells: names, units, titles, header labels, multi-value cells."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
SEPARATORS = "\n、，,；;"
OPENING = "(（[【〔"
CLOSING = ")）]】〕"
_WHITESPACE_RUN = re.compile(r"\s+")


def is_cjk(char: str) -> bool:
    """True for CJK ideographs, CJK punctuation and full-width forms."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFE30 <= code <= 0xFE4F
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
    )


def cell_text(value: object) -> str:
    """A cell value as text: trimmed, zero-width characters removed, newlines as \\n."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def as_text(value: object) -> str:
    """The text of a cell the reader has already cleaned: text as it is, None as ""."""
    if isinstance(value, str):
        return value
    return cell_text(value)


def squeeze(text: str) -> str:
    """Drop whitespace that touches a CJK character; collapse the rest to one space."""

    def replace(match: re.Match[str]) -> str:
        before = text[match.start() - 1] if match.start() > 0 else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if not before or not after or is_cjk(before) or is_cjk(after):
            return ""
        return " "

    return _WHITESPACE_RUN.sub(replace, text)


def fold_width(text: str) -> str:
    """Full-width digits, letters, dashes, tildes and spaces to their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


# What offices write after a name: a title in brackets, a phone number (with or without a label).
_NAME_NOTE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
_PHONE = re.compile(r"(?:联系)?(?:电话|手机|座机|tel|TEL|Tel)?[:：]?\s*\+?\d[\d\s\-—－]{5,}\d")


def normalize_name(value: object) -> str:
    """A person's name: "郑 榕" → "郑榕", "Ｌｉ  Ｍｉｎｇ" → "Li Ming", "张玉珍（副主任）
    13805012345" → "张玉珍" (titles in brackets and phone numbers are not part of the name)."""
    text = fold_width(cell_text(value))
    text = _PHONE.sub(" ", _NAME_NOTE.sub(" ", text))
    return squeeze(text)


def normalize_unit(value: object) -> str:
    """A unit (or group) name: spaces dropped around CJK, parentheses made full-width."""
    text = fold_width(cell_text(value)).replace("(", "（").replace(")", "）")
    return squeeze(text)


def normalize_title(value: object) -> str:
    """A project name: trimmed, line breaks joined, runs of spaces collapsed, text kept."""
    lines = [" ".join(line.split()) for line in cell_text(value).split("\n")]
    joined = ""
    for line in filter(None, lines):
        if joined and not (is_cjk(joined[-1]) or is_cjk(line[0])):
            joined += " "
        joined += line
    return joined


def normalize_content(value: object) -> str:
    """Free text (具体内容): trimmed, line endings unified, blank lines dropped."""
    lines = [line.strip() for line in cell_text(value).split("\n")]
    return "\n".join(line for line in lines if line)


def text_key(value: object) -> str:
    """A comparison key: width-folded, no whitespace, ASCII parentheses, lower case."""
    text = fold_width(cell_text(value)).replace("（", "(").replace("）", ")")
    return "".join(text.split()).lower()


def label_key(value: object) -> str:
    """A header label reduced for matching: no whitespace, no required-marks or colons."""
    return text_key(value).strip("*:：").replace("*", "")


def split_cell(value: object, separators: str = SEPARATORS) -> list[str]:
    """Split a multi-value cell on newlines and 、，,；; (never inside parentheses)."""
    text = cell_text(value)
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in OPENING:
            depth += 1
        elif char in CLOSING:
            depth = max(0, depth - 1)
        if char in separators and (depth == 0 or char == "\n"):
            parts.append("".join(current))
            current = []
            depth = 0
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


# The parser meets the same few units, names and periods thousands of times: each distinct text
# is cleaned once and remembered (the functions above are pure).
CACHE_SIZE = 8192


@lru_cache(maxsize=CACHE_SIZE)
def unit_of(text: str) -> str:
    """`normalize_unit` of a cleaned cell, remembered."""
    return normalize_unit(text)


@lru_cache(maxsize=CACHE_SIZE)
def name_of(text: str) -> str:
    """`normalize_name` of a cleaned cell, remembered."""
    return normalize_name(text)


@lru_cache(maxsize=CACHE_SIZE)
def parts_of(text: str, separators: str = SEPARATORS) -> tuple[str, ...]:
    """`split_cell` of a cleaned cell, remembered."""
    return tuple(split_cell(text, separators))


@lru_cache(maxsize=CACHE_SIZE)
def key_of(text: str) -> str:
    """`text_key` of a cleaned cell, remembered."""
    return text_key(text)
