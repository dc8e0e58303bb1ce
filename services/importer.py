"""Task-list import: compare a parsed file with the database (preview), then apply in one go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import (
    Assignment,
    GroupLeader,
    HQLeader,
    Stage,
    Task,
    TaskStatus,
    WorkingGroup,
)
from services import tasklist as tl

_NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # placeholder time for dry runs (nothing is written)

# A task as the comparison sees it: everything a re-import could change.
StageKey = tuple[str, int, int, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class TaskKey:
    """The comparable content of one task."""

    group: str
    name: str
    metric: tuple[str, str, Decimal] | None
    total_investment: Decimal | None
    stages: tuple[StageKey, ...]


@dataclass
class TaskChange:
    """A task whose content differs between the file and the database."""

    number: int
    name: str
    fields: list[str]


@dataclass
class ImportPreview:
    """What importing a file would do (or did)."""

    hq_name: str
    plan_year: int
    problems: list[tl.Problem] = field(default_factory=list)
    added: list[tuple[int, str]] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    withdrawn: list[tuple[int, str]] = field(default_factory=list)
    reactivated: list[tuple[int, str]] = field(default_factory=list)
    unchanged: int = 0
    new_groups: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    new_persons: list[tuple[str, str]] = field(default_factory=list)
    leaders_changed: bool = False
    task_count: int = 0
    stage_count: int = 0
    group_count: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        """True when the file has no problems and can be imported."""
        return not self.problems

    @property
    def is_noop(self) -> bool:
        """True when importing would change nothing."""
        return not (
            self.added
            or self.changed
            or self.withdrawn
            or self.reactivated
            or self.new_groups
            or self.new_units
            or self.new_persons
            or self.leaders_changed
        )


def parsed_key(task: tl.Task) -> TaskKey:
    """Comparable content of a parsed task."""
    metric = task.metric
    return TaskKey(
        group=task.group,
        name=task.name,
        metric=(metric.name, metric.unit, _dec(metric.annual_target)) if metric else None,
        total_investment=_dec(task.total_investment),
        stages=tuple(
            (
                s.content,
                _ym(s.start),
                _ym(s.end),
                tuple((a.unit, a.person) for a in s.assignments),
            )
            for s in task.stages
        ),
    )


def _ym(value: tl.YearMonth) -> int:
    return value.year * 100 + value.month


def _dec(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def _diff_fields(old: TaskKey, new: TaskKey) -> list[str]:
    fields = []
    if old.group != new.group:
        fields.append("group")
    if old.name != new.name:
        fields.append("name")
    if old.metric != new.metric or old.total_investment != new.total_investment:
        fields.append("metric")
    if len(old.stages) != len(new.stages) or any(
        o[:3] != n[:3] for o, n in zip(old.stages, new.stages, strict=False)
    ):
        fields.append("stages")
    if [s[3] for s in old.stages] != [s[3] for s in new.stages]:
        fields.append("assignments")
    return fields


@dataclass
class _Snapshot:
    """The database state an import is compared with."""

    hq: Headquarters | None
    tasks: dict[int, Task]
    keys: dict[int, TaskKey]
    stages: dict[int, list[Any]]  # task id → stage rows (id, task_id, seq, content, …)
    assignments: dict[int, list[tuple[int, int]]]  # stage id → (unit id, person id)
    groups: dict[str, WorkingGroup]
    units: dict[str, Unit]
    persons: dict[tuple[str, int | None], Person]


async def find_hq(session: AsyncSession, name: str) -> Headquarters | None:
    """A headquarters by name."""
    return (await session.exec(select(Headquarters).where(Headquarters.name == name))).first()


async def _snapshot(session: AsyncSession, hq_name: str, plan_year: int) -> _Snapshot:
    hq = await find_hq(session, hq_name)
    units = {u.name: u for u in (await session.exec(select(Unit))).all()}
    persons = {(p.name, p.unit_id): p for p in (await session.exec(select(Person))).all()}
    snap = _Snapshot(hq, {}, {}, {}, {}, {}, units, persons)
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
    by_task: dict[int, list[Any]] = {t.id: [] for t in snap.tasks.values()}
    stage_rows = await session.exec(
        select(Stage.id, Stage.task_id, Stage.seq, Stage.content, Stage.start_ym, Stage.end_ym)
        .add_columns(Stage.active)
        .join(Task, col(Task.id) == Stage.task_id)
        .where(in_plan)
        .order_by(Stage.task_id, Stage.seq)
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
        .order_by(Assignment.stage_id, Assignment.position)
    )
    for stage_id, unit_id, person_id in pairs.all():
        by_stage.setdefault(stage_id, []).append((unit_id, person_id))
    snap.assignments = by_stage
    group_names = {g.id: g.name for g in snap.groups.values()}
    unit_names = {u.id: u.name for u in units.values()}
    person_names = {p.id: p.name for p in persons.values()}
    for number, task in snap.tasks.items():
        active = [s for s in by_task[task.id] if s.active]
        snap.keys[number] = TaskKey(
            group=group_names.get(task.group_id, ""),
            name=task.name,
            metric=(
                (task.metric_name, task.metric_unit, _dec(task.metric_annual_target))
                if task.metric_name
                else None
            ),
            total_investment=_dec(task.total_investment),
            stages=tuple(
                (
                    s.content,
                    s.start_ym,
                    s.end_ym,
                    tuple((unit_names[u], person_names[p]) for u, p in by_stage.get(s.id, [])),
                )
                for s in active
            ),
        )
    return snap


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _compare(snap: _Snapshot, parsed: tl.TaskList, hq_name: str) -> ImportPreview:
    preview = ImportPreview(hq_name=hq_name, plan_year=parsed.plan_year)
    preview.problems = list(parsed.problems)
    preview.task_count = len(parsed.tasks)
    preview.stage_count = sum(len(t.stages) for t in parsed.tasks)
    preview.group_count = len({t.group for t in parsed.tasks})
    seen_units: set[str] = set()
    seen_persons: set[tuple[str, str]] = set()
    seen_groups: set[str] = set()
    for task in parsed.tasks:
        if task.group not in snap.groups and task.group not in seen_groups:
            seen_groups.add(task.group)
            preview.new_groups.append(task.group)
        for stage in task.stages:
            for a in stage.assignments:
                unit = snap.units.get(a.unit)
                if unit is None and a.unit not in seen_units:
                    seen_units.add(a.unit)
                    preview.new_units.append(a.unit)
                if _find_person(snap, a.person, unit) is None and (a.person, a.unit) not in (
                    seen_persons
                ):
                    seen_persons.add((a.person, a.unit))
                    preview.new_persons.append((a.person, a.unit))
        old = snap.tasks.get(task.number)
        if old is None:
            preview.added.append((task.number, task.name))
            continue
        if old.status == TaskStatus.withdrawn:
            preview.reactivated.append((task.number, task.name))
        fields = _diff_fields(snap.keys[task.number], parsed_key(task))
        if fields:
            preview.changed.append(TaskChange(task.number, task.name, fields))
        elif old.status != TaskStatus.withdrawn:
            preview.unchanged += 1
    numbers = {t.number for t in parsed.tasks}
    for number, old in sorted(snap.tasks.items()):
        if number not in numbers and old.status != TaskStatus.withdrawn:
            preview.withdrawn.append((number, old.name))
    return preview


def _find_person(snap: _Snapshot, name: str, unit: Unit | None) -> Person | None:
    if unit is not None and (name, unit.id) in snap.persons:
        return snap.persons[(name, unit.id)]
    return snap.persons.get((name, None))


async def preview_import(session: AsyncSession, hq_name: str, parsed: tl.TaskList) -> ImportPreview:
    """What importing `parsed` into headquarters `hq_name` would change; writes nothing."""
    snap = await _snapshot(session, hq_name, parsed.plan_year)
    preview = _compare(snap, parsed, hq_name)
    preview.leaders_changed = await _leaders_differ(session, snap, parsed)
    return preview


Parsed = tl.TaskList | tl.Structure


def parse_upload(data: bytes, filename: str, plan_year: int) -> Parsed:
    """Parse a file as a task list, or as an 附件1 structure when it has no task-list header."""
    tasks = tl.parse_task_file(data, filename, plan_year=plan_year)
    if not tasks.tasks and any(p.code == "no_header" for p in tasks.problems):
        structure = tl.parse_structure_file(data, filename)
        if structure.groups:
            return structure
    return tasks


async def preview_upload(session: AsyncSession, hq_name: str, parsed: Parsed) -> ImportPreview:
    """Preview either kind of upload without writing."""
    if isinstance(parsed, tl.Structure):
        return await apply_structure(session, hq_name, parsed, now=_NEVER, dry_run=True)
    return await preview_import(session, hq_name, parsed)


async def apply_upload(
    session: AsyncSession, hq_name: str, parsed: Parsed, *, now: datetime
) -> ImportPreview:
    """Apply either kind of upload in one transaction."""
    if isinstance(parsed, tl.Structure):
        return await apply_structure(session, hq_name, parsed, now=now)
    return await apply_import(session, hq_name, parsed, now=now)


async def apply_import(
    session: AsyncSession, hq_name: str, parsed: tl.TaskList, *, now: datetime
) -> ImportPreview:
    """Apply `parsed` in one transaction (nothing when it has problems); returns what changed."""
    snap = await _snapshot(session, hq_name, parsed.plan_year)
    preview = _compare(snap, parsed, hq_name)
    preview.leaders_changed = await _leaders_differ(session, snap, parsed)
    if not preview.ok or (preview.is_noop and snap.hq is not None):
        await session.rollback()
        return preview
    hq = snap.hq
    if hq is None:
        hq = Headquarters(name=hq_name, created_at=now)
        session.add(hq)
        await session.flush()
        snap.hq = hq
    await _ensure_groups(session, snap, parsed)
    await _ensure_people(session, snap, parsed, now)
    await _write_tasks(session, snap, parsed, now)
    if parsed.structure is not None:
        await _write_structure(session, snap, parsed.structure, now)
    await session.commit()
    preview.applied = True
    return preview


async def _ensure_groups(session: AsyncSession, snap: _Snapshot, parsed: tl.TaskList) -> None:
    names = [t.group for t in parsed.tasks]
    if parsed.structure is not None:
        names += [g.name for g in parsed.structure.groups]
    position = len(snap.groups)
    for name in dict.fromkeys(names):
        if name not in snap.groups:
            group = WorkingGroup(hq_id=snap.hq.id, name=name, position=position)
            position += 1
            snap.groups[name] = group
            session.add(group)
    if parsed.structure is not None:
        for g in parsed.structure.groups:
            snap.groups[g.name].member_units = "、".join(g.member_units)
    await session.flush()


async def _ensure_people(
    session: AsyncSession, snap: _Snapshot, parsed: tl.TaskList, now: datetime
) -> None:
    pairs = [(a.unit, a.person) for t in parsed.tasks for s in t.stages for a in s.assignments]
    for unit_name in dict.fromkeys(u for u, _ in pairs):
        if unit_name not in snap.units:
            unit = Unit(name=unit_name, created_at=now)
            snap.units[unit_name] = unit
            session.add(unit)
    await session.flush()
    for unit_name, person_name in dict.fromkeys(pairs):
        unit = snap.units[unit_name]
        if (person_name, unit.id) in snap.persons:
            continue
        loose = snap.persons.pop((person_name, None), None)
        if loose is not None:  # a leader named without a unit, now placed by the task list
            loose.unit_id = unit.id
            snap.persons[(person_name, unit.id)] = loose
            continue
        person = Person(name=person_name, unit_id=unit.id, created_at=now)
        snap.persons[(person_name, unit.id)] = person
        session.add(person)
    await session.flush()


async def _write_tasks(
    session: AsyncSession, snap: _Snapshot, parsed: tl.TaskList, now: datetime
) -> None:
    """Insert new tasks in bulk, update changed ones in place, withdraw the missing."""
    new_items: list[tl.Task] = []
    changed: list[tuple[Task, tl.Task]] = []
    for item in parsed.tasks:
        task = snap.tasks.get(item.number)
        if task is None:
            new_items.append(item)
            continue
        if task.status == TaskStatus.withdrawn:
            task.status = TaskStatus.active
            task.updated_at = now
        if _diff_fields(snap.keys[item.number], parsed_key(item)):
            _fill_task(task, item, snap, now)
            changed.append((task, item))
    numbers = {t.number for t in parsed.tasks}
    for number, task in snap.tasks.items():
        if number not in numbers and task.status != TaskStatus.withdrawn:
            task.status = TaskStatus.withdrawn
            task.updated_at = now
    orm_stages = await _stages_of(session, [task.id for task, _ in changed])
    for task, item in changed:
        existing = orm_stages.get(task.id, [])
        for seq, st in enumerate(item.stages, start=1):
            if seq <= len(existing):
                stage = existing[seq - 1]
                stage.content, stage.period_text = st.content, st.period_text
                stage.start_ym, stage.end_ym, stage.active = _ym(st.start), _ym(st.end), True
            else:
                stage = _new_stage(task.id, seq, st)
                session.add(stage)
                existing.append(stage)
        for stage in existing[len(item.stages) :]:
            stage.active = False
        orm_stages[task.id] = existing
    await session.flush()
    assignment_rows: list[dict[str, int]] = []
    for task, item in changed:
        for stage, st in zip(orm_stages[task.id], item.stages, strict=False):
            wanted = _assignment_rows(snap, st)
            current = snap.assignments.get(stage.id, [])
            if current == wanted:
                continue
            await session.exec(delete(Assignment).where(col(Assignment.stage_id) == stage.id))
            assignment_rows += _assignment_dicts(stage.id, wanted)
    assignment_rows += await _insert_new_tasks(session, snap, new_items, parsed.plan_year, now)
    for chunk in range(0, len(assignment_rows), 5000):
        await session.exec(insert(Assignment), params=assignment_rows[chunk : chunk + 5000])


async def _stages_of(session: AsyncSession, task_ids: list[int]) -> dict[int, list[Stage]]:
    """Stage rows as ORM objects, for the (few) tasks a re-import changes."""
    found: dict[int, list[Stage]] = {tid: [] for tid in task_ids}
    for chunk in _chunks(task_ids, 1000):
        rows = await session.exec(
            select(Stage).where(col(Stage.task_id).in_(chunk)).order_by(Stage.task_id, Stage.seq)
        )
        for stage in rows.all():
            found[stage.task_id].append(stage)
    return found


async def _insert_new_tasks(
    session: AsyncSession, snap: _Snapshot, items: list[tl.Task], plan_year: int, now: datetime
) -> list[dict[str, int]]:
    """Bulk-insert new tasks and their stages; return their assignment rows to insert."""
    if not items:
        return []
    task_rows = [
        {
            "hq_id": snap.hq.id,
            "plan_year": plan_year,
            "number": item.number,
            "name": item.name,
            "group_id": snap.groups[item.group].id,
            "status": TaskStatus.active.value,
            "metric_name": item.metric.name if item.metric else None,
            "metric_unit": item.metric.unit if item.metric else None,
            "metric_annual_target": item.metric.annual_target if item.metric else None,
            "total_investment": item.total_investment,
            "created_at": now,
            "updated_at": now,
        }
        for item in items
    ]
    task_ids: dict[int, int] = {}
    for chunk in range(0, len(task_rows), 5000):
        result = await session.exec(
            insert(Task).returning(Task.number, Task.id, sort_by_parameter_order=True),
            params=task_rows[chunk : chunk + 5000],
        )
        task_ids.update(dict(result.all()))
    stage_rows = [
        {
            "task_id": task_ids[item.number],
            "seq": seq,
            "content": st.content,
            "start_ym": _ym(st.start),
            "end_ym": _ym(st.end),
            "period_text": st.period_text,
            "active": True,
        }
        for item in items
        for seq, st in enumerate(item.stages, start=1)
    ]
    stage_ids: dict[tuple[int, int], int] = {}
    for chunk in range(0, len(stage_rows), 5000):
        result = await session.exec(
            insert(Stage).returning(
                Stage.task_id, Stage.seq, Stage.id, sort_by_parameter_order=True
            ),
            params=stage_rows[chunk : chunk + 5000],
        )
        stage_ids.update({(task_id, seq): sid for task_id, seq, sid in result.all()})
    rows: list[dict[str, int]] = []
    for item in items:
        for seq, st in enumerate(item.stages, start=1):
            stage_id = stage_ids[(task_ids[item.number], seq)]
            rows += _assignment_dicts(stage_id, _assignment_rows(snap, st))
    return rows


def _assignment_dicts(stage_id: int, pairs: list[tuple[int, int]]) -> list[dict[str, int]]:
    return [
        {"stage_id": stage_id, "unit_id": unit_id, "person_id": person_id, "position": position}
        for position, (unit_id, person_id) in enumerate(pairs)
    ]


def _assignment_rows(snap: _Snapshot, stage: tl.Stage) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    for a in stage.assignments:
        unit = snap.units[a.unit]
        person = snap.persons[(a.person, unit.id)]
        pair = (unit.id, person.id)
        if pair not in rows:
            rows.append(pair)
    return rows


def _new_stage(task_id: int, seq: int, st: tl.Stage) -> Stage:
    return Stage(
        task_id=task_id,
        seq=seq,
        content=st.content,
        start_ym=_ym(st.start),
        end_ym=_ym(st.end),
        period_text=st.period_text,
    )


def _fill_task(task: Task, item: tl.Task, snap: _Snapshot, now: datetime) -> None:
    task.name = item.name
    task.group_id = snap.groups[item.group].id
    task.metric_name = item.metric.name if item.metric else None
    task.metric_unit = item.metric.unit if item.metric else None
    task.metric_annual_target = item.metric.annual_target if item.metric else None
    task.total_investment = item.total_investment
    task.status = TaskStatus.active
    task.updated_at = now


async def _leaders_differ(session: AsyncSession, snap: _Snapshot, parsed: tl.TaskList) -> bool:
    if parsed.structure is None:
        return False
    if snap.hq is None:
        return True
    current = await _leader_rows(session, snap.hq.id)
    return current != _wanted_leader_rows(parsed.structure)


async def _leader_rows(session: AsyncSession, hq_id: int) -> tuple[list, list]:
    groups = (
        await session.exec(
            select(WorkingGroup.name, Person.name, GroupLeader.title)
            .join(GroupLeader, GroupLeader.group_id == WorkingGroup.id)
            .join(Person, Person.id == GroupLeader.person_id)
            .where(WorkingGroup.hq_id == hq_id)
            .order_by(WorkingGroup.name, GroupLeader.position)
        )
    ).all()
    leaders = (
        await session.exec(
            select(HQLeader.role, Person.name, HQLeader.title)
            .join(Person, Person.id == HQLeader.person_id)
            .where(HQLeader.hq_id == hq_id)
            .order_by(HQLeader.position)
        )
    ).all()
    return [tuple(r) for r in groups], [tuple(r) for r in leaders]


def _wanted_leader_rows(structure: tl.Structure) -> tuple[list, list]:
    groups = sorted(
        (
            (g.name, name, title)
            for g in structure.groups
            for name, title in zip(g.leaders, _pad(g.leader_titles, len(g.leaders)), strict=False)
        ),
        key=lambda r: r[0],
    )
    leaders = [(ld.role, ld.name, ld.title) for ld in structure.leaders]
    return groups, leaders


def _pad(items: list[str], n: int) -> list[str]:
    return list(items) + [""] * (n - len(items))


async def _person_by_name(
    session: AsyncSession, snap: _Snapshot, name: str, now: datetime
) -> Person:
    """A leader named without a unit: the one person of that name, or a new unit-less one."""
    matches = [p for (n, _), p in snap.persons.items() if n == name]
    if len(matches) == 1:
        return matches[0]
    if (name, None) in snap.persons:
        return snap.persons[(name, None)]
    person = Person(name=name, unit_id=None, created_at=now)
    session.add(person)
    await session.flush()
    snap.persons[(name, None)] = person
    return person


async def _write_structure(
    session: AsyncSession, snap: _Snapshot, structure: tl.Structure, now: datetime
) -> None:
    hq_id = snap.hq.id
    group_ids = [g.id for g in snap.groups.values()]
    for row in (
        await session.exec(select(GroupLeader).where(col(GroupLeader.group_id).in_(group_ids)))
    ).all():
        await session.delete(row)
    for row in (await session.exec(select(HQLeader).where(HQLeader.hq_id == hq_id))).all():
        await session.delete(row)
    await session.flush()
    for g in structure.groups:
        titles = _pad(g.leader_titles, len(g.leaders))
        for position, (name, title) in enumerate(zip(g.leaders, titles, strict=False)):
            person = await _person_by_name(session, snap, name, now)
            session.add(
                GroupLeader(
                    group_id=snap.groups[g.name].id,
                    person_id=person.id,
                    title=title,
                    position=position,
                )
            )
    seen: set[int] = set()
    for position, ld in enumerate(structure.leaders):
        person = await _person_by_name(session, snap, ld.name, now)
        if person.id in seen:
            continue
        seen.add(person.id)
        session.add(
            HQLeader(
                hq_id=hq_id, person_id=person.id, role=ld.role, title=ld.title, position=position
            )
        )
    await session.flush()


async def apply_structure(
    session: AsyncSession,
    hq_name: str,
    structure: tl.Structure,
    *,
    now: datetime,
    dry_run: bool = False,
) -> ImportPreview:
    """Import an 附件1 on its own: working groups, their leaders and the HQ leaders."""
    holder = tl.TaskList(tasks=[], problems=list(structure.problems), plan_year=0)
    holder.structure = structure
    snap = await _snapshot(session, hq_name, 0)
    preview = ImportPreview(hq_name=hq_name, plan_year=0, problems=list(structure.problems))
    preview.new_groups = [g.name for g in structure.groups if g.name not in snap.groups]
    preview.group_count = len(structure.groups)
    preview.leaders_changed = await _leaders_differ(session, snap, holder)
    if dry_run or not preview.ok or (preview.is_noop and snap.hq is not None):
        await session.rollback()
        return preview
    if snap.hq is None:
        snap.hq = Headquarters(name=hq_name, created_at=now)
        session.add(snap.hq)
        await session.flush()
    await _ensure_groups(session, snap, holder)
    await _write_structure(session, snap, structure, now)
    await session.commit()
    preview.applied = True
    return preview
