"""The people of a headquarters: who they are, their status, their tasks, reachability."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, Invitation, RoleGrant
from models.people import Person, Unit
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, TaskStatus, WorkingGroup


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


async def hq_person_ids(session: AsyncSession, hq_id: int) -> list[int]:
    """Everyone who belongs to a headquarters: responsible persons, leaders, granted roles."""
    responsible = select(Assignment.person_id).join(
        Stage, col(Stage.id) == Assignment.stage_id
    ).join(Task, col(Task.id) == Stage.task_id).where(
        Task.hq_id == hq_id, Task.status == TaskStatus.active, col(Stage.active).is_(True)
    )  # fmt: skip
    leaders = select(GroupLeader.person_id).join(
        WorkingGroup, col(WorkingGroup.id) == GroupLeader.group_id
    ).where(WorkingGroup.hq_id == hq_id)  # fmt: skip
    ids: set[int] = set()
    for query in (
        responsible,
        leaders,
        select(HQLeader.person_id).where(HQLeader.hq_id == hq_id),
        select(RoleGrant.person_id).where(RoleGrant.hq_id == hq_id),
    ):
        ids.update((await session.exec(query)).all())
    return sorted(ids)


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


async def liaison_for(
    session: AsyncSession, principal: Person, liaison_name: str, *, now: datetime
) -> Person:
    """The liaison person named, created in the principal's unit when unknown."""
    found = (
        await session.exec(
            select(Person).where(Person.name == liaison_name, Person.unit_id == principal.unit_id)
        )
    ).first()
    if found is not None:
        return found
    person = Person(name=liaison_name, unit_id=principal.unit_id, created_at=now)
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
        ids += [i for i in granted if i not in ids]
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
