"""Units (责任单位) and persons (责任人), shared across headquarters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import telegram_id, timestamp


class Unit(SQLModel, table=True):
    """An organisation that is responsible for tasks, e.g. 鼓东街道."""

    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = timestamp()


class Person(SQLModel, table=True):
    """A person named by a task list; bound to a Telegram account once invited.

    A person is identified by name within their unit ("张林" of 华大街道); leaders named without a
    unit keep `unit_id` empty until a task list places them.
    """

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("name", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    telegram_user_id: int | None = telegram_id(default=None, unique=True)
    telegram_username: str | None = Field(default=None, max_length=64)
    bound_at: datetime | None = timestamp(default=None)
    reachable: bool = True
    created_at: datetime = timestamp()
