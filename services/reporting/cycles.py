"""The reporting month of a headquarters: open it, close it, find it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Cycle, CycleStatus
from services.due import month_key

_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def parse_month(text: str) -> int | None:
    """'2021-11', '2021/11', '2021年11月', '202111' as YYYYMM; None when it is not a month."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = _MONTH.fullmatch(text)
    if match is None and re.fullmatch(r"\d{6}", text):
        year, month = int(text[:4]), int(text[4:])
    elif match is not None:
        year, month = int(match[1]), int(match[2])
    else:
        return None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return month_key(year, month)


def this_month(now: datetime) -> int:
    """The month `now` falls in (in the clock's zone) as YYYYMM."""
    return month_key(now.year, now.month)


def due_date(ym: int, due_day: int) -> date:
    """The day a month's reports are due."""
    return date(ym // 100, ym % 100, due_day)


def is_late(cycle: Cycle, now: datetime) -> bool:
    """Whether a report given at `now` (the headquarters' local time) is past the due day."""
    return now.date() > cycle.due_on


class OpenKind(StrEnum):
    """What `/cycle open` did."""

    opened = "opened"
    reopened = "reopened"  # a closed month opened again (asks are not sent twice)
    already_open = "already_open"
    other_open = "other_open"  # another month is open: close it first


@dataclass(frozen=True)
class OpenOutcome:
    """The cycle opened (or the one in the way) and what happened."""

    kind: OpenKind
    cycle: Cycle


async def open_cycle_of(session: AsyncSession, hq_id: int) -> Cycle | None:
    """The headquarters' open cycle, if one is open."""
    query = select(Cycle).where(Cycle.hq_id == hq_id, Cycle.status == CycleStatus.open)
    return (await session.exec(query)).first()


async def cycle_of(session: AsyncSession, hq_id: int, ym: int) -> Cycle | None:
    """The headquarters' cycle of a month, open or closed."""
    return (await session.exec(select(Cycle).where(Cycle.hq_id == hq_id, Cycle.ym == ym))).first()


async def latest_cycle(session: AsyncSession, hq_id: int) -> Cycle | None:
    """The open cycle, else the most recent month's."""
    current = await open_cycle_of(session, hq_id)
    if current is not None:
        return current
    query = select(Cycle).where(Cycle.hq_id == hq_id).order_by(col(Cycle.ym).desc())
    return (await session.exec(query)).first()


async def open_cycle(
    session: AsyncSession, *, hq_id: int, ym: int, now: datetime, by: int | None,
    due_day: int | None = None, due_on: date | None = None,
) -> OpenOutcome:  # fmt: skip
    """Open a month for reporting (one open month per headquarters); commit.

    Reports are due `due_on` (the schedule's day, moved off holidays), else on `due_day`.
    """
    if due_on is None:
        if due_day is None:
            raise ValueError("open_cycle needs due_on or due_day")
        due_on = due_date(ym, due_day)
    current = await open_cycle_of(session, hq_id)
    if current is not None:
        kind = OpenKind.already_open if current.ym == ym else OpenKind.other_open
        return OpenOutcome(kind, current)
    cycle = await cycle_of(session, hq_id, ym)
    kind = OpenKind.opened
    if cycle is None:
        cycle = Cycle(hq_id=hq_id, ym=ym, due_on=due_on, opened_at=now, opened_by=by)
    else:
        kind = OpenKind.reopened
        cycle.status, cycle.closed_at, cycle.closed_by = CycleStatus.open, None, None
    session.add(cycle)
    await session.commit()
    return OpenOutcome(kind, cycle)


class CloseKind(StrEnum):
    """What `/cycle close` did."""

    closed = "closed"
    none_open = "none_open"


@dataclass(frozen=True)
class CloseOutcome:
    """The cycle closed, if one was open."""

    kind: CloseKind
    cycle: Cycle | None = None


async def close_cycle(
    session: AsyncSession, *, hq_id: int, now: datetime, by: int | None
) -> CloseOutcome:
    """Close the open month: no more reports or revisions (but for /reopen); commit."""
    cycle = await open_cycle_of(session, hq_id)
    if cycle is None:
        return CloseOutcome(CloseKind.none_open)
    cycle.status, cycle.closed_at, cycle.closed_by = CycleStatus.closed, now, by
    session.add(cycle)
    await session.commit()
    return CloseOutcome(CloseKind.closed, cycle)


async def set_due_on(session: AsyncSession, cycle: Cycle, due_on: date) -> Cycle:
    """Change the day a cycle's reports are due (its schedule changed); commit."""
    cycle.due_on = due_on
    session.add(cycle)
    await session.commit()
    return cycle
