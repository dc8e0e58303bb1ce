"""What /schedule shows: a headquarters' coming runs, which are done, and its own settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Cycle, CycleStatus
from services.reporting.cycles import cycle_of, open_cycle_of, set_due_on, this_month
from services.reporting.runs import previous_month, runs_done
from services.schedule import MonthSchedule, RunKind, ScheduleRules, due_on, month_schedule
from services.schedule_settings import Rules, Setting
from services.workdays import covered_years

# The Rules fields each setting changes.
SETTING_FIELDS: dict[Setting, tuple[str, ...]] = {
    Setting.open: ("open_day",),
    Setting.due: ("due_day",),
    Setting.remind: ("remind_days_before",),
    Setting.reminders: ("max_reminders",),
    Setting.open_time: ("open_time",),
    Setting.remind_time: ("remind_time",),
    Setting.escalate_time: ("escalate_time",),
    Setting.close_time: ("close_time",),
    Setting.quiet: ("quiet_start", "quiet_end"),
    Setting.weekends: ("quiet_weekends",),
    Setting.holidays: ("holidays",),
    Setting.auto: ("auto",),
}


class RunState(StrEnum):
    """Where a scheduled run stands."""

    done = "done"  # recorded as done (open: the month is open; close: it is closed)
    past = "past"  # its time has gone and it was not done (bot down, month opened late, …)
    coming = "coming"


@dataclass(frozen=True)
class RunLine:
    """One run of a month as /schedule lists it."""

    kind: RunKind
    n: int
    at: datetime
    state: RunState


@dataclass(frozen=True)
class MonthView:
    """A month's schedule, its runs in time order, and its cycle if one was opened."""

    ym: int
    plan: MonthSchedule
    runs: list[RunLine]
    cycle: Cycle | None

    @property
    def due_on(self) -> date:
        """The month's due day (the schedule's)."""
        return self.plan.due_on


@dataclass(frozen=True)
class ScheduleOverview:
    """The months to show, the rules they run by, and what differs from the defaults."""

    months: list[MonthView]
    rules: Rules
    changed: list[Setting] = field(default_factory=list)
    covered: tuple[int, int] = (0, 0)

    @property
    def uncovered_years(self) -> list[int]:
        """Years shown that the holiday data does not cover (weekends only there)."""
        first, last = self.covered
        years = {m.ym // 100 for m in self.months}
        return sorted(y for y in years if not first <= y <= last)


def next_month(ym: int) -> int:
    """The month after YYYYMM."""
    year, month = divmod(ym, 100)
    return (year + 1) * 100 + 1 if month == 12 else year * 100 + month + 1


def changed_settings(rules: Rules, defaults: ScheduleRules) -> list[Setting]:
    """The settings whose value differs from the defaults, in the order of `Setting`."""
    base = Rules.of(defaults)
    return [
        setting
        for setting, names in SETTING_FIELDS.items()
        if any(getattr(rules, name) != getattr(base, name) for name in names)
    ]


async def month_view(
    session: AsyncSession, hq_id: int, ym: int, rules: Rules, now: datetime, tz: tzinfo
) -> MonthView:
    """A month's runs, each done, past or coming at `now`."""
    plan = month_schedule(ym, rules, tz)
    cycle = await cycle_of(session, hq_id, ym)
    done: set[tuple[str, int]] = set()
    if cycle is not None and cycle.id is not None:
        done = await runs_done(session, cycle.id)
        done.add((RunKind.open, 0))  # the month was opened, by the clock or by /cycle open
        if cycle.status == CycleStatus.closed:
            done.add((RunKind.close, 0))
    lines = []
    for run in plan.runs():
        if (run.kind, run.n) in done:
            state = RunState.done
        elif run.at <= now:
            state = RunState.past
        else:
            state = RunState.coming
        lines.append(RunLine(run.kind, run.n, run.at, state))
    return MonthView(ym, plan, lines, cycle)


async def schedule_overview(
    session: AsyncSession, *, hq_id: int, rules: Rules, defaults: ScheduleRules, now: datetime,
    tz: tzinfo,
) -> ScheduleOverview:  # fmt: skip
    """This month's runs; before them last month's while it is still open, after them (once
    this month's close has passed) next month's."""
    current = this_month(now.astimezone(tz))
    months = [current]
    open_cycle = await open_cycle_of(session, hq_id)
    if open_cycle is not None and open_cycle.ym == previous_month(current):
        months.insert(0, open_cycle.ym)
    if month_schedule(current, rules, tz).closes_at <= now:
        months.append(next_month(current))
    views = [await month_view(session, hq_id, ym, rules, now, tz) for ym in months]
    return ScheduleOverview(views, rules, changed_settings(rules, defaults), covered_years())


class DueChange(StrEnum):
    """What a schedule change did to the open month's due day."""

    none = "none"  # no open month
    same = "same"
    moved = "moved"


@dataclass(frozen=True)
class DueFollow:
    """The open month and its due day before and after a schedule change."""

    change: DueChange
    cycle: Cycle | None = None
    before: date | None = None


async def follow_due_day(session: AsyncSession, hq_id: int, rules: Rules) -> DueFollow:
    """Move the open month's due day to what the (changed) schedule says; commit when moved."""
    cycle = await open_cycle_of(session, hq_id)
    if cycle is None:
        return DueFollow(DueChange.none)
    wanted = due_on(cycle.ym, rules)
    if wanted == cycle.due_on:
        return DueFollow(DueChange.same, cycle)
    before = cycle.due_on
    await set_due_on(session, cycle, wanted)
    return DueFollow(DueChange.moved, cycle, before)
