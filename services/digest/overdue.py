"""逾期: stages whose end month is reached and whose newest report is not 已完成 (two queries).

Only stages that had at least one cycle of the headquarters within their period count: a stage
that ended before hqbot was used is unknown, not overdue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import exists, func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.reporting import Cycle, Report, ReportStatus
from models.tasks import Assignment, Stage, Task, TaskStatus, WorkingGroup
from services.digest.model import OverdueLine
from services.digest.progress import months_between
from services.digest.rows import STATUS, fetch


async def _ended_stages(session: AsyncSession, hq_id: int, ym: int) -> list[tuple[Any, ...]]:
    """(number, task, group, stage id, content, period, end, person id, person, unit) rows."""
    had_cycle = exists().where(
        col(Cycle.hq_id) == hq_id, col(Cycle.ym) >= Stage.start_ym, col(Cycle.ym) <= Stage.end_ym
    )
    query = (
        sa_select(col(Task.number), col(Task.name), func.coalesce(col(WorkingGroup.name), ""),
                  col(Stage.id), col(Stage.content), col(Stage.period_text), col(Stage.end_ym),
                  col(Assignment.person_id), col(Person.name), col(Unit.name))
        .join(Stage, col(Stage.task_id) == Task.id)
        .join(Assignment, col(Assignment.stage_id) == Stage.id)
        .join(Person, col(Person.id) == Assignment.person_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .join(WorkingGroup, col(WorkingGroup.id) == Task.group_id, isouter=True)
        .where(col(Task.hq_id) == hq_id, col(Task.status) == TaskStatus.active,
               col(Stage.active).is_(True), col(Stage.end_ym) <= ym, had_cycle)
        .order_by(col(Task.number), col(Stage.seq), col(Assignment.position))
    )  # fmt: skip
    return [tuple(row) for row in await fetch(session, query)]


async def _newest_reports(
    session: AsyncSession, hq_id: int, ym: int
) -> dict[tuple[int, int], tuple[ReportStatus, int]]:
    """The newest report's (status, month) up to `ym` on every ended stage, by (stage, person)."""
    query = (
        sa_select(col(Report.stage_id), col(Report.person_id), col(Report.status), col(Cycle.ym))
        .join(Cycle, col(Cycle.id) == Report.cycle_id)
        .join(Stage, col(Stage.id) == Report.stage_id)
        .where(col(Cycle.hq_id) == hq_id, col(Cycle.ym) <= ym, col(Stage.end_ym) <= ym)
        .order_by(col(Cycle.ym), col(Report.revision))
    )  # fmt: skip
    newest = {}
    for stage_id, person_id, status, month in await fetch(session, query):
        newest[(stage_id, person_id)] = (STATUS[status], int(month))
    return newest


async def overdue_lines(
    session: AsyncSession, hq_id: int, ym: int, canonical: Callable[[str], str]
) -> list[OverdueLine]:
    """Every (stage, person) past its end month and not 已完成, in 序号 order."""
    newest = await _newest_reports(session, hq_id, ym)
    lines, seen = [], set()
    for row in await _ended_stages(session, hq_id, ym):
        number, task, group, stage_id, content, period, end, person_id, person, unit = row
        key = (stage_id, person_id)
        status, month = newest.get(key, (None, None))
        if key in seen or status is ReportStatus.done:
            continue
        seen.add(key)
        lines.append(OverdueLine(number, task, group, content, period, end, canonical(unit),
                                 person, status, month, months_between(end, ym) - 1))  # fmt: skip
    return lines
