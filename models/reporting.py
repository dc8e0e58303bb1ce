"""The reporting month: cycles, the asks sent, drafts as they are typed, reports and evidence."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import telegram_id, timestamp


class CycleStatus(StrEnum):
    """A reporting month is open (reports accepted) or closed."""

    open = "open"
    closed = "closed"


class Cycle(SQLModel, table=True):
    """One headquarters' reporting month (`ym` is YYYYMM); reports are due by `due_on`."""

    __tablename__ = "cycle"
    __table_args__ = (UniqueConstraint("hq_id", "ym"),)

    id: int | None = Field(default=None, primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    ym: int = Field(index=True)
    status: str = Field(default=CycleStatus.open, max_length=10)
    due_on: date
    opened_at: datetime = timestamp()
    opened_by: int | None = Field(default=None, sa_type=BigInteger)
    closed_at: datetime | None = timestamp(default=None)
    closed_by: int | None = Field(default=None, sa_type=BigInteger)


class Ask(SQLModel, table=True):
    """The one ask a person gets in a cycle (sent once, whatever restarts happen)."""

    __tablename__ = "ask"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    chat_id: int | None = telegram_id(default=None)
    message_id: int | None = telegram_id(default=None)
    created_at: datetime = timestamp()
    sent_at: datetime | None = timestamp(default=None)
    error: str | None = Field(default=None, max_length=200)


class ReportStatus(StrEnum):
    """A task's state as the responsible person reports it."""

    done = "done"  # 已完成
    on_track = "on_track"  # 按计划推进
    behind = "behind"  # 进度滞后
    blocked = "blocked"  # 受阻需协调
    not_started = "not_started"  # 未启动


class ReportDraft(SQLModel, table=True):
    """A report being typed: the current step and every answer given so far.

    One per (cycle, responsible person, stage); `filler_id` is who types it (the person or
    their liaison). `paused` drafts wait for /report; at most one draft per filler is live.
    """

    __tablename__ = "report_draft"
    __table_args__ = (UniqueConstraint("cycle_id", "person_id", "stage_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    filler_id: int = Field(foreign_key="person.id", index=True)
    step: str = Field(max_length=20)
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    paused: bool = False
    revising: bool = False
    prompt_message_id: int | None = telegram_id(default=None)
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Report(SQLModel, table=True):
    """One submitted revision of a person's report on a stage in a cycle; none is overwritten."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("cycle_id", "stage_id", "person_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    revision: int = 1
    filler_id: int = Field(foreign_key="person.id")
    status: str = Field(max_length=20)
    progress: str = Field(sa_type=Text)
    problems: str | None = Field(default=None, sa_type=Text)
    next_goal: str | None = Field(default=None, sa_type=Text)
    metric_value: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))
    via: str = Field(default="chat", max_length=10)
    late: bool = False
    submitted_at: datetime = timestamp()


class Evidence(SQLModel, table=True):
    """A photo or document backing a report, kept as Telegram's file_id."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    kind: str = Field(max_length=10)
    file_id: str = Field(max_length=255)
    file_unique_id: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=255)
    mime: str | None = Field(default=None, max_length=100)
    size: int | None = Field(default=None, sa_type=BigInteger)
    position: int = 0


class Reopen(SQLModel, table=True):
    """An admin's leave to revise one report once more after its cycle closed."""

    __tablename__ = "reopen"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    stage_id: int = Field(foreign_key="stage.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    granted_by: int | None = Field(default=None, sa_type=BigInteger)
    granted_at: datetime = timestamp()
    used_at: datetime | None = timestamp(default=None)
    report_id: int | None = Field(default=None, foreign_key="report.id")


class ChatHQ(SQLModel, table=True):
    """The headquarters a chat works on, chosen with /hq (for people in several)."""

    __tablename__ = "chat_hq"

    chat_id: int = telegram_id(primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    chosen_at: datetime = timestamp()
