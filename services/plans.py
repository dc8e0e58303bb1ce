"""The current plan: headquarters → plan year → tasks, the same for the bot and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Headquarters
from services.hq import HQChoice, latest_plan_year, resolve_hq
from services.tasks import TaskView, find_group, load_tasks


class PlanStatus(StrEnum):
    """Whether there is a task list to show, and if not, why."""

    ok = "ok"
    no_hq = "no_hq"
    ambiguous = "ambiguous"
    no_tasks = "no_tasks"
    no_group = "no_group"
    not_found = "not_found"


@dataclass
class Plan:
    """The tasks of one plan year of one headquarters (or why there are none)."""

    status: PlanStatus
    hq: Headquarters | None = None
    candidates: list[str] = field(default_factory=list)
    plan_year: int | None = None
    group: str | None = None
    group_id: int | None = None
    tasks: list[TaskView] = field(default_factory=list)


async def current_plan(
    session: AsyncSession,
    *,
    hq_name: str | None = None,
    choice: HQChoice | None = None,
    year: int | None = None,
    group: str | None = None,
    group_id: int | None = None,
    number: int | None = None,
) -> Plan:
    """The named (or only) headquarters' newest plan year, optionally one group or one task.

    With `number`, withdrawn tasks are included (looking one up by 序号 should find it).
    """
    choice = choice or await resolve_hq(session, hq_name)
    hq = choice.hq
    if hq is None or hq.id is None:
        status = PlanStatus.ambiguous if choice.ambiguous else PlanStatus.no_hq
        return Plan(status, candidates=choice.candidates)
    plan = Plan(PlanStatus.ok, hq, choice.candidates)
    plan.plan_year = year or await latest_plan_year(session, hq.id)
    if plan.plan_year is None:
        plan.status = PlanStatus.no_tasks
        return plan
    if group is not None or group_id is not None:
        found = await find_group(session, hq.id, name=group, group_id=group_id)
        if found is None:
            plan.status, plan.group = PlanStatus.no_group, group
            return plan
        plan.group, plan.group_id = found.name, found.id
    plan.tasks = await load_tasks(session, hq.id, plan.plan_year, group=plan.group,
                                  number=number, include_withdrawn=number is not None)  # fmt: skip
    if not plan.tasks:
        plan.status = PlanStatus.not_found if number is not None else PlanStatus.no_tasks
    return plan
