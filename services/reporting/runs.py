"""What the month owes now: the scheduled runs due and not yet done, and whom they reach.

The clock only ticks; this module reads the database to decide. A run is done once per cycle
(a `cycle_run` row, unique), so a second tick or a second process finds nothing more to do.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.outbox import OutboxKind, OutboxMessage, OutboxStatus
from models.people import Person
from models.reporting import Cycle, CycleStatus
from models.schedule import CycleRun
from models.tasks import GroupLeader, WorkingGroup
from services.due import due_in
from services.reporting.cycles import cycle_of, this_month
from services.reporting.month import liaisons_of
from services.reporting.reports import latest_reports
from services.schedule import MonthSchedule, RunKind, in_quiet_hours, month_schedule
from services.schedule_settings import Rules


def previous_month(ym: int) -> int:
    """The month before YYYYMM."""
    year, month = divmod(ym, 100)
    return (year - 1) * 100 + 12 if month == 1 else year * 100 + month - 1


@dataclass(frozen=True)
class Owed:
    """A run the clock says is due now: open a month, remind (number `n`), escalate, close.

    `skipped` are earlier reminders the bot was down for; they are recorded with this one and
    not sent (one reminder, not three, after a long outage).
    """

    kind: RunKind
    ym: int
    at: datetime
    n: int = 0
    cycle: Cycle | None = None
    skipped: tuple[int, ...] = ()


async def runs_done(session: AsyncSession, cycle_id: int) -> set[tuple[str, int]]:
    """The runs (kind, n) already done for a cycle."""
    rows = await session.exec(
        select(CycleRun.kind, CycleRun.n).where(CycleRun.cycle_id == cycle_id)
    )
    return {(kind, n) for kind, n in rows.all()}


def _cycle_runs(cycle: Cycle, plan: MonthSchedule, done: set[tuple[str, int]],
                now: datetime) -> list[Owed]:  # fmt: skip
    """Reminders, escalation and close owed for an open cycle (only those after it opened)."""
    owed: list[Owed] = []
    opened = cycle.opened_at
    passed = [n for n, at in enumerate(plan.reminders, start=1)
              if at <= now and at > opened and (RunKind.remind, n) not in done]  # fmt: skip
    if passed:
        last = passed[-1]
        owed.append(Owed(RunKind.remind, cycle.ym, plan.reminders[last - 1], last, cycle,
                         tuple(passed[:-1])))  # fmt: skip
    if plan.escalates_at <= now and plan.escalates_at > opened and (
        RunKind.escalate, 0) not in done:  # fmt: skip
        owed.append(Owed(RunKind.escalate, cycle.ym, plan.escalates_at, 0, cycle))
    if plan.closes_at <= now and plan.closes_at > opened and (RunKind.close, 0) not in done:
        owed.append(Owed(RunKind.close, cycle.ym, plan.closes_at, 0, cycle))
    return owed


async def owed_runs(
    session: AsyncSession, hq_id: int, rules: Rules, now: datetime, tz: tzinfo
) -> list[Owed]:
    """The runs due at `now` for a headquarters, in order; none in quiet hours (they wait).

    A month opens between its open time and its close time (a bot down on the 20th opens it when
    it comes back); runs of a cycle opened after their time are not owed (a month an admin opened
    late is not reminded of days gone by, nor closed under them).
    """
    if in_quiet_hours(now, rules, tz=tz):
        return []
    owed: list[Owed] = []
    current = this_month(now.astimezone(tz))
    for ym in (previous_month(current), current):
        plan = month_schedule(ym, rules, tz)
        cycle = await cycle_of(session, hq_id, ym)
        if cycle is None:
            if plan.opens_at <= now < plan.closes_at:
                owed.append(Owed(RunKind.open, ym, plan.opens_at))
            continue
        if cycle.status != CycleStatus.open or cycle.id is None:
            continue
        owed += _cycle_runs(cycle, plan, await runs_done(session, cycle.id), now)
    return owed


def record_run(
    session: AsyncSession, cycle: Cycle, owed: Owed, *, now: datetime, by: int | None = None
) -> None:
    """Note a run (and the reminders it stands for) as done, in the caller's transaction.

    The unique (cycle, kind, n) makes a second tick's commit fail instead of repeating it.
    """
    assert cycle.id is not None
    for n in (*owed.skipped, owed.n):
        session.add(CycleRun(cycle_id=cycle.id, kind=owed.kind, n=n, due_at=owed.at,
                             done_at=now, by=by))  # fmt: skip


@dataclass
class Owing:
    """What one person still owes in a cycle: tasks by 序号 and name."""

    person: Person
    tasks: list[tuple[int, str]] = field(default_factory=list)
    unit: str = ""
    group: str = ""


async def missing_by_group(session: AsyncSession, cycle: Cycle) -> dict[str, list[Owing]]:
    """Per working group, the responsible persons who have not reported everything."""
    assert cycle.id is not None
    due = await due_in(session, cycle.hq_id, cycle.ym)
    reports = await latest_reports(session, cycle.id)
    persons = {p.id: p for p in (await session.exec(select(Person).where(
        col(Person.id).in_({s.person_id for s in due})))).all()}  # fmt: skip
    groups: dict[str, dict[int, Owing]] = defaultdict(dict)
    for stage in due:
        if (stage.stage_id, stage.person_id) in reports:
            continue
        owing = groups[stage.group].setdefault(
            stage.person_id, Owing(persons[stage.person_id], unit=stage.unit, group=stage.group)
        )
        if (stage.task_number, stage.task_name) not in owing.tasks:
            owing.tasks.append((stage.task_number, stage.task_name))
    return {name: list(by_person.values()) for name, by_person in groups.items()}


@dataclass
class Reminder:
    """One person to remind: the principals they report for, and the `n` of this reminder."""

    person: Person
    principals: list[int]
    n: int


async def reminders_given(session: AsyncSession, cycle_id: int) -> dict[int, int]:
    """How many reminders each person was given in a cycle (queued or sent, not cancelled)."""
    rows = await session.exec(
        select(OutboxMessage.person_id, func.count())
        .where(
            OutboxMessage.kind == OutboxKind.remind,
            col(OutboxMessage.key).startswith(f"remind:{cycle_id}:"),
            col(OutboxMessage.key).not_like("%#%"),
            OutboxMessage.status != OutboxStatus.cancelled,
        )
        .group_by(col(OutboxMessage.person_id))
    )
    return {person_id: count for person_id, count in rows.all() if person_id is not None}


@dataclass
class ReminderPlan:
    """A reminder round: who gets one, and who is left out and why."""

    to_send: list[Reminder]
    at_bound: list[Person] = field(default_factory=list)
    not_reachable: list[Person] = field(default_factory=list)


async def reminder_round(session: AsyncSession, cycle: Cycle, max_reminders: int) -> ReminderPlan:
    """The persons still missing something (and their liaisons), within the bound per month."""
    assert cycle.id is not None
    missing = {owing.person.id: owing.person
               for group in (await missing_by_group(session, cycle)).values()
               for owing in group if owing.person.id is not None}  # fmt: skip
    liaisons = await liaisons_of(session, cycle.hq_id, list(missing))
    more = [p for p in liaisons if p not in missing]
    if more:
        for person in (await session.exec(select(Person).where(col(Person.id).in_(more)))).all():
            if person.id is not None:
                missing[person.id] = person
    given = await reminders_given(session, cycle.id)
    plan = ReminderPlan([])
    for person_id, person in missing.items():
        if person.telegram_user_id is None or not person.reachable:
            plan.not_reachable.append(person)
        elif given.get(person_id, 0) >= max_reminders:
            plan.at_bound.append(person)
        else:
            principals = liaisons.get(person_id, [])
            plan.to_send.append(Reminder(person, principals, given.get(person_id, 0) + 1))
    return plan


@dataclass
class GroupLead:
    """A working group's leader who can be written to."""

    person: Person
    group: str


async def group_leads(session: AsyncSession, hq_id: int) -> list[GroupLead]:
    """Every bound, reachable leader of the headquarters' working groups."""
    rows = await session.exec(
        select(Person, WorkingGroup.name)
        .join(GroupLeader, col(GroupLeader.person_id) == Person.id)
        .join(WorkingGroup, col(WorkingGroup.id) == GroupLeader.group_id)
        .where(WorkingGroup.hq_id == hq_id)
        .order_by(col(WorkingGroup.position), col(GroupLeader.position))
    )
    return [GroupLead(person, name) for person, name in rows.all()
            if person.telegram_user_id is not None and person.reachable]  # fmt: skip
