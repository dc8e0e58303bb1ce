"""The task list: working groups, tasks, their stages and who is responsible for each stage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, LargeBinary, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import timestamp


class TaskStatus(StrEnum):
    """Lifecycle of a task; withdrawn tasks keep their reports."""

    active = "active"
    completed = "completed"
    withdrawn = "withdrawn"


class WorkingGroup(SQLModel, table=True):
    """A working group (工作小组) of one headquarters."""

    __tablename__ = "working_group"
    __table_args__ = (UniqueConstraint("hq_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    name: str = Field(max_length=100)
    position: int = 0
    member_units: str = Field(default="", sa_type=Text)


class GroupLeader(SQLModel, table=True):
    """A leader (组长) of a working group, with their title (组长职务)."""

    __tablename__ = "group_leader"

    group_id: int = Field(foreign_key="working_group.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    title: str = Field(default="", max_length=100)
    position: int = 0


class HQLeader(SQLModel, table=True):
    """A headquarters leader (指挥长 / 副指挥长)."""

    __tablename__ = "hq_leader"

    hq_id: int = Field(foreign_key="headquarters.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)
    role: str = Field(max_length=50)
    title: str = Field(default="", max_length=100)
    position: int = 0


class Task(SQLModel, table=True):
    """A task (项目/任务) of a headquarters' plan year, identified by its 序号."""

    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("hq_id", "plan_year", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    hq_id: int = Field(foreign_key="headquarters.id", index=True)
    plan_year: int
    number: int
    group_id: int | None = Field(default=None, foreign_key="working_group.id", index=True)
    name: str = Field(max_length=200)
    status: str = Field(default=TaskStatus.active, max_length=20)
    metric_name: str | None = Field(default=None, max_length=50)
    metric_unit: str | None = Field(default=None, max_length=20)
    metric_annual_target: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))
    total_investment: Decimal | None = Field(default=None, sa_type=Numeric(18, 4))
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Stage(SQLModel, table=True):
    """One stage of a task: its content and the months it covers (YYYYMM, inclusive)."""

    __tablename__ = "stage"
    __table_args__ = (UniqueConstraint("task_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    seq: int
    content: str = Field(sa_type=Text)
    start_ym: int = Field(index=True)
    end_ym: int = Field(index=True)
    period_text: str = Field(default="", max_length=50)
    active: bool = True


class Assignment(SQLModel, table=True):
    """Who answers for a stage: a unit and its responsible person, in the file's order."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("stage_id", "unit_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    stage_id: int = Field(foreign_key="stage.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    position: int = 0


class PendingStatus(StrEnum):
    """Where an uploaded file stands between its preview and the admin's decision."""

    pending = "pending"
    applied = "applied"
    cancelled = "cancelled"
    expired = "expired"


class PendingImport(SQLModel, table=True):
    """A task-list file an admin sent, kept between the preview and the confirm button.

    `fingerprint` is the hash of the database state the preview was computed on: confirming
    after another import changed that state is refused as stale.
    """

    __tablename__ = "pending_import"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=32, unique=True)
    uploaded_by: int = Field(sa_type=BigInteger, index=True)
    hq_name: str = Field(max_length=200)
    plan_year: int
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=LargeBinary)
    status: str = Field(default=PendingStatus.pending, max_length=20)
    fingerprint: str = Field(default="", max_length=64)
    rename_hq_to: str | None = Field(default=None, max_length=200)
    created_at: datetime = timestamp()
    decided_at: datetime | None = timestamp(default=None)
