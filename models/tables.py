"""Foundation tables: headquarters and the chats the bot has seen.

Times are always passed in by services from the injected clock; no column reads the wall clock.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import telegram_id, timestamp


class Headquarters(SQLModel, table=True):
    """A project headquarters (项目指挥部); one deployment can hold several."""

    __tablename__ = "headquarters"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    hq_chat_id: int | None = telegram_id(default=None, index=True)
    created_at: datetime = timestamp()


class Chat(SQLModel, table=True):
    """A Telegram chat the bot has talked in (private or group)."""

    __tablename__ = "chat"

    id: int = telegram_id(primary_key=True)
    type: str = Field(max_length=20)
    title: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=64)
    first_seen_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()
