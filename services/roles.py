"""Roles per headquarters: who a Telegram account is, and what it may do there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CompoundSelect, Integer, String, cast, literal, null, union_all
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.access import GrantedRole, RoleGrant
from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, TaskStatus, WorkingGroup
from services.names import PersonQuery
from services.people import LookupKind, PersonLookup, lookup_person
from services.people import find_persons as find_persons
from services.tasklist.normalize import text_key


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

    @property
    def bound(self) -> bool:
        """Whether the account is bound to a person (whatever roles that person holds here)."""
        return self.person is not None

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
    found = (
        await session.exec(
            select(Person, Unit.name)
            .join(Unit, col(Unit.id) == Person.unit_id, isouter=True)
            .where(Person.telegram_user_id == telegram_user_id)
        )
    ).first()
    if found is not None:
        ident.person, ident.unit = found
    if ident.person is not None and hq is not None and hq.id is not None:
        await _roles_in_hq(session, hq.id, ident.person, ident)
    if not ident.roles:
        ident.roles.add(Role.stranger)
    return ident


def _role_facts(hq_id: int, person_id: int) -> CompoundSelect:
    """Every role fact of a person in one query: (kind, text, reference)."""
    no_text, no_ref = cast(null(), String), cast(null(), Integer)
    grants = sa_select(literal("grant"), col(RoleGrant.role), col(RoleGrant.principal_id)).where(
        col(RoleGrant.hq_id) == hq_id, col(RoleGrant.person_id) == person_id
    )
    titles = sa_select(literal("title"), col(HQLeader.role), no_ref).where(
        col(HQLeader.hq_id) == hq_id, col(HQLeader.person_id) == person_id
    )
    groups = (
        sa_select(literal("group"), col(WorkingGroup.name), no_ref)
        .join(GroupLeader, col(GroupLeader.group_id) == WorkingGroup.id)
        .where(col(WorkingGroup.hq_id) == hq_id, col(GroupLeader.person_id) == person_id)
    )
    assigned = (
        sa_select(col(Assignment.id))
        .join(Stage, col(Stage.id) == Assignment.stage_id)
        .join(Task, col(Task.id) == Stage.task_id)
        .where(
            col(Assignment.person_id) == person_id,
            col(Task.hq_id) == hq_id,
            col(Task.status) == TaskStatus.active,
            col(Stage.active).is_(True),
        )
    )
    responsible = sa_select(literal("responsible"), no_text, no_ref).where(assigned.exists())
    return union_all(grants, titles, groups, responsible)


async def _roles_in_hq(session: AsyncSession, hq_id: int, person: Person, ident: Identity) -> None:
    assert person.id is not None
    connection = await session.connection()
    facts = (await connection.execute(_role_facts(hq_id, person.id))).all()
    for kind, text, ref in facts:
        if kind == "grant" and text == GrantedRole.admin:
            ident.roles.add(Role.admin)
        elif kind == "grant" and text == GrantedRole.liaison and ref:
            principal = await session.get(Person, ref)
            if principal is not None:
                ident.roles.add(Role.liaison)
                ident.principals.append(principal)
        elif kind == "title":
            ident.roles.add(Role.hq_leader)
            if text:
                ident.hq_titles.append(text)
        elif kind == "group" and text:
            ident.roles.add(Role.group_leader)
            ident.groups_led.append(text)
        elif kind == "responsible":
            ident.roles.add(Role.responsible)


class RoleKind(StrEnum):
    """A role an admin gives or takes back with /grant and /revoke."""

    admin = "admin"
    hq_leader = "hq_leader"
    group_leader = "group_leader"
    liaison = "liaison"


# Role words admins may type (parsing vocabulary), mapped to (role, 指挥部领导 title).
ROLE_WORDS: dict[str, tuple[RoleKind, str]] = {
    "admin": (RoleKind.admin, ""),
    "管理员": (RoleKind.admin, ""),
    "hq_leader": (RoleKind.hq_leader, ""),
    "指挥部领导": (RoleKind.hq_leader, ""),
    "指挥长": (RoleKind.hq_leader, "指挥长"),
    "副指挥长": (RoleKind.hq_leader, "副指挥长"),
    "group_leader": (RoleKind.group_leader, ""),
    "组长": (RoleKind.group_leader, ""),
    "liaison": (RoleKind.liaison, ""),
    "联络员": (RoleKind.liaison, ""),
}


class RoleChangeKind(StrEnum):
    """Outcome of giving or taking back a role."""

    granted = "granted"
    revoked = "revoked"
    title_changed = "title_changed"  # an HQ leader's title (指挥长 ↔ 副指挥长) was updated
    already = "already"  # granting what the person already holds
    not_held = "not_held"  # revoking what the person does not hold
    not_found = "not_found"
    ambiguous = "ambiguous"
    invalid_name = "invalid_name"
    group_missing = "group_missing"  # 组长 without a working group
    group_unknown = "group_unknown"
    not_bound = "not_bound"  # admin rights go only to a person with a bound account
    use_delegate = "use_delegate"  # liaisons are appointed with /delegate

    @property
    def changed(self) -> bool:
        """Whether something was written."""
        return self in (
            RoleChangeKind.granted,
            RoleChangeKind.revoked,
            RoleChangeKind.title_changed,
        )


@dataclass
class RoleChange:
    """What /grant or /revoke did, with what the reply needs."""

    kind: RoleChangeKind
    role: RoleKind
    on: bool
    person: Person | None = None
    lookup: PersonLookup | None = None
    group: str | None = None
    title: str = ""

    @property
    def name(self) -> str:
        """The person's name (as typed when nobody was found)."""
        if self.person is not None:
            return self.person.name
        return self.lookup.query.name if self.lookup else ""

    @property
    def account(self) -> int | None:
        """The Telegram account whose menu should be refreshed, when something changed."""
        return self.person.telegram_user_id if self.person and self.kind.changed else None


