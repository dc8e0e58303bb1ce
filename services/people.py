"""The people of a headquarters: who they are, their status, their tasks, reachability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, Invitation, RoleGrant
from models.people import Person, Unit
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, TaskStatus, WorkingGroup
from services.names import PersonQuery, person_query
from services.tasklist.normalize import text_key


class Status(StrEnum):
    """Where a person stands with the bot."""

    bound = "bound"
    invited = "invited"
    not_invited = "not_invited"
    unreachable = "unreachable"


@dataclass
class PersonRow:
    """One line of /people."""

    id: int
    name: str
    unit: str | None
    status: Status
    task_numbers: list[int] = field(default_factory=list)


def _membership(hq_id: int) -> list[Any]:
    """Queries of person ids that make someone part of a headquarters."""
    responsible = select(Assignment.person_id).join(
        Stage, col(Stage.id) == Assignment.stage_id
    ).join(Task, col(Task.id) == Stage.task_id).where(
        Task.hq_id == hq_id, Task.status == TaskStatus.active, col(Stage.active).is_(True)
    )  # fmt: skip
    leaders = select(GroupLeader.person_id).join(
        WorkingGroup, col(WorkingGroup.id) == GroupLeader.group_id
    ).where(WorkingGroup.hq_id == hq_id)  # fmt: skip
    return [
        responsible,
        leaders,
        select(HQLeader.person_id).where(HQLeader.hq_id == hq_id),
        select(RoleGrant.person_id).where(RoleGrant.hq_id == hq_id),
    ]


async def hq_person_ids(session: AsyncSession, hq_id: int) -> list[int]:
    """Everyone who belongs to a headquarters: responsible persons, leaders, granted roles."""
    ids: set[int] = set()
    for query in _membership(hq_id):
        ids.update((await session.exec(query)).all())
    return sorted(ids)


async def is_member(session: AsyncSession, hq_id: int, person_id: int) -> bool:
    """Whether a person has an active task or a role in a headquarters (see hq_person_ids)."""
    for query in _membership(hq_id):
        column = query.selected_columns[0]
        if (await session.exec(query.where(column == person_id).limit(1))).first() is not None:
            return True
    return False


async def people_of(session: AsyncSession, hq_id: int, now: datetime) -> list[PersonRow]:
    """Everyone in a headquarters with their status, ordered by first task then name."""
    ids = await hq_person_ids(session, hq_id)
    if not ids:
        return []
    persons = (
        await session.exec(
            select(Person, Unit.name)
            .join(Unit, col(Unit.id) == Person.unit_id, isouter=True)
            .where(col(Person.id).in_(ids))
        )
    ).all()
    live = set(
        (
            await session.exec(
                select(Invitation.person_id).where(
                    Invitation.hq_id == hq_id,
                    col(Invitation.used_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                    col(Invitation.expires_at) > now,
                )
            )
        ).all()
    )
    tasks: dict[int, set[int]] = {}
    for person_id, number in (
        await session.exec(
            select(Assignment.person_id, Task.number)
            .join(Stage, col(Stage.id) == Assignment.stage_id)
            .join(Task, col(Task.id) == Stage.task_id)
            .where(Task.hq_id == hq_id, Task.status == TaskStatus.active)
        )
    ).all():
        tasks.setdefault(person_id, set()).add(number)
    rows = [
        PersonRow(
            person.id,  # type: ignore[arg-type]
            person.name,
            unit,
            _status(person, person.id in live),
            sorted(tasks.get(person.id, set())),  # type: ignore[arg-type]
        )
        for person, unit in persons
    ]
    return sorted(rows, key=lambda r: (min(r.task_numbers or [10**9]), r.name))


async def unbound_people(session: AsyncSession, hq_id: int, now: datetime) -> list[Person]:
    """Everyone of a headquarters not bound yet (invited or not), in /people order."""
    rows = await people_of(session, hq_id, now)
    waiting = [r.id for r in rows if r.status in (Status.not_invited, Status.invited)]
    return await persons_by_id(session, waiting)


def _status(person: Person, invited: bool) -> Status:
    if person.telegram_user_id is not None:
        return Status.bound if person.reachable else Status.unreachable
    return Status.invited if invited else Status.not_invited


@dataclass
class MyTask:
    """A task a person answers for (or reports on, as a liaison)."""

    number: int
    name: str
    group: str
    for_person: str | None = None


async def tasks_of(
    session: AsyncSession, hq_id: int, person_ids: list[int], names: dict[int, str]
) -> list[MyTask]:
    """Active tasks of these persons, by 序号; `for_person` names a liaison's principal."""
    if not person_ids:
        return []
    rows = (
        await session.exec(
            select(Assignment.person_id, Task.number, Task.name, WorkingGroup.name)
            .join(Stage, col(Stage.id) == Assignment.stage_id)
            .join(Task, col(Task.id) == Stage.task_id)
            .join(WorkingGroup, col(WorkingGroup.id) == Task.group_id, isouter=True)
            .where(
                col(Assignment.person_id).in_(person_ids),
                Task.hq_id == hq_id,
                Task.status == TaskStatus.active,
            )
            .distinct()
        )
    ).all()
    seen: dict[tuple[int, int], MyTask] = {}
    for person_id, number, name, group in rows:
        seen[(number, person_id)] = MyTask(number, name, group or "", names.get(person_id))
    return [seen[k] for k in sorted(seen)]


