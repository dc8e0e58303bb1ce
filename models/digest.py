"""What the digests need beyond the month's reports: unit aliases and each chat's language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from models.base import telegram_id, timestamp


class UnitAlias(SQLModel, table=True):
    """Another spelling of a unit (附件1 vs 附件2), shown everywhere as `canonical`."""

    __tablename__ = "unit_alias"

    alias: str = Field(max_length=100, primary_key=True)
    canonical: str = Field(max_length=100, index=True)
    added_by: int | None = Field(default=None, sa_type=BigInteger)
    added_at: datetime = timestamp()


class ChatLanguage(SQLModel, table=True):
    """The language a person (their private chat) or a group chose with /lang."""

    __tablename__ = "chat_language"

    chat_id: int = telegram_id(primary_key=True)
    language: str = Field(max_length=5)
    set_by: int | None = Field(default=None, sa_type=BigInteger)
    set_at: datetime = timestamp()
