"""The month as the coordination office runs it: open a month (checked first), find a due item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Cycle
from services.due import due_in
from services.hq import latest_plan_year
from services.reporting.cycles import cycle_of, open_cycle
from services.reporting.reports import Item, items_for


class MonthOpenKind(StrEnum):
    """What `/cycle open` did, or why it did nothing."""

    opened = "opened"
    reopened = "reopened"  # a closed month opened again
    already_open = "already_open"
    other_open = "other_open"  # another month is open: close it first
    no_tasks = "no_tasks"  # the headquarters has no task list yet
    nothing_due = "nothing_due"  # no task stage covers that month: nothing opened


@dataclass(frozen=True)
class MonthOpen:
    """The cycle opened (or the one in the way), or why none was."""

    kind: MonthOpenKind
    cycle: Cycle | None = None

    @property
    def asks(self) -> bool:
        """Whether the month's asks should go out now (to everyone not reached yet)."""
        return self.kind in (
            MonthOpenKind.opened, MonthOpenKind.reopened, MonthOpenKind.already_open
        )  # fmt: skip


async def open_month(
    session: AsyncSession, *, hq_id: int, ym: int, due_on: date, now: datetime, by: int | None
) -> MonthOpen:
    """Open a month for reporting unless there is no task list or nothing is due that month."""
    if await latest_plan_year(session, hq_id) is None:
        return MonthOpen(MonthOpenKind.no_tasks)
    if await cycle_of(session, hq_id, ym) is None and not await due_in(session, hq_id, ym):
        return MonthOpen(MonthOpenKind.nothing_due)
    outcome = await open_cycle(session, hq_id=hq_id, ym=ym, due_on=due_on, now=now, by=by)
    return MonthOpen(MonthOpenKind(outcome.kind.value), outcome.cycle)


async def has_task_list(session: AsyncSession, hq_id: int) -> bool:
    """Whether the headquarters has imported a task list."""
    return await latest_plan_year(session, hq_id) is not None


async def due_item(session: AsyncSession, cycle: Cycle, person_id: int, number: int) -> Item | None:
    """The person's due item with this 序号 in the cycle (its stage, task name and unit)."""
    items = await items_for(session, cycle, [person_id])
    return next((i for i in items if i.due.task_number == number), None)
