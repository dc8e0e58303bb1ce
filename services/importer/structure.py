"""附件1 in the database: working groups with their leaders and member units, the HQ leaders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person
from models.tasks import GroupLeader, HQLeader
from services import tasklist as tl
from services.importer.preview import GroupPlan, GroupStatus, StructureChanges
from services.importer.snapshot import GroupLeaderRow, HQLeaderRow, Snapshot

MEMBER_SEPARATOR = "、"


def group_leaders(group: tl.WorkingGroup) -> list[tuple[str, str]]:
    """A group's (leader, title) pairs in the file's order, each person once."""
    titles = list(group.leader_titles) + [""] * (len(group.leaders) - len(group.leader_titles))
    pairs: list[tuple[str, str]] = []
    for name, title in zip(group.leaders, titles, strict=False):
        if name not in (n for n, _ in pairs):
            pairs.append((name, title))
    return pairs


def hq_leaders(structure: tl.Structure) -> list[tl.Leader]:
    """The HQ leaders in the file's order, each person once."""
    seen: set[str] = set()
    leaders = []
    for leader in structure.leaders:
        if leader.name not in seen:
            seen.add(leader.name)
            leaders.append(leader)
    return leaders


def compare_structure(
    snap: Snapshot, structure: tl.Structure, created: set[str]
) -> StructureChanges:
    """What writing `structure` changes; `created` are names the same import creates anyway."""
    changes = StructureChanges(leaders=hq_leaders(structure))
    current: dict[str, list[tuple[str, str]]] = {}
    for group_name, person, title in snap.group_leaders:
        current.setdefault(group_name, []).append((person, title))
    for group in structure.groups:
        leaders = group_leaders(group)
        existing = snap.groups.get(group.name)
        if existing is None:
            status = GroupStatus.new
        elif current.get(
            group.name, []
        ) != leaders or existing.member_units != MEMBER_SEPARATOR.join(group.member_units):
            status = GroupStatus.changed
        else:
            status = GroupStatus.same
        changes.groups.append(GroupPlan(group.name, status, leaders, list(group.member_units)))
    wanted = [(ld.role, ld.name, ld.title) for ld in changes.leaders]
    changes.leaders_changed = snap.hq is None or snap.hq_leaders != wanted
    known = {name for name, _ in snap.persons} | created
    names = [n for g in changes.groups for n, _ in g.leaders] + [ld.name for ld in changes.leaders]
    for name in names:
        if name not in known and name not in changes.new_persons:
            changes.new_persons.append(name)
    return changes


def leader_rows_differ(snap: Snapshot, structure: tl.Structure) -> bool:
    """Whether any group leader or HQ leader differs from the database."""
    wanted_groups: list[GroupLeaderRow] = sorted(
        ((g.name, name, title) for g in structure.groups for name, title in group_leaders(g)),
        key=lambda row: row[0],
    )
    wanted_hq: list[HQLeaderRow] = [(ld.role, ld.name, ld.title) for ld in hq_leaders(structure)]
    return snap.hq is None or (snap.group_leaders, snap.hq_leaders) != (wanted_groups, wanted_hq)


async def person_by_name(session: AsyncSession, snap: Snapshot, name: str, now: datetime) -> Person:
    """A leader named without a unit: the person of that name, or a new unit-less one.

    Several of that name: the unit-less one, else the one bound to Telegram, else the oldest.
    """
    matches = snap.persons_named(name)
    if (name, None) in snap.persons:
        return snap.persons[(name, None)]
    bound = [p for p in matches if p.telegram_user_id is not None]
    if bound or matches:
        return (bound or matches)[0]
    person = Person(name=name, unit_id=None, created_at=now)
    session.add(person)
    await session.flush()
    snap.persons[(name, None)] = person
    return person


async def write_leaders(
    session: AsyncSession, snap: Snapshot, structure: tl.Structure, now: datetime
) -> None:
    """Replace the groups' leaders and the HQ leaders with the file's (groups exist already)."""
    assert snap.hq is not None and snap.hq.id is not None
    group_ids = [g.id for g in snap.groups.values()]
    await session.exec(delete(GroupLeader).where(col(GroupLeader.group_id).in_(group_ids)))
    await session.exec(delete(HQLeader).where(col(HQLeader.hq_id) == snap.hq.id))
    for group in structure.groups:
        group_id = snap.groups[group.name].id
        assert group_id is not None
        for position, (name, title) in enumerate(group_leaders(group)):
            person = await person_by_name(session, snap, name, now)
            assert person.id is not None
            session.add(
                GroupLeader(group_id=group_id, person_id=person.id, title=title, position=position)
            )
    seen: set[int] = set()
    for position, leader in enumerate(hq_leaders(structure)):
        person = await person_by_name(session, snap, leader.name, now)
        assert person.id is not None
        if person.id in seen:
            continue
        seen.add(person.id)
        session.add(
            HQLeader(
                hq_id=snap.hq.id,
                person_id=person.id,
                role=leader.role,
                title=leader.title,
                position=position,
            )
        )
    await session.flush()