async def change_role(
    session: AsyncSession,
    *,
    hq_id: int,
    person: Person | PersonQuery,
    kind: RoleKind,
    title: str = "",
    group: str | None = None,
    on: bool,
    by: int | None,
    now: datetime,
) -> RoleChange:
    """Give (`on`) or take back a role in a headquarters: /grant and /revoke in one call."""
    change = RoleChange(RoleChangeKind.already, kind, on, group=group, title=title)
    if isinstance(person, PersonQuery):
        change.lookup = await lookup_person(session, person)
        if change.lookup.kind is not LookupKind.found:
            change.kind = RoleChangeKind(change.lookup.kind.value)
            return change
        assert change.lookup.person is not None
        person = change.lookup.person
    change.person = person
    if kind is RoleKind.group_leader:
        if not group:
            change.kind = RoleChangeKind.group_missing
            return change
        found = await find_group(session, hq_id, group)
        if found is None:
            change.kind = RoleChangeKind.group_unknown
            return change
        change.group = found.name
        change.kind = await set_group_leader(session, hq_id, person, found.name, on=on)
    elif kind is RoleKind.hq_leader:
        change.kind = await set_hq_leader(session, hq_id, person, title, on=on)
    elif kind is RoleKind.liaison and on:
        change.kind = RoleChangeKind.use_delegate
    elif kind is RoleKind.admin and on:
        if person.telegram_user_id is None:
            change.kind = RoleChangeKind.not_bound
        else:
            granted = await grant_admin(session, hq_id, person, by=by, now=now)
            change.kind = RoleChangeKind.granted if granted else RoleChangeKind.already
    else:
        role = GrantedRole.admin if kind is RoleKind.admin else GrantedRole.liaison
        removed = await revoke_granted(session, hq_id, person, role)
        change.kind = RoleChangeKind.revoked if removed else RoleChangeKind.not_held
    return change


