"""停滞: a task whose progress text and metric have not changed over three monthly reports.

Compared per (task, person): the newest report on any stage of the task in each cycle of the
headquarters (cycles in month order; a month without a cycle is not a reporting month). This
month's report equal to the previous cycle's and the one before is stalled for 2 months; each
earlier equal cycle adds one. A report marked 已完成 is never stalled. Two queries at most: the
previous cycle's reports, then (only for tasks unchanged since then) the older cycles' reports.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Report, ReportStatus
from models.tasks import Stage
from services.digest.model import ItemLine, StalledLine
from services.digest.rows import ReportRow, fetch

STALLED_AFTER = 2  # months without change before a task is named
MAX_FILTERED = 2000  # more candidates than this: read the older cycles whole, not by task

Said = tuple[str, Decimal | None]  # a report's progress text and metric figure


def same(one: Said | None, other: Said) -> bool:
    """Whether two reports say the same: equal figures and, whitespace aside, equal texts."""
    if one is None or one[1] != other[1]:
        return False
    return one[0] == other[0] or one[0].split() == other[0].split()


async def _said_in(
    session: AsyncSession, cycles: Mapping[int, int], task_ids: Collection[int] | None = None
) -> dict[tuple[int, int, int], Said]:
    """What each person's newest report on each task said in these cycles (month → cycle id),
    by (month, task, person)."""
    months = {cycle_id: ym for ym, cycle_id in cycles.items()}
    query = (
        sa_select(col(Report.cycle_id), col(Stage.task_id), col(Report.person_id),
                  col(Report.progress), col(Report.metric_value))
        .join(Stage, col(Stage.id) == Report.stage_id)
        .where(col(Report.cycle_id).in_(list(months)))
        .order_by(col(Report.cycle_id), col(Stage.seq), col(Report.revision))
    )  # fmt: skip
    if task_ids is not None:
        query = query.where(col(Stage.task_id).in_(list(task_ids)))
    found = {}
    for cycle_id, task_id, person_id, progress, metric in await fetch(session, query):
        found[(months[cycle_id], task_id, person_id)] = (progress, metric)
    return found


@dataclass
class _Run:
    """An item of this month and over how many earlier cycles its report said the same."""

    item: ItemLine
    said: Said
    months: int = 0
    since_ym: int = 0


def _extend(
    runs: Sequence[_Run], months: Sequence[int], earlier: dict[tuple[int, int, int], Said]
) -> None:
    """Count back over `months` (newest first) while each run's reports say the same."""
    for run in runs:
        for ym in months:
            if not same(earlier.get((ym, run.item.task_id, run.item.person_id)), run.said):
                break
            run.months, run.since_ym = run.months + 1, ym


def _candidates(
    items: Sequence[ItemLine], reports: Mapping[tuple[int, int], ReportRow]
) -> list[_Run]:
    """This month's newest report per (task, person), unless it is 已完成."""
    current: dict[tuple[int, int], _Run] = {}
    for item in items:
        report = reports.get((item.stage_id, item.person_id))
        if report is not None:
            current[(item.task_id, item.person_id)] = _Run(
                item, (report.progress, report.metric_value)
            )
    return [r for r in current.values() if r.item.status is not ReportStatus.done]


async def stalled_lines(
    session: AsyncSession, *, ym: int, cycles: Mapping[int, int], items: Sequence[ItemLine],
    reports: Mapping[tuple[int, int], ReportRow],
) -> list[StalledLine]:  # fmt: skip
    """Every task (per person) whose report said the same over this and the last two cycles."""
    before = [month for month in sorted(cycles) if month < ym][::-1]
    if len(before) < STALLED_AFTER:
        return []
    runs = _candidates(items, reports)
    _extend(runs, before[:1], await _said_in(session, {before[0]: cycles[before[0]]}))
    runs = [r for r in runs if r.months == 1]
    if runs:
        tasks = {r.item.task_id for r in runs} if len(runs) <= MAX_FILTERED else None
        older = await _said_in(session, {m: cycles[m] for m in before[1:]}, tasks)
        _extend(runs, before[1:], older)
    return [StalledLine(r.item.number, r.item.task_name, r.item.group, r.item.unit, r.item.person,
                        r.item.progress or "", r.months, r.since_ym)
            for r in runs if r.months >= STALLED_AFTER]  # fmt: skip
