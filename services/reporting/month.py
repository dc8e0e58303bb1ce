"""The month as the office sees it: the asks to send, who has reported, and reopening a report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, RoleGrant
from models.people import Person
from models.reporting import Ask, Cycle, CycleStatus, Reopen
from services.due import DueStage, due_in
from services.names import PersonQuery
from services.people import LookupKind, PersonLookup, lookup_person
from services.reporting.reports import items_for, latest_reports


@dataclass
class AskPlan:
    """One person's ask: the tasks due, and where to send it (None: not bound yet)."""

    ask: Ask
    person: Person
    items: list[DueStage]
    principals: list[int] = field(default_factory=list)  # a liaison's: whom they report for

    @property
    def chat_id(self) -> int | None:
        """The person's private chat (their Telegram user id), when bound and reachable."""
        return self.person.telegram_user_id if self.person.reachable else None


def _by_person(due: list[DueStage]) -> dict[int, list[DueStage]]:
    grouped: dict[int, list[DueStage]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for stage in due:
        if (stage.stage_id, stage.person_id) not in seen:
            seen.add((stage.stage_id, stage.person_id))
            grouped[stage.person_id].append(stage)
    return grouped


async def asks_to_send(session: AsyncSession, cycle: Cycle, now: datetime) -> list[AskPlan]:
    """Every due person not asked yet in this cycle, each with an Ask row added (not committed).

    A person whose ask was queued or sent (even before a restart) is not returned again; one
    who could not be asked (not bound, blocked the bot) is, to be tried again. The caller queues
    the messages and commits them with the Ask rows, in one transaction.
    """
    assert cycle.id is not None
    grouped = _by_person(await due_in(session, cycle.hq_id, cycle.ym))
    principals = await liaisons_of(session, cycle.hq_id, list(grouped))
    asks = {a.person_id: a for a in (await session.exec(
        select(Ask).where(Ask.cycle_id == cycle.id))).all()}  # fmt: skip
    wanted = list(grouped) + [p for p in principals if p not in grouped]
    persons = {p.id: p for p in (await session.exec(
        select(Person).where(col(Person.id).in_(wanted)))).all()}  # fmt: skip
    plans = []
    for person_id in wanted:
        ask = asks.get(person_id)
        if ask is None:
            ask = Ask(cycle_id=cycle.id, person_id=person_id, created_at=now)
            session.add(ask)
        elif ask.sent_at is not None or ask.error in (None, "failed"):  # failed: outbox retry
            continue
        items = list(grouped.get(person_id, []))
        for principal in principals.get(person_id, []):
            items += grouped[principal]
        plans.append(AskPlan(ask, persons[person_id], items, principals.get(person_id, [])))
    await session.flush()
    return plans


async def liaisons_of(session: AsyncSession, hq_id: int, due: list[int]) -> dict[int, list[int]]:
    """Liaisons of due persons in this headquarters → the due principals they report for."""
    query = select(RoleGrant).where(
        RoleGrant.hq_id == hq_id,
        RoleGrant.role == GrantedRole.liaison,
        col(RoleGrant.principal_id).in_(due),
    )
    found: dict[int, list[int]] = defaultdict(list)
    for grant in (await session.exec(query.order_by(col(RoleGrant.id)))).all():
        if grant.principal_id is not None and grant.principal_id not in found[grant.person_id]:
            found[grant.person_id].append(grant.principal_id)
    return dict(found)


async def record_ask(
    session: AsyncSession, ask: Ask, *, chat_id: int | None, message_id: int | None,
    now: datetime, error: str | None = None,
) -> None:  # fmt: skip
    """Note that an ask went out (or why it could not); not committed."""
    ask.chat_id, ask.message_id, ask.error = chat_id, message_id, error
    if error is None and message_id is not None:
        ask.sent_at = now
    session.add(ask)


@dataclass
class GroupProgress:
    """A working group's reports this month: reported / due, by (task stage, person)."""

    group: str
    reported: int = 0
    due: int = 0
    late: int = 0


@dataclass
class Missing:
    """A person who has not reported everything, with the 序号 still owed."""

    name: str
    unit: str
    numbers: list[int] = field(default_factory=list)
    asked: bool = False
    bound: bool = False


@dataclass
class CycleProgress:
    """Who has reported what in a cycle."""

    cycle: Cycle
    groups: list[GroupProgress]
    missing: list[Missing]
    reported: int
    due: int
    persons_due: int
    persons_done: int


async def cycle_progress(session: AsyncSession, cycle: Cycle) -> CycleProgress:
    """Reported / due per working group and the missing persons by name."""
    assert cycle.id is not None
    due = await due_in(session, cycle.hq_id, cycle.ym)
    reports = await latest_reports(session, cycle.id)
    # asked: the ask was delivered, or is queued for delivery (no error recorded)
    reached = or_(col(Ask.sent_at).is_not(None), col(Ask.error).is_(None))
    sent = select(Ask).where(Ask.cycle_id == cycle.id, reached)
    asked = {a.person_id for a in (await session.exec(sent)).all()}
    bound = {p for p in (await session.exec(select(Person.id).where(
        col(Person.telegram_user_id).is_not(None)))).all()}  # fmt: skip
    groups: dict[str, GroupProgress] = {}
    missing: dict[int, Missing] = {}
    persons: set[int] = set()
    seen: set[tuple[int, int]] = set()
    for stage in due:
        key = (stage.stage_id, stage.person_id)
        if key in seen:
            continue
        seen.add(key)
        persons.add(stage.person_id)
        group = groups.setdefault(stage.group, GroupProgress(stage.group))
        group.due += 1
        report = reports.get(key)
        if report is not None:
            group.reported += 1
            group.late += int(report.late)
            continue
        entry = missing.setdefault(stage.person_id, Missing(
            stage.person_name, stage.unit, asked=stage.person_id in asked,
            bound=stage.person_id in bound))  # fmt: skip
        if stage.task_number not in entry.numbers:
            entry.numbers.append(stage.task_number)
    reported = sum(g.reported for g in groups.values())
    return CycleProgress(cycle, list(groups.values()), list(missing.values()), reported,
                         len(seen), len(persons), len(persons) - len(missing))  # fmt: skip


class ReopenKind(StrEnum):
    """What `/reopen NAME 序号` did."""

    granted = "granted"
    already = "already"  # an unused reopen is waiting already
    cycle_open = "cycle_open"  # the month is still open: revisions need no leave
    no_cycle = "no_cycle"  # no closed month (or not the one named)
    person = "person"  # the name did not find exactly one person (see lookup)
    not_due = "not_due"  # that person had no such task that month


@dataclass
class ReopenOutcome:
    """The reopen granted, or why not."""

    kind: ReopenKind
    cycle: Cycle | None = None
    lookup: PersonLookup | None = None
    person: Person | None = None
    number: int | None = None
    reopen: Reopen | None = None


async def reopen_report(
    session: AsyncSession, *, hq_id: int, query: PersonQuery, number: int, ym: int | None,
    by: int | None, now: datetime,
) -> ReopenOutcome:  # fmt: skip
    """Let one person revise one task's report once more in a closed month; commit."""
    cycles = select(Cycle).where(Cycle.hq_id == hq_id)
    cycles = (
        cycles.where(Cycle.ym == ym) if ym is not None else cycles.order_by(col(Cycle.ym).desc())
    )
    cycle = (await session.exec(cycles)).first()
    if cycle is None:
        return ReopenOutcome(ReopenKind.no_cycle, number=number)
    if cycle.status == CycleStatus.open:
        return ReopenOutcome(ReopenKind.cycle_open, cycle, number=number)
    lookup = await lookup_person(session, query)
    if lookup.kind is not LookupKind.found or lookup.person is None or lookup.person.id is None:
        return ReopenOutcome(ReopenKind.person, cycle, lookup, number=number)
    person = lookup.person
    assert person.id is not None
    items = [i for i in await items_for(session, cycle, [person.id]) if i.due.task_number == number]
    if not items:
        return ReopenOutcome(ReopenKind.not_due, cycle, lookup, person, number)
    item = items[0]
    if item.reopened:
        return ReopenOutcome(ReopenKind.already, cycle, lookup, person, number)
    reopen = Reopen(cycle_id=cycle.id or 0, stage_id=item.due.stage_id, person_id=person.id,
                    granted_by=by, granted_at=now)  # fmt: skip
    session.add(reopen)
    await session.commit()
    return ReopenOutcome(ReopenKind.granted, cycle, lookup, person, number, reopen)