class PersonChoice(NamedTuple):
    """One of several persons a name could mean, as shown to the admin."""

    name: str
    unit: str | None


class LookupKind(StrEnum):
    """Outcome of looking a typed name up."""

    found = "found"
    not_found = "not_found"
    ambiguous = "ambiguous"
    invalid_name = "invalid_name"


@dataclass
class PersonLookup:
    """A name looked up: the one person it means, or why there is not exactly one."""

    kind: LookupKind
    query: PersonQuery
    person: Person | None = None
    choices: list[PersonChoice] = field(default_factory=list)


async def find_persons(session: AsyncSession, name: str, unit: str | None = None) -> list[Person]:
    """Persons with this name (normalised like the importer does) and unit, when given.

    The unit matches when it is the unit's name (ignoring spaces, width and case) or, failing
    that, a part of it ("商务局" for 区商务局).
    """
    query = person_query(name, unit)
    rows = (
        await session.exec(
            select(Person, Unit.name)
            .join(Unit, col(Unit.id) == Person.unit_id, isouter=True)
            .where(Person.name == query.name)
            .order_by(col(Person.id))
        )
    ).all()
    if not query.unit:
        return [person for person, _ in rows]
    wanted = text_key(query.unit)
    exact = [person for person, unit_name in rows if unit_name and text_key(unit_name) == wanted]
    if exact:
        return exact
    return [person for person, unit_name in rows if unit_name and wanted in text_key(unit_name)]


async def lookup_person(session: AsyncSession, query: PersonQuery) -> PersonLookup:
    """The one person a typed name (and unit) means, or the choices when several do."""
    if not query.valid:
        return PersonLookup(LookupKind.invalid_name, query)
    found = await find_persons(session, query.name, query.unit)
    if len(found) == 1:
        return PersonLookup(LookupKind.found, query, found[0])
    if not found:
        return PersonLookup(LookupKind.not_found, query)
    units = await unit_names(session, [p.unit_id for p in found if p.unit_id is not None])
    choices = [PersonChoice(p.name, units.get(p.unit_id) if p.unit_id else None) for p in found]
    return PersonLookup(LookupKind.ambiguous, query, choices=choices)


async def liaison_for(
    session: AsyncSession, principal: Person, liaison_name: str, *, now: datetime
) -> Person:
    """The liaison person named: the only person of that name anywhere, else the one in the
    principal's unit, else a new person there (prefer roles.delegate, which asks when unsure)."""
    name = person_query(liaison_name).name
    found = await find_persons(session, name)
    if len(found) == 1:
        return found[0]
    same_unit = [p for p in found if p.unit_id == principal.unit_id]
    if same_unit:
        return same_unit[0]
    person = Person(name=name, unit_id=principal.unit_id, created_at=now)
    session.add(person)
    await session.commit()
    return person


async def set_reachable(
    session: AsyncSession, telegram_user_id: int, reachable: bool
) -> Person | None:
    """Record that an account blocked (or unblocked) the bot; returns the person when it changed."""
    person = (
        await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))
    ).first()
    if person is None or person.reachable == reachable:
        return None
    person.reachable = reachable
    session.add(person)
    await session.commit()
    return person


async def admin_chat_ids(
    session: AsyncSession, hq_id: int | None, config_admins: list[int]
) -> list[int]:
    """Telegram ids of every admin to notify: bootstrap ones and granted, reachable ones."""
    ids = list(config_admins)
    if hq_id is not None:
        granted = (
            await session.exec(
                select(Person.telegram_user_id)
                .join(RoleGrant, col(RoleGrant.person_id) == Person.id)
                .where(
                    RoleGrant.hq_id == hq_id,
                    RoleGrant.role == GrantedRole.admin,
                    col(Person.telegram_user_id).is_not(None),
                    col(Person.reachable).is_(True),
                )
            )
        ).all()
        ids += [i for i in granted if i is not None and i not in ids]
    return ids


async def unit_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """Unit names by id."""
    if not ids:
        return {}
    rows = await session.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids)))
    return dict(rows.all())  # type: ignore[arg-type]


async def persons_by_id(session: AsyncSession, ids: list[int]) -> list[Person]:
    """Persons by id, in the given order."""
    if not ids:
        return []
    found = {
        p.id: p for p in (await session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
    }
    return [found[i] for i in ids if i in found]
