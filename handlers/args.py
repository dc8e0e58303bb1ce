"""Strict parsing of what people type after a command."""

from __future__ import annotations

import re

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMBER = re.compile(r"[0-9]{1,6}")
# An invitation code pasted bare, or the whole deep link (t.me/<bot>?start=<code>).
_CODE = re.compile(
    r"(?:https?://)?(?:t\.me|telegram\.me)/\w+\?start=([A-Za-z0-9_-]{16,64})|([A-Za-z0-9_-]{24,64})"
)


def parse_number(text: str) -> int | None:
    """A small positive whole number as typed (ASCII or full-width digits), else None."""
    folded = text.strip().translate(_FULL_WIDTH_DIGITS)
    if not _NUMBER.fullmatch(folded):
        return None
    value = int(folded)
    return value if value > 0 else None


def pasted_code(text: str) -> str | None:
    """The invitation code in a message that is only a pasted link or code, else None."""
    match = _CODE.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1) or match.group(2)
