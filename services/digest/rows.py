"""The set-based queries a digest is computed from: one query each, plain rows, no ORM objects.

A digest of 10 000 tasks must be built in well under a second, so nothing here loads per item:
each function runs one SELECT (over the whole month, the whole headquarters) and returns tuples
turned into small dataclasses keyed for dict lookups.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.reporting import Cycle, CycleStatus, Report, ReportStatus
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, Stage, Task, TaskStatus, WorkingGroup
from services.reporting.answers import MetricSpec

Ts = TypeVarTuple("Ts")
STATUS = {status.value: status for status in ReportStatus}  # faster than ReportStatus(text)


@dataclass(slots=True)
class DueItem:
    """One (stage, person) due in the month: the task, the stage, who answers for it."""

    task_id: int
    number: int
    task_name: str
    group: str
    stage_id: int
    content: str
    period_text: str
    start_ym: int
    end_ym: int
    person_id: int
    person: str
    unit: str
    plan_year: int
    metric: MetricSpec | None

    @property
    def key(self) -> tuple[int, int]:
        """(stage id, person id): what a report is about."""
        return (self.stage_id, self.person_id)


@dataclass(slots=True)
class ReportRow:
    """The newest revision of one report, as far as a digest reads it."""

    stage_id: int
    person_id: int
    filler_id: int
    status: ReportStatus
    progress: str
    problems: str | None
    next_goal: str | None
    metric_value: Decimal | None
    via: str
    late: bool
    submitted_at: datetime


@dataclass(frozen=True)
class GroupRow:
    """A working group in the task list's order, with its leaders' names in theirs."""

    id: int
    name: str
    position: int
    leaders: list[str]


async def fetch(session: AsyncSession, query: Select[*Ts]) -> Sequence[Row[*Ts]]:
    """All rows of a Core query, on the session's connection (no ORM row processing)."""
    connection = await session.connection()
    return (await connection.execute(query)).all()


def _covers(ym: int) -> list[ColumnElement[bool]]:
    """The filter of stages of active tasks due in `ym` (as `due_in` has it)."""
    return [
        col(Task.status) == TaskStatus.active,
        col(Stage.active).is_(True),
        col(Stage.start_ym) <= ym,
        col(Stage.end_ym) >= ym,
    ]


async def due_items(session: AsyncSession, hq_id: int, ym: int) -> list[DueItem]:
    """Every (stage, person) due in `ym`, in 序号 / stage / lead-unit-first order, once each.

    The same items as `services.due.due_in` (same joins and filter; a test holds them equal),
    with each stage's start month, plan year and metric in the same query, as plain slotted
    rows (a frozen dataclass costs more to build than the query).
    """
    query = (
        sa_select(col(Task.id), col(Task.number), col(Task.name),
                  func.coalesce(col(WorkingGroup.name), ""), col(Stage.id), col(Stage.seq),
                  col(Stage.content), col(Stage.period_text), col(Stage.end_ym),
                  col(Assignment.person_id), col(Person.name), col(Unit.name),
                  col(Stage.start_ym), col(Task.plan_year), col(Task.metric_name),
                  col(Task.metric_unit), col(Task.metric_annual_target))
        .join(Stage, col(Stage.task_id) == Task.id)
        .join(Assignment, col(Assignment.stage_id) == Stage.id)
        .join(Person, col(Person.id) == Assignment.person_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .join(WorkingGroup, col(WorkingGroup.id) == Task.group_id, isouter=True)
        .where(col(Task.hq_id) == hq_id, *_covers(ym))
        .order_by(col(Task.number), col(Stage.seq), col(Assignment.position))
    )  # fmt: skip
    items, seen = [], set()
    specs: dict[int, MetricSpec | None] = {}
    for row in await fetch(session, query):
        (task, number, name, group, stage, _seq, content, period, end, person, who, unit,
         start, year, metric, metric_unit, target) = row  # fmt: skip
        key = (stage or 0, person)
        if key in seen:
            continue
        seen.add(key)
        if key[0] not in specs:
            specs[key[0]] = (
                MetricSpec(metric, metric_unit, target) if metric and metric_unit else None
            )
        items.append(DueItem(task or 0, number, name, group, key[0], content, period, start, end,
                             person, who, unit, year, specs[key[0]]))  # fmt: skip
    return items


async def month_reports(session: AsyncSession, cycle_id: int) -> dict[tuple[int, int], ReportRow]:
    """The newest revision of every report of a cycle, by (stage id, person id)."""
    query = (
        sa_select(col(Report.stage_id), col(Report.person_id), col(Report.filler_id),
                  col(Report.status), col(Report.progress), col(Report.problems),
                  col(Report.next_goal), col(Report.metric_value), col(Report.via),
                  col(Report.late), col(Report.submitted_at))
        .where(col(Report.cycle_id) == cycle_id)
        .order_by(col(Report.revision))
    )  # fmt: skip
    latest: dict[tuple[int, int], ReportRow] = {}
    for row in await fetch(session, query):
        stage, person, filler, status, progress, problems, goal, metric, via, late, at = row
        latest[(stage, person)] = ReportRow(stage, person, filler, STATUS[status],
                                            progress, problems, goal, metric, via, bool(late),
                                            at)  # fmt: skip
    return latest


async def group_rows(session: AsyncSession, hq_id: int) -> list[GroupRow]:
    """The headquarters' working groups by position, with their leaders by position."""
    query = (
        sa_select(col(WorkingGroup.id), col(WorkingGroup.name), col(WorkingGroup.position),
                  col(Person.name))
        .join(GroupLeader, col(GroupLeader.group_id) == WorkingGroup.id, isouter=True)
        .join(Person, col(Person.id) == GroupLeader.person_id, isouter=True)
        .where(col(WorkingGroup.hq_id) == hq_id)
        .order_by(col(WorkingGroup.position), col(WorkingGroup.id), col(GroupLeader.position),
                  col(Person.id))
    )  # fmt: skip
    groups: dict[int, GroupRow] = {}
    for group_id, name, position, leader in await fetch(session, query):
        group = groups.setdefault(group_id or 0, GroupRow(group_id or 0, name, position, []))
        if leader is not None:
            group.leaders.append(leader)
    return list(groups.values())


async def person_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    """Persons' names by id (one query; none when `ids` is empty)."""
    if not ids:
        return {}
    query = sa_select(col(Person.id), col(Person.name)).where(col(Person.id).in_(list(ids)))
    return {pid or 0: name for pid, name in await fetch(session, query)}


@dataclass(frozen=True)
class CycleRow:
    """A cycle of the headquarters as a digest reads it."""

    id: int
    ym: int
    closed: bool
    due_on: date


async def cycle_rows(session: AsyncSession, hq_id: int) -> dict[int, CycleRow]:
    """Every cycle of the headquarters by month (YYYYMM), in month order."""
    query = (
        sa_select(col(Cycle.id), col(Cycle.ym), col(Cycle.status), col(Cycle.due_on))
        .where(col(Cycle.hq_id) == hq_id)
        .order_by(col(Cycle.ym))
    )
    rows = await fetch(session, query)
    return {
        ym: CycleRow(cid or 0, ym, status == CycleStatus.closed, due_on)
        for cid, ym, status, due_on in rows
    }


async def hq_name(session: AsyncSession, hq_id: int) -> str | None:
    """The headquarters' name (None: no such headquarters)."""
    query = sa_select(col(Headquarters.name)).where(col(Headquarters.id) == hq_id)
    rows = await fetch(session, query)
    return rows[0][0] if rows else None
