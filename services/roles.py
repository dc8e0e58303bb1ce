"""Roles per headquarters: who a Telegram account is, and what it may do there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, RoleGrant
from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, TaskStatus, WorkingGroup


class Role(StrEnum):
    """Everything a person can be in a headquarters; `stranger` is an unbound account."""

    admin = "admin"
    hq_leader = "hq_leader"
    group_leader = "group_leader"
    responsible = "responsible"
    liaison = "liaison"
    stranger = "stranger"


@dataclass
class Identity:
    """A Telegram account as the bot knows it in one headquarters."""

    telegram_user_id: int | None
    person: Person | None = None
    unit: str | None = None
    roles: set[Role] = field(default_factory=set)
    groups_led: list[str] = field(default_factory=list)
    hq_titles: list[str] = field(default_factory=list)
    principals: list[Person] = field(default_factory=list)

    def has(self, *roles: Role) -> bool:
        """Whether the account holds any of `roles`."""
        return bool(self.roles.intersection(roles))


async def identify(
    session: AsyncSession,
    hq: Headquarters | None,
    telegram_user_id: int | None,
    config_admins: list[int],
) -> Identity:
    """Resolve an account's person and roles (bootstrap admins come from the config)."""
    ident = Identity(telegram_user_id)
    if telegram_user_id is None:
        ident.roles.add(Role.stranger)
        return ident
    if telegram_user_id in config_admins:
        ident.roles.add(Role.admin)
    person = (
        await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))
    ).first()
    ident.person = person
    if person is not None and person.unit_id:
        unit = await session.get(Unit, person.unit_id)
        ident.unit = unit.name if unit else None
    if person is not None and hq is not None:
        await _roles_in_hq(session, hq.id, person, ident)  # type: ignore[arg-type]
    if not ident.roles:
        ident.roles.add(Role.stranger)
    return ident


async def _roles_in_hq(session: AsyncSession, hq_id: int, person: Person, ident: Identity) -> None:
    grants = (
        await session.exec(
            select(RoleGrant).where(RoleGrant.hq_id == hq_id, RoleGrant.person_id == person.id)
        )
    ).all()
    for grant in grants:
        if grant.role == GrantedRole.admin:
            ident.roles.add(Role.admin)
        elif grant.role == GrantedRole.liaison and grant.principal_id:
            principal = await session.get(Person, grant.principal_id)
            if principal is not None:
                ident.roles.add(Role.liaison)
                ident.principals.append(principal)
    titles = (
        await session.exec(
            select(HQLeader.role).where(HQLeader.hq_id == hq_id, HQLeader.person_id == person.id)
        )
    ).all()
    if titles:
        ident.roles.add(Role.hq_leader)
        ident.hq_titles = list(titles)
    groups = (
        await session.exec(
            select(WorkingGroup.name)
            .join(GroupLeader, col(GroupLeader.group_id) == WorkingGroup.id)
            .where(WorkingGroup.hq_id == hq_id, GroupLeader.person_id == person.id)
        )
    ).all()
    if groups:
        ident.roles.add(Role.group_leader)
        ident.groups_led = list(groups)
    responsible = (
        await session.exec(
            select(Assignment.id)
            .join(Stage, col(Stage.id) == Assignment.stage_id)
            .join(Task, col(Task.id) == Stage.task_id)
            .where(
                Assignment.person_id == person.id,
                Task.hq_id == hq_id,
                Task.status == TaskStatus.active,
                col(Stage.active).is_(True),
            )
            .limit(1)
        )
    ).first()
    if responsible is not None:
        ident.roles.add(Role.responsible)


async def find_persons(session: AsyncSession, name: str, unit: str | None = None) -> list[Person]:
    """Persons with this name (and unit, when given)."""
    query = select(Person).where(Person.name == name)
    if unit:
        query = query.join(Unit, col(Unit.id) == Person.unit_id).where(Unit.name == unit)
    return list((await session.exec(query.order_by(Person.id))).all())


async def grant_admin(
    session: AsyncSession, hq_id: int, person: Person, *, by: int | None, now: datetime
) -> bool:
    """Make a person an admin of a headquarters; False when they already are."""
    return await _grant(session, hq_id, person, GrantedRole.admin, None, by, now)


async def grant_liaison(
    session: AsyncSession,
    hq_id: int,
    liaison: Person,
    principal: Person,
    *,
    by: int | None,
    now: datetime,
) -> bool:
    """Let `liaison` report on `principal`'s tasks; False when already so."""
    return await _grant(session, hq_id, liaison, GrantedRole.liaison, principal.id, by, now)


async def _grant(
    session: AsyncSession,
    hq_id: int,
    person: Person,
    role: GrantedRole,
    principal_id: int | None,
    by: int | None,
    now: datetime,
) -> bool:
    existing = (
        await session.exec(
            select(RoleGrant).where(
                RoleGrant.hq_id == hq_id,
                RoleGrant.person_id == person.id,
                RoleGrant.role == role,
                RoleGrant.principal_id == principal_id,
            )
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        RoleGrant(
            hq_id=hq_id,
            person_id=person.id,  # type: ignore[arg-type]
            role=role,
            principal_id=principal_id,
            granted_by=by,
            created_at=now,
        )
    )
    await session.commit()
    return True


async def revoke_granted(
    session: AsyncSession, hq_id: int, person: Person, role: GrantedRole
) -> int:
    """Remove a person's admin or liaison grants; returns how many were removed."""
    result = await session.exec(
        delete(RoleGrant).where(
            col(RoleGrant.hq_id) == hq_id,
            col(RoleGrant.person_id) == person.id,
            col(RoleGrant.role) == role,
        )
    )
    await session.commit()
    return result.rowcount  # type: ignore[attr-defined]


async def set_group_leader(
    session: AsyncSession, hq_id: int, person: Person, group_name: str, *, on: bool
) -> bool | None:
    """Add or remove a working-group leader; None when the group does not exist."""
    group = (
        await session.exec(
            select(WorkingGroup).where(WorkingGroup.hq_id == hq_id, WorkingGroup.name == group_name)
        )
    ).first()
    if group is None:
        return None
    row = await session.get(GroupLeader, (group.id, person.id))
    if on and row is None:
        session.add(GroupLeader(group_id=group.id, person_id=person.id, position=99))  # type: ignore[arg-type]
    elif not on and row is not None:
        await session.delete(row)
    else:
        return False
    await session.commit()
    return True


async def set_hq_leader(
    session: AsyncSession, hq_id: int, person: Person, title: str, *, on: bool
) -> bool:
    """Add or remove a headquarters leader (指挥长 / 副指挥长)."""
    row = await session.get(HQLeader, (hq_id, person.id))
    if on and row is None:
        session.add(HQLeader(hq_id=hq_id, person_id=person.id, role=title, position=99))  # type: ignore[arg-type]
    elif not on and row is not None:
        await session.delete(row)
    else:
        return False
    await session.commit()
    return True
