"""Shared column helpers for the tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime
from sqlmodel import Field, SQLModel


def telegram_id(**kwargs) -> int | None:  # type: ignore[no-untyped-def]
    """A Telegram user or chat id: they exceed 32 bits, so always BIGINT."""
    return Field(sa_type=BigInteger, **kwargs)


def timestamp(**kwargs) -> datetime:  # type: ignore[no-untyped-def]
    """A timezone-aware timestamp column."""
    return Field(sa_type=DateTime(timezone=True), **kwargs)


# Named constraints, so SQLite batch migrations can alter them later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
