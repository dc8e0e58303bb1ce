"""The month's schedule (open, reminders, due, escalation, close) and quiet hours; pure.

Days that are not working days (services/workdays.py: China's public holidays and make-up
working days, or weekends only) move to the next working day. Every moment is an aware datetime
in the headquarters' zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from services.workdays import (
    is_working_day,
    next_working_day,
    working_day_after,
    working_days_before,
)

# A quiet stretch never lasts longer than this (the longest holiday is 8 or 9 days).
_MAX_QUIET_STEPS = 100


class ScheduleRules(Protocol):
    """The settings the schedule reads (the [cycle] table, or a headquarters' own Rules)."""

    @property
    def due_day(self) -> int: ...  # noqa: D102

    @property
    def open_day(self) -> int: ...  # noqa: D102

    @property
    def open_time(self) -> time: ...  # noqa: D102

    @property
    def remind_days_before(self) -> int: ...  # noqa: D102

    @property
    def remind_time(self) -> time: ...  # noqa: D102

    @property
    def escalate_time(self) -> time: ...  # noqa: D102

    @property
    def close_time(self) -> time: ...  # noqa: D102

    @property
    def holidays(self) -> bool: ...  # noqa: D102

    @property
    def quiet_start(self) -> time: ...  # noqa: D102

    @property
    def quiet_end(self) -> time: ...  # noqa: D102

    @property
    def quiet_weekends(self) -> bool: ...  # noqa: D102


def is_quiet_time(at: time, start: time, end: time) -> bool:
    """Whether a time of day is inside the nightly quiet hours start–end (start == end: none)."""
    if start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


class RunKind(StrEnum):
    """What a scheduled run does."""

    open = "open"
    remind = "remind"
    escalate = "escalate"
    close = "close"


@dataclass(frozen=True)
class ScheduledRun:
    """One scheduled run of a month; `n` numbers the reminders from 1 (0 for the others)."""

    kind: RunKind
    at: datetime
    n: int = 0


@dataclass(frozen=True)
class MonthSchedule:
    """When a month opens, is reminded, is due, is escalated and closes."""

    ym: int
    opens_at: datetime
    reminders: tuple[datetime, ...]
    due_on: date
    escalates_at: datetime
    closes_at: datetime

    def runs(self) -> tuple[ScheduledRun, ...]:
        """Every run of the month in time order."""
        runs = [ScheduledRun(RunKind.open, self.opens_at)]
        runs += [
            ScheduledRun(RunKind.remind, at, n) for n, at in enumerate(self.reminders, start=1)
        ]
        runs += [
            ScheduledRun(RunKind.escalate, self.escalates_at),
            ScheduledRun(RunKind.close, self.closes_at),
        ]
        return tuple(sorted(runs, key=lambda run: run.at))


def _day_of(ym: int, day: int) -> date:
    """Day `day` of the month YYYYMM."""
    return date(ym // 100, ym % 100, day)


def due_on(ym: int, settings: ScheduleRules) -> date:
    """The month's due date: due_day, moved to the next working day when it is not one."""
    return next_working_day(_day_of(ym, settings.due_day), holidays=settings.holidays)


def month_schedule(ym: int, settings: ScheduleRules, tz: tzinfo) -> MonthSchedule:
    """The month's open, reminders, due date, escalation and close in the zone `tz`."""
    holidays = settings.holidays

    def at(day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=tz)

    due = due_on(ym, settings)
    open_day = next_working_day(_day_of(ym, settings.open_day), holidays=holidays)
    opens_at = at(open_day, settings.open_time)
    first = working_days_before(due, settings.remind_days_before, holidays=holidays)
    # A reminder before (or with) the ask is no reminder; the same moment twice is one.
    reminders = tuple(
        sorted(
            moment
            for moment in {at(first, settings.remind_time), at(due, settings.remind_time)}
            if moment > opens_at
        )
    )
    return MonthSchedule(
        ym=ym,
        opens_at=opens_at,
        reminders=reminders,
        due_on=due,
        escalates_at=at(due, settings.escalate_time),
        closes_at=at(working_day_after(due, holidays=holidays), settings.close_time),
    )


def _local(dt: datetime, tz: tzinfo | None) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("expected an aware datetime")
    return dt.astimezone(tz) if tz is not None else dt


def _quiet_all_day(day: date, settings: ScheduleRules) -> bool:
    return settings.quiet_weekends and not is_working_day(day, holidays=settings.holidays)


def in_quiet_hours(dt: datetime, settings: ScheduleRules, *, tz: tzinfo | None = None) -> bool:
    """Whether nothing scheduled may be sent at `dt` (read in `tz`, else in dt's own zone)."""
    local = _local(dt, tz)
    return _quiet_all_day(local.date(), settings) or is_quiet_time(
        local.time(), settings.quiet_start, settings.quiet_end
    )


def after_quiet_hours(
    dt: datetime, settings: ScheduleRules, *, tz: tzinfo | None = None
) -> datetime:
    """`dt` if sending is allowed then, else the first moment the quiet hours end."""
    moment = _local(dt, tz)
    zone = moment.tzinfo
    for _ in range(_MAX_QUIET_STEPS):
        if not in_quiet_hours(moment, settings):
            return moment
        day, clock = moment.date(), moment.time()
        if _quiet_all_day(day, settings):
            moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        elif clock < settings.quiet_end:
            moment = datetime.combine(day, settings.quiet_end, tzinfo=zone)
        else:  # the evening part of a stretch across midnight
            moment = datetime.combine(day + timedelta(days=1), settings.quiet_end, tzinfo=zone)
    raise RuntimeError(f"quiet hours do not end after {dt.isoformat()}")
