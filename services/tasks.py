"""Read the task list back: listings, one task with its stages, and the export rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.tasks import Assignment, Stage, Task, TaskStatus, WorkingGroup
from services import tasklist as tl


@dataclass
class StageView:
    """One stage as people read it."""

    seq: int
    content: str
    start: tl.YearMonth
    end: tl.YearMonth
    period_text: str
    assignments: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TaskView:
    """One task with its group, metric and active stages."""

    id: int
    number: int
    name: str
    group: str
    status: str
    plan_year: int
    metric_name: str | None
    metric_unit: str | None
    metric_annual_target: Decimal | None
    total_investment: Decimal | None
    stages: list[StageView] = field(default_factory=list)


def ym(value: int) -> tl.YearMonth:
    """YYYYMM integer → YearMonth."""
    return tl.YearMonth(value // 100, value % 100)


async def load_tasks(
    session: AsyncSession,
    hq_id: int,
    plan_year: int,
    *,
    group: str | None = None,
    number: int | None = None,
    include_withdrawn: bool = False,
) -> list[TaskView]:
    """Tasks of a headquarters' plan year, ordered by 序号, with stages and assignments."""
    query = (
        select(Task, WorkingGroup.name)
        .join(WorkingGroup, col(WorkingGroup.id) == Task.group_id, isouter=True)
        .where(Task.hq_id == hq_id, Task.plan_year == plan_year)
        .order_by(col(Task.number))
    )
    if group:
        query = query.where(WorkingGroup.name == group)
    if number is not None:
        query = query.where(Task.number == number)
    if not include_withdrawn:
        query = query.where(Task.status != TaskStatus.withdrawn)
    rows = (await session.exec(query)).all()
    views = {
        task.id: TaskView(
            id=task.id,  # type: ignore[arg-type]
            number=task.number,
            name=task.name,
            group=group_name or "",
            status=task.status,
            plan_year=task.plan_year,
            metric_name=task.metric_name,
            metric_unit=task.metric_unit,
            metric_annual_target=task.metric_annual_target,
            total_investment=task.total_investment,
        )
        for task, group_name in rows
    }
    if not views:
        return []
    stages = (
        await session.exec(
            select(Stage)
            .where(col(Stage.task_id).in_(list(views)), col(Stage.active).is_(True))
            .order_by(col(Stage.task_id), col(Stage.seq))
        )
    ).all()
    people: dict[int, list[tuple[str, str]]] = defaultdict(list)
    stage_ids = [s.id for s in stages]
    for i in range(0, len(stage_ids), 5000):
        pairs = (
            await session.exec(
                select(Assignment.stage_id, Unit.name, Person.name)
                .join(Unit, col(Unit.id) == Assignment.unit_id)
                .join(Person, col(Person.id) == Assignment.person_id)
                .where(col(Assignment.stage_id).in_(stage_ids[i : i + 5000]))
                .order_by(col(Assignment.stage_id), col(Assignment.position))
            )
        ).all()
        for stage_id, unit, person in pairs:
            people[stage_id].append((unit, person))
    for s in stages:
        views[s.task_id].stages.append(
            StageView(s.seq, s.content, ym(s.start_ym), ym(s.end_ym), s.period_text, people[s.id])  # type: ignore[index]
        )
    return list(views.values())


def to_parsed(view: TaskView) -> tl.Task:
    """A stored task in the parser's shape, for the Excel export."""
    metric = (
        tl.Metric(view.metric_name, view.metric_unit or "", view.metric_annual_target)
        if view.metric_name and view.metric_annual_target is not None
        else None
    )
    return tl.Task(
        number=view.number,
        group=view.group,
        name=view.name,
        stages=[
            tl.Stage(
                content=s.content,
                start=s.start,
                end=s.end,
                period_text=s.period_text,
                assignments=[tl.Assignment(u, p) for u, p in s.assignments],
            )
            for s in view.stages
        ],
        metric=metric,
        total_investment=view.total_investment,
    )


async def find_group(
    session: AsyncSession, hq_id: int, *, name: str | None = None, group_id: int | None = None
) -> WorkingGroup | None:
    """A working group of a headquarters, by name or by id."""
    query = select(WorkingGroup).where(WorkingGroup.hq_id == hq_id)
    if name is not None:
        query = query.where(WorkingGroup.name == name)
    if group_id is not None:
        query = query.where(WorkingGroup.id == group_id)
    return (await session.exec(query)).first()
