"""Who is due to report in a month: every assignment of an active stage whose period covers it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.tasks import Assignment, Stage, Task, TaskStatus, WorkingGroup


@dataclass(frozen=True)
class DueStage:
    """One person's stage to report on in a month."""

    task_id: int
    task_number: int
    task_name: str
    group: str
    stage_id: int
    stage_seq: int
    content: str
    period_text: str
    end_ym: int
    person_id: int
    person_name: str
    unit: str


def month_key(year: int, month: int) -> int:
    """A month as the YYYYMM integer stages are stored with."""
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    return year * 100 + month


async def due_in(
    session: AsyncSession, hq_id: int, month: int, *, person_ids: list[int] | None = None
) -> list[DueStage]:
    """Every (stage, person) due in `month` (YYYYMM), by 序号 then position; any plan year.

    A stage is due in every month its period covers (task 12: its 1-3 月 stage in 2021-03, its
    4-7 月 stage in 2021-04); a stage running into the next year is due there too.
    """
    query = (
        sa_select(
            col(Task.id),
            col(Task.number),
            col(Task.name),
            func.coalesce(col(WorkingGroup.name), ""),
            col(Stage.id),
            col(Stage.seq),
            col(Stage.content),
            col(Stage.period_text),
            col(Stage.end_ym),
            col(Assignment.person_id),
            col(Person.name),
            col(Unit.name),
        )  # fmt: skip
        .join(Stage, col(Stage.task_id) == Task.id)
        .join(Assignment, col(Assignment.stage_id) == Stage.id)
        .join(Person, col(Person.id) == Assignment.person_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id)
        .join(WorkingGroup, col(WorkingGroup.id) == Task.group_id, isouter=True)
        .where(
            col(Task.hq_id) == hq_id,
            col(Task.status) == TaskStatus.active,
            col(Stage.active).is_(True),
            col(Stage.start_ym) <= month,
            col(Stage.end_ym) >= month,
        )
        .order_by(col(Task.number), col(Stage.seq), col(Assignment.position))
    )
    if person_ids is not None:
        query = query.where(col(Assignment.person_id).in_(person_ids))
    connection = await session.connection()
    due = []
    for row in (await connection.execute(query)).all():
        (
            task_id,
            number,
            name,
            group,
            stage_id,
            seq,
            content,
            period,
            end,
            person_id,
            person,
            unit,
        ) = row
        due.append(DueStage(int(task_id or 0), number, name, group, int(stage_id or 0), seq,
                            content, period, end, person_id, person, unit))  # fmt: skip
    return due
