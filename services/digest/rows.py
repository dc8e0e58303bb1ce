"""The set-based queries a digest is computed from: one query each, plain rows, no ORM objects.

A digest of 10 000 tasks must be built in well under a second, so nothing here loads per item:
each function runs one SELECT (over the whole month, the whole headquarters) and returns tuples
turned into small dataclasses keyed for dict lookups.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person
from models.reporting import Cycle, CycleStatus, Report, ReportStatus
from models.tables import Headquarters
from models.tasks import GroupLeader, Stage, Task, TaskStatus, WorkingGroup
from services.due import DueStage, due_in
from services.reporting.answers import MetricSpec


@dataclass(frozen=True)
class StageFacts:
    """What a digest needs of a due stage beyond `DueStage`: its start, plan year and metric."""

    start_ym: int
    plan_year: int
    metric: MetricSpec | None


@dataclass(frozen=True)
class DueItem:
    """One (stage, person) due in the month: who and what (`due`), and the stage's facts."""

    due: DueStage
    facts: StageFacts

    @property
    def key(self) -> tuple[int, int]:
        """(stage id, person id): what a report is about."""
        return (self.due.stage_id, self.due.person_id)


@dataclass(frozen=True)
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


def _covers(ym: int) -> list[ColumnElement[bool]]:
    """The filter of stages of active tasks due in `ym` (as `due_in` has it)."""
    return [
        col(Task.status) == TaskStatus.active,
        col(Stage.active).is_(True),
        col(Stage.start_ym) <= ym,
        col(Stage.end_ym) >= ym,
    ]


async def stage_facts(session: AsyncSession, hq_id: int, ym: int) -> dict[int, StageFacts]:
    """Start month, plan year and metric of every stage due in `ym`, by stage id."""
    query = (
        sa_select(col(Stage.id), col(Stage.start_ym), col(Task.plan_year), col(Task.metric_name),
                  col(Task.metric_unit), col(Task.metric_annual_target))
        .join(Task, col(Task.id) == Stage.task_id)
        .where(col(Task.hq_id) == hq_id, *_covers(ym))
    )  # fmt: skip
    facts = {}
    for stage_id, start, year, name, unit, target in (await session.execute(query)).all():
        metric = MetricSpec(name, unit, target) if name and unit else None
        facts[int(stage_id)] = StageFacts(start, year, metric)
    return facts


async def due_items(session: AsyncSession, hq_id: int, ym: int) -> list[DueItem]:
    """Every (stage, person) due in `ym`, in 序号 / stage / lead-unit-first order, once each."""
    facts = await stage_facts(session, hq_id, ym)
    items, seen = [], set()
    for due in await due_in(session, hq_id, ym):
        key = (due.stage_id, due.person_id)
        if key not in seen and due.stage_id in facts:
            seen.add(key)
            items.append(DueItem(due, facts[due.stage_id]))
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
    for row in (await session.execute(query)).all():
        stage, person, filler, status, progress, problems, goal, metric, via, late, at = row
        latest[(stage, person)] = ReportRow(stage, person, filler, ReportStatus(status),
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
    for group_id, name, position, leader in (await session.execute(query)).all():
        group = groups.setdefault(group_id, GroupRow(group_id, name, position, []))
        if leader is not None:
            group.leaders.append(leader)
    return list(groups.values())


async def person_names(session: AsyncSession, ids: Collection[int]) -> dict[int, str]:
    """Persons' names by id (one query; none when `ids` is empty)."""
    if not ids:
        return {}
    query = sa_select(col(Person.id), col(Person.name)).where(col(Person.id).in_(list(ids)))
    return {int(pid): name for pid, name in (await session.execute(query)).all()}


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
    rows = (await session.execute(query)).all()
    return {
        int(ym): CycleRow(int(cid), int(ym), status == CycleStatus.closed, due_on)
        for cid, ym, status, due_on in rows
    }


async def hq_name(session: AsyncSession, hq_id: int) -> str | None:
    """The headquarters' name (None: no such headquarters)."""
    query = sa_select(col(Headquarters.name)).where(col(Headquarters.id) == hq_id)
    return (await session.execute(query)).scalar_one_or_none()
