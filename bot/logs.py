"""Logging set-up with a formatter that redacts secrets (the bot token) from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
# What separates words in log text that quotes a message: whitespace (U+3000 included), or an
# escape sequence as repr() and JSON write it (`\u3000`, `\n`, `\xa0`) when PTB logs an update.
_ESCAPE = r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|[nrtfvb])"
_GAP = rf"(?:\s|{_ESCAPE})+"
# Invitation codes where they are expected: deep links (?start=CODE) and /start CODE messages
# (any case, with or without @bot, after any whitespace), even when too short to look random.
INVITE_PATTERN = re.compile(
    rf"((?:\?|&|\\u0026)start=|/start(?:@\w+)?{_GAP})[A-Za-z0-9_-]{{8,64}}", re.IGNORECASE
)
# Anything shaped like a code anywhere else (a code pasted on its own, quoted in an update):
# a whole run of 20-64 URL-safe characters, not a file name's stem.
CODE_SHAPED = re.compile(
    r"(?:(?<![A-Za-z0-9_\\-])"  # a word start, or right after an escape sequence
    r"|(?<=\\u[0-9A-Fa-f]{4})|(?<=\\U[0-9A-Fa-f]{8})|(?<=\\x[0-9A-Fa-f]{2})|(?<=\\[nrtfvb]))"
    r"[A-Za-z0-9_-]{20,64}"
    r"(?![A-Za-z0-9_-])(?!\.[A-Za-z0-9])"
)
REDACTED = "[REDACTED]"


def _looks_random(token: str) -> bool:
    """A digit or mixed case, yet not plain digits or a lowercase hex digest."""
    if token.isdigit() or all(c in "0123456789abcdef" for c in token):
        return False
    has_digit = any(c.isdigit() for c in token)
    return has_digit or (token.lower() != token and token.upper() != token)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks known secrets and anything shaped like a bot token."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, exception text included, with secrets masked."""
        return redact(super().format(record), self.secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask the given secrets, anything shaped like a bot token, and invitation codes."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = TOKEN_PATTERN.sub(REDACTED, text)
    text = INVITE_PATTERN.sub(lambda m: m.group(1) + REDACTED, text)
    return CODE_SHAPED.sub(lambda m: REDACTED if _looks_random(m.group(0)) else m.group(0), text)


def setup_logging(level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Send logs to stderr through the redacting formatter; quiet the HTTP client."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, and Telegram URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
