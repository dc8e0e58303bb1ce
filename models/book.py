"""A filled 填报表 waiting between its preview and the person's 确认 (kept in the database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary
from sqlmodel import Field, SQLModel

from models.base import timestamp
from models.tasks import PendingStatus


class PendingBook(SQLModel, table=True):
    """An uploaded 填报表 for one cycle, stored under an unguessable token until decided.

    `fingerprint` is the hash of what the preview said would be saved: confirming after that
    changed (a report given in the chat meanwhile, a task moved) is refused as stale.
    """

    __tablename__ = "pending_book"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=32, unique=True)
    uploaded_by: int = Field(sa_type=BigInteger, index=True)
    filler_id: int = Field(foreign_key="person.id", index=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=LargeBinary)
    fingerprint: str = Field(max_length=64)
    status: str = Field(default=PendingStatus.pending, max_length=20)
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(default=None)
