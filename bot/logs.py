"""Logging set-up with a formatter that redacts secrets (the bot token) from every line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

TOKEN_PATTERN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
# Invitation codes: in deep links (?start=CODE) and in the /start CODE messages they produce.
INVITE_PATTERN = re.compile(r"((?:\?|&|\\u0026)start=|/start(?:@\w+)?\s+)[A-Za-z0-9_-]{8,64}")
REDACTED = "[REDACTED]"


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
    text = INVITE_PATTERN.sub(lambda m: m.group(1) + REDACTED, text)
    return TOKEN_PATTERN.sub(REDACTED, text)


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
