"""The outbox: every message the bot sends on its own, written before it is sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, LargeBinary, Text
from sqlmodel import Field, SQLModel

from models.base import telegram_id, timestamp


class OutboxStatus(StrEnum):
    """Where a message stands: waiting, accepted by Telegram, or given up on."""

    pending = "pending"
    sent = "sent"
    failed = "failed"  # Telegram refused it (400) or it kept failing: the admins were told
    unreachable = "unreachable"  # the person blocked the bot (403)
    cancelled = "cancelled"  # no longer wanted (e.g. a reminder to someone who has reported)


class OutboxKind(StrEnum):
    """Why a message is sent; the sender updates the ask when an ask is delivered."""

    ask = "ask"
    remind = "remind"
    escalate = "escalate"
    notice = "notice"
    digest = "digest"


class OutboxMedia(StrEnum):
    """How an attached file is sent."""

    document = "document"
    photo = "photo"


class OutboxMessage(SQLModel, table=True):
    """One message to deliver, keyed so that the same message is never queued twice.

    `text` is the rendered HTML (split at delivery when long); `markup` the inline keyboard as
    Bot API JSON; `document` an attached file. `not_before` holds it back (quiet hours, retries).
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20, index=True)
    hq_id: int | None = Field(default=None, foreign_key="headquarters.id", index=True)
    chat_id: int = telegram_id(index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    ref_id: int | None = None  # the ask's id for an ask
    text: str = Field(default="", sa_type=Text)
    markup: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    document: bytes | None = Field(default=None, sa_type=LargeBinary)
    filename: str | None = Field(default=None, max_length=255)
    media: str = Field(
        default="document", max_length=10, sa_column_kwargs={"server_default": "document"}
    )  # the file sent as a document or a photo
    status: str = Field(default=OutboxStatus.pending, max_length=20, index=True)
    not_before: datetime = timestamp(index=True)
    attempts: int = 0
    created_at: datetime = timestamp()
    sent_at: datetime | None = timestamp(default=None)
    message_id: int | None = telegram_id(default=None)
    error: str | None = Field(default=None, max_length=500)


class SenderLease(SQLModel, table=True):
    """Who runs the sender (one process at a time), until when unless renewed."""

    __tablename__ = "sender_lease"

    name: str = Field(max_length=50, primary_key=True)
    holder: str = Field(max_length=100)
    expires_at: datetime = timestamp()
