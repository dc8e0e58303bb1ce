"""The month's schedule as carried out: runs done per cycle, and each HQ's own settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class CycleRun(SQLModel, table=True):
    """A scheduled run (open, reminder n, escalation, close) done for a cycle, once."""

    __tablename__ = "cycle_run"
    __table_args__ = (UniqueConstraint("cycle_id", "kind", "n"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: str = Field(max_length=20)
    n: int = 0
    due_at: datetime = timestamp()
    done_at: datetime = timestamp()
    by: int | None = Field(default=None, sa_type=BigInteger)  # an admin's /remind; None: the clock


class ScheduleSetting(SQLModel, table=True):
    """One [cycle] setting a headquarters changed with /schedule set (the text as typed)."""

    __tablename__ = "schedule_setting"

    hq_id: int = Field(foreign_key="headquarters.id", primary_key=True)
    name: str = Field(max_length=30, primary_key=True)
    value: str = Field(max_length=50)
    changed_by: int | None = Field(default=None, sa_type=BigInteger)
    changed_at: datetime = timestamp()
