"""A task's reports month by month, as a leader reads them under /task."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import CycleStatus
from services.amounts import PERCENT
from services.reporting.reports import task_history

MONTHS_SHOWN = 12
_TENTH = Decimal("0.1")


def share_of_target(
    value: Decimal | None, target: Decimal | None, unit: str | None
) -> Decimal | None:
    """A cumulative figure as a percentage of the annual target (one decimal), when it has one.

    A rate (unit %) is not a share of anything, so it has none.
    """
    if value is None or target is None or target <= 0 or unit == PERCENT:
        return None
    return (value * 100 / target).quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class HistoryEntry:
    """One responsible person's newest revision of a month's report on the task."""

    person: str
    filler: str | None  # who typed it, when not the responsible person (代填)
    status: str
    progress: str
    problems: str | None
    goal: str | None
    metric: Decimal | None
    share: Decimal | None  # % of the annual target
    late: bool
    revisions: int  # times revised after the first submission
    evidence: int
    submitted_at: datetime


@dataclass
class HistoryMonth:
    """A month's reports on the task."""

    ym: int
    open: bool
    entries: list[HistoryEntry] = field(default_factory=list)


async def task_months(
    session: AsyncSession,
    task_id: int,
    *,
    metric_unit: str | None,
    target: Decimal | None,
    months: int = MONTHS_SHOWN,
) -> list[HistoryMonth]:
    """The task's reports, newest month first (at most `months`), each person's latest revision."""
    history = []
    for month in await task_history(session, task_id, months=months):
        shown = HistoryMonth(month.ym, month.cycle_status == CycleStatus.open)
        for report, person, filler, files in month.reports:
            shown.entries.append(HistoryEntry(
                person=person, filler=filler if report.filler_id != report.person_id else None,
                status=report.status, progress=report.progress, problems=report.problems,
                goal=report.next_goal, metric=report.metric_value,
                share=share_of_target(report.metric_value, target, metric_unit),
                late=report.late, revisions=report.revision - 1, evidence=files,
                submitted_at=report.submitted_at,
            ))  # fmt: skip
        history.append(shown)
    return history
