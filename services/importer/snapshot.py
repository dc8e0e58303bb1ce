"""The database state an import is compared with, and a fingerprint of it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import Assignment, GroupLeader, HQLeader, Stage, Task, WorkingGroup
from services.importer.keys import TaskKey, dec

GroupLeaderRow = tuple[str, str, str]  # (group name, person name, title)
HQLeaderRow = tuple[str, str, str]  # (role, person name, title)


@dataclass
class Snapshot:
    """Everything an import of one headquarters' plan year reads before it writes."""

    hq: Headquarters | None
    units: dict[str, Unit]
    persons: dict[tuple[str, int | None], Person]
    tasks: dict[int, Task] = field(default_factory=dict)
    keys: dict[int, TaskKey] = field(default_factory=dict)
    stages: dict[int, list[Any]] = field(default_factory=dict)  # task id → stage rows
    assignments: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # stage id → pairs
    groups: dict[str, WorkingGroup] = field(default_factory=dict)
    group_leaders: list[GroupLeaderRow] = field(default_factory=list)  # by group name, position
    hq_leaders: list[HQLeaderRow] = field(default_factory=list)  # by position

    def persons_named(self, name: str) -> list[Person]:
        """Every person of that name, oldest first."""
        return sorted(
            (p for (n, _), p in self.persons.items() if n == name), key=lambda p: p.id or 0
        )

    def fingerprint(self) -> str:
        """A hash of this state: a preview stays valid only while the database still has it."""
        digest = hashlib.sha256()

        def put(*parts: object) -> None:
            digest.update(repr(parts).encode())
            digest.update(b"\n")

        put("hq", (self.hq.id, self.hq.name) if self.hq else None)
        for number in sorted(self.tasks):
            put("task", number, self.tasks[number].status, self.keys[number])
        for name in sorted(self.groups):
            group = self.groups[name]
            put("group", name, group.id, group.member_units)
        for name in sorted(self.units):
            put("unit", name, self.units[name].id)
        for person in sorted(self.persons.values(), key=lambda p: p.id or 0):
            put("person", person.id, person.name, person.unit_id)
        put("group_leaders", self.group_leaders)
        put("hq_leaders", self.hq_leaders)
        return digest.hexdigest()


async def find_hq(session: AsyncSession, name: str, *, lock: bool = False) -> Headquarters | None:
    """A headquarters by name (its row locked for the transaction when `lock`, on PostgreSQL)."""
    query = select(Headquarters).where(Headquarters.name == name)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def load_snapshot(
    session: AsyncSession, hq_name: str, plan_year: int, *, lock: bool = False
) -> Snapshot:
    """Read the state an import of `hq_name`'s `plan_year` compares with."""
    hq = await find_hq(session, hq_name, lock=lock)
    units = {u.name: u for u in (await session.exec(select(Unit))).all()}
    persons = {(p.name, p.unit_id): p for p in (await session.exec(select(Person))).all()}
    snap = Snapshot(hq, units, persons)
    if hq is None:
        return snap
    snap.groups = {
        g.name: g
        for g in (await session.exec(select(WorkingGroup).where(WorkingGroup.hq_id == hq.id))).all()
    }
    tasks = (
        await session.exec(select(Task).where(Task.hq_id == hq.id, Task.plan_year == plan_year))
    ).all()
    snap.tasks = {t.number: t for t in tasks}
    in_plan = (col(Task.hq_id) == hq.id) & (col(Task.plan_year) == plan_year)
    by_task: dict[int, list[Any]] = {t.id: [] for t in tasks if t.id is not None}
    conn = await session.connection()  # a Core query: plain rows, no ORM objects for every stage
    stage_rows = await conn.execute(
        core_select(
            col(Stage.id),
            col(Stage.task_id),
            col(Stage.seq),
            col(Stage.content),
            col(Stage.start_ym),
            col(Stage.end_ym),
            col(Stage.active),
        )
        .join(Task, col(Task.id) == Stage.task_id)
        .where(in_plan)
        .order_by(col(Stage.task_id), col(Stage.seq))
    )
    for st in stage_rows.all():
        by_task[st.task_id].append(st)
    snap.stages = by_task
    by_stage: dict[int, list[tuple[int, int]]] = {}
    pairs = await session.exec(
        select(Assignment.stage_id, Assignment.unit_id, Assignment.person_id)
        .join(Stage, col(Stage.id) == Assignment.stage_id)
        .join(Task, col(Task.id) == Stage.task_id)
        .where(in_plan)
        .order_by(col(Assignment.stage_id), col(Assignment.position))
    )
    for stage_id, unit_id, person_id in pairs.all():
        by_stage.setdefault(stage_id, []).append((unit_id, person_id))
    snap.assignments = by_stage
    group_names = {g.id: g.name for g in snap.groups.values()}
    unit_names = {u.id: u.name for u in units.values()}
    for number, task in snap.tasks.items():
        active = [s for s in by_task[task.id or 0] if s.active]
        snap.keys[number] = TaskKey(
            group=group_names.get(task.group_id, ""),
            name=task.name,
            metric=(
                (task.metric_name, task.metric_unit or "", dec(task.metric_annual_target))
                if task.metric_name
                else None
            ),
            total_investment=dec(task.total_investment),
            stages=tuple(
                (
                    s.content,
                    s.start_ym,
                    s.end_ym,
                    tuple((unit_names[u], p) for u, p in by_stage.get(s.id, [])),
                )
                for s in active
            ),
        )
    snap.group_leaders, snap.hq_leaders = await _leader_rows(session, hq.id)
    return snap


async def _leader_rows(
    session: AsyncSession, hq_id: int | None
) -> tuple[list[GroupLeaderRow], list[HQLeaderRow]]:
    groups = (
        await session.exec(
            select(WorkingGroup.name, Person.name, GroupLeader.title)
            .join(GroupLeader, col(GroupLeader.group_id) == WorkingGroup.id)
            .join(Person, col(Person.id) == GroupLeader.person_id)
            .where(WorkingGroup.hq_id == hq_id)
            .order_by(col(WorkingGroup.name), col(GroupLeader.position))
        )
    ).all()
    leaders = (
        await session.exec(
            select(HQLeader.role, Person.name, HQLeader.title)
            .join(Person, col(Person.id) == HQLeader.person_id)
            .where(HQLeader.hq_id == hq_id)
            .order_by(col(HQLeader.position))
        )
    ).all()
    # Python orders the group names (a database's collation may order Chinese otherwise);
    # the sort is stable, so each group keeps its leaders' positions.
    group_rows = sorted(((g, p, t) for g, p, t in groups), key=lambda row: row[0])
    return group_rows, [(r, p, t) for r, p, t in leaders]