async def grant_admin(
    session: AsyncSession, hq_id: int, person: Person, *, by: int | None, now: datetime
) -> bool:
    """Make a person an admin of a headquarters; False when they already are.

    Low level: it does not check that the person is bound; change_role refuses unbound ones.
    """
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
    assert person.id is not None
    session.add(
        RoleGrant(
            hq_id=hq_id,
            person_id=person.id,
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
    grants = (
        await session.exec(
            select(RoleGrant).where(
                RoleGrant.hq_id == hq_id, RoleGrant.person_id == person.id, RoleGrant.role == role
            )
        )
    ).all()
    for grant in grants:
        await session.delete(grant)
    await session.commit()
    return len(grants)


async def find_group(session: AsyncSession, hq_id: int, name: str) -> WorkingGroup | None:
    """A working group of a headquarters by name, ignoring spaces, width and case."""
    wanted = text_key(name)
    groups = (await session.exec(select(WorkingGroup).where(WorkingGroup.hq_id == hq_id))).all()
    return next((g for g in groups if text_key(g.name) == wanted), None)


async def set_group_leader(
    session: AsyncSession, hq_id: int, person: Person, group_name: str, *, on: bool
) -> RoleChangeKind:
    """Add or remove a working-group leader: granted / revoked / already / not_held /
    group_unknown."""
    group = await find_group(session, hq_id, group_name)
    if group is None or group.id is None:
        return RoleChangeKind.group_unknown
    assert person.id is not None
    row = await session.get(GroupLeader, (group.id, person.id))
    if on and row is None:
        session.add(GroupLeader(group_id=group.id, person_id=person.id, position=99))
        outcome = RoleChangeKind.granted
    elif not on and row is not None:
        await session.delete(row)
        outcome = RoleChangeKind.revoked
    else:
        return RoleChangeKind.already if on else RoleChangeKind.not_held
    await session.commit()
    return outcome


async def set_hq_leader(
    session: AsyncSession, hq_id: int, person: Person, title: str, *, on: bool
) -> RoleChangeKind:
    """Add or remove a headquarters leader (指挥长 / 副指挥长); a different title updates it."""
    assert person.id is not None
    row = await session.get(HQLeader, (hq_id, person.id))
    if on and row is None:
        session.add(HQLeader(hq_id=hq_id, person_id=person.id, role=title, position=99))
        outcome = RoleChangeKind.granted
    elif on and row is not None and title and row.role != title:
        row.role = title
        session.add(row)
        outcome = RoleChangeKind.title_changed
    elif not on and row is not None:
        await session.delete(row)
        outcome = RoleChangeKind.revoked
    else:
        return RoleChangeKind.already if on else RoleChangeKind.not_held
    await session.commit()
    return outcome


class DelegationKind(StrEnum):
    """Outcome of /delegate."""

    delegated = "delegated"
    already = "already"
    principal_not_found = "principal_not_found"
    principal_ambiguous = "principal_ambiguous"
    liaison_not_found = "liaison_not_found"  # a unit was given and nobody there has that name
    liaison_ambiguous = "liaison_ambiguous"  # several persons have that name: add the unit
    invalid_name = "invalid_name"
    same_person = "same_person"


@dataclass
class Delegation:
    """What /delegate did: the principal, the liaison (found or created), or why not."""

    kind: DelegationKind
    principal: Person | None = None
    liaison: Person | None = None
    created: bool = False  # the liaison was not known and was created in the principal's unit
    liaison_unit: str | None = None
    lookup: PersonLookup | None = None  # the lookup that failed, for the reply

    @property
    def needs_invite(self) -> bool:
        """Whether the liaison still has to be sent an invitation link."""
        return (
            self.kind in (DelegationKind.delegated, DelegationKind.already)
            and self.liaison is not None
            and self.liaison.telegram_user_id is None
        )


async def delegate(
    session: AsyncSession,
    *,
    hq_id: int,
    principal: Person | PersonQuery,
    liaison: PersonQuery,
    by: int | None,
    now: datetime,
) -> Delegation:
    """Let a liaison report for a responsible person: /delegate 责任人 联络员[/单位] in one call.

    A liaison who is already a person anywhere is that person (never a namesake copy); several
    namesakes make the outcome `liaison_ambiguous` with the choices; nobody → a new person in the
    principal's unit (or `liaison_not_found` when a unit was named).
    """
    if isinstance(principal, PersonQuery):
        found = await lookup_person(session, principal)
        if found.kind is not LookupKind.found or found.person is None:
            kinds = {
                LookupKind.not_found: DelegationKind.principal_not_found,
                LookupKind.ambiguous: DelegationKind.principal_ambiguous,
                LookupKind.invalid_name: DelegationKind.invalid_name,
            }
            return Delegation(kinds[found.kind], lookup=found)
        principal = found.person
    outcome = Delegation(DelegationKind.delegated, principal)
    named = await lookup_person(session, liaison)
    if named.kind is LookupKind.found and named.person is not None:
        outcome.liaison = named.person
    elif named.kind is LookupKind.not_found and not liaison.unit:
        outcome.liaison = Person(name=liaison.name, unit_id=principal.unit_id, created_at=now)
        outcome.created = True
    else:
        kinds = {
            LookupKind.not_found: DelegationKind.liaison_not_found,
            LookupKind.ambiguous: DelegationKind.liaison_ambiguous,
            LookupKind.invalid_name: DelegationKind.invalid_name,
        }
        outcome.kind, outcome.lookup = kinds[named.kind], named
        return outcome
    if outcome.liaison.id is not None and outcome.liaison.id == principal.id:
        outcome.kind = DelegationKind.same_person
        return outcome
    if outcome.created:
        session.add(outcome.liaison)
        await session.flush()
    if outcome.liaison.unit_id is not None:
        unit = await session.get(Unit, outcome.liaison.unit_id)
        outcome.liaison_unit = unit.name if unit else None
    granted = await grant_liaison(session, hq_id, outcome.liaison, principal, by=by, now=now)
    outcome.kind = DelegationKind.delegated if granted else DelegationKind.already
    return outcome
