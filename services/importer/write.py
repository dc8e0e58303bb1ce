"""Plan an import (snapshot, people, comparison) and write it, all in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person, Unit
from models.tables import Headquarters
from models.tasks import Assignment, Stage, Task, TaskStatus, WorkingGroup
from services import tasklist as tl
from services.importer.compare import compare, parsed_key
from services.importer.keys import NewPerson, diff_fields, ym
from services.importer.people import PeoplePlan, plan_people
from services.importer.preview import ImportPreview
from services.importer.snapshot import Snapshot, load_snapshot
from services.importer.structure import (
    MEMBER_SEPARATOR,
    compare_structure,
    leader_rows_differ,
    write_leaders,
)

CHUNK = 1000  # rows per bulk INSERT (small enough that other updates run in between)


@dataclass
class ImportPlan:
    """An import worked out against the database: what it reads, resolves and would change."""

    snap: Snapshot
    parsed: tl.TaskList
    people: PeoplePlan
    preview: ImportPreview
    fingerprint: str  # of the state this plan was computed on (see Snapshot.fingerprint)
    rename_to: str | None = None

    @property
    def writes(self) -> bool:
        """Whether applying would write anything (no problems, and something to change)."""
        return self.preview.ok and not (self.preview.is_noop and self.snap.hq is not None)


async def plan_import(
    session: AsyncSession,
    hq_name: str,
    parsed: tl.TaskList,
    *,
    lock: bool = False,
    rename_to: str | None = None,
) -> ImportPlan:
    """Compare `parsed` (plan year 0: an 附件1 on its own) with `hq_name`'s data; writes nothing.

    `rename_to` renames the headquarters with the import unless another one has that name.
    """
    snap = await load_snapshot(session, hq_name, parsed.plan_year, lock=lock)
    pairs = [(a.unit, a.person) for t in parsed.tasks for s in t.stages for a in s.assignments]
    people = plan_people(snap, pairs)
    preview = compare(snap, parsed, hq_name, people)
    structure = parsed.structure
    if structure is not None:
        created = {p.name for p in people.new_persons}
        changes = compare_structure(snap, structure, created)
        preview.structure = changes
        preview.title = preview.title or structure.title
        preview.leaders_changed = leader_rows_differ(snap, structure)
        for group in changes.new_groups:
            if group.name not in preview.new_groups:
                preview.new_groups.append(group.name)
        preview.new_persons += [(name, "") for name in changes.new_persons]
        if not parsed.tasks:
            preview.group_count = len(structure.groups)
    plan = ImportPlan(snap, parsed, people, preview, snap.fingerprint())
    if rename_to and snap.hq is not None and rename_to != snap.hq.name:
        if await _name_free(session, rename_to):
            plan.rename_to = rename_to
            preview.hq_renamed_from = snap.hq.name
            preview.hq_name = rename_to
    return plan


async def _name_free(session: AsyncSession, name: str) -> bool:
    found = await session.exec(select(Headquarters.id).where(col(Headquarters.name) == name))
    return found.first() is None


async def write_plan(session: AsyncSession, plan: ImportPlan, *, now: datetime) -> bool:
    """Write a plan in the session's transaction (no commit); False when there is nothing to."""
    if not plan.writes:
        return False
    snap, parsed = plan.snap, plan.parsed
    if snap.hq is None:
        snap.hq = Headquarters(name=plan.preview.hq_name, created_at=now)
        session.add(snap.hq)
    elif plan.rename_to:
        snap.hq.name = plan.rename_to
        session.add(snap.hq)
    await session.flush()
    await _ensure_groups(session, snap, parsed)
    await _ensure_people(session, snap, plan.people, now)
    await _write_tasks(session, plan, now)
    if parsed.structure is not None and plan.preview.leaders_changed:
        await write_leaders(session, snap, parsed.structure, now)
    plan.preview.applied = True
    return True


async def _ensure_groups(session: AsyncSession, snap: Snapshot, parsed: tl.TaskList) -> None:
    assert snap.hq is not None and snap.hq.id is not None
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
            members = MEMBER_SEPARATOR.join(g.member_units)
            if snap.groups[g.name].member_units != members:
                snap.groups[g.name].member_units = members
    await session.flush()


async def _ensure_people(
    session: AsyncSession, snap: Snapshot, people: PeoplePlan, now: datetime
) -> None:
    """Create the new units, place unit-less persons, create the new persons."""
    for unit_name in people.new_units:
        unit = Unit(name=unit_name, created_at=now)
        snap.units[unit_name] = unit
        session.add(unit)
    await session.flush()
    by_id = {p.id: p for p in snap.persons.values()}
    for person_id, unit_name in people.placed.items():
        person = by_id[person_id]
        del snap.persons[(person.name, None)]
        person.unit_id = snap.units[unit_name].id
        snap.persons[(person.name, person.unit_id)] = person
    for new in people.new_persons:
        unit_id = snap.units[new.unit].id if new.unit else None
        person = Person(name=new.name, unit_id=unit_id, created_at=now)
        snap.persons[(new.name, unit_id)] = person
        session.add(person)
    await session.flush()


def _person_id(snap: Snapshot, ref: int | NewPerson) -> int:
    if isinstance(ref, int):
        return ref
    unit_id = snap.units[ref.unit].id if ref.unit else None
    person_id = snap.persons[(ref.name, unit_id)].id
    assert person_id is not None
    return person_id


def _assignment_pairs(snap: Snapshot, people: PeoplePlan, stage: tl.Stage) -> list[tuple[int, int]]:
    """A stage's (unit id, person id) pairs, in the file's order, each once."""
    pairs: list[tuple[int, int]] = []
    for a in stage.assignments:
        unit_id = snap.units[a.unit].id
        assert unit_id is not None
        pair = (unit_id, _person_id(snap, people.refs[(a.person, a.unit)]))
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _assignment_dicts(stage_id: int, pairs: list[tuple[int, int]]) -> list[dict[str, int]]:
    return [
        {"stage_id": stage_id, "unit_id": unit_id, "person_id": person_id, "position": position}
        for position, (unit_id, person_id) in enumerate(pairs)
    ]


async def _write_tasks(session: AsyncSession, plan: ImportPlan, now: datetime) -> None:
    """Insert new tasks in bulk, update changed ones in place, withdraw the missing."""
    snap, parsed, people = plan.snap, plan.parsed, plan.people
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
        if diff_fields(snap.keys[item.number], parsed_key(item, people.refs)):
            _fill_task(task, item, snap, now)
            changed.append((task, item))
    numbers = {t.number for t in parsed.tasks}
    if parsed.plan_year:  # an 附件1 on its own withdraws nothing
        for number, task in snap.tasks.items():
            if number not in numbers and task.status != TaskStatus.withdrawn:
                task.status = TaskStatus.withdrawn
                task.updated_at = now
    orm_stages = await _stages_of(session, [task.id for task, _ in changed if task.id is not None])
    for task, item in changed:
        assert task.id is not None
        existing = orm_stages.get(task.id, [])
        for seq, st in enumerate(item.stages, start=1):
            if seq <= len(existing):
                stage = existing[seq - 1]
                stage.content, stage.period_text = st.content, st.period_text
                stage.start_ym, stage.end_ym, stage.active = ym(st.start), ym(st.end), True
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
        for stage, st in zip(orm_stages[task.id or 0], item.stages, strict=False):
            assert stage.id is not None
            wanted = _assignment_pairs(snap, people, st)
            if snap.assignments.get(stage.id, []) == wanted:
                continue
            await session.exec(delete(Assignment).where(col(Assignment.stage_id) == stage.id))
            assignment_rows += _assignment_dicts(stage.id, wanted)
    assignment_rows += await _insert_new_tasks(session, plan, new_items, now)
    for start in range(0, len(assignment_rows), CHUNK):
        await session.exec(insert(Assignment), params=assignment_rows[start : start + CHUNK])


async def _stages_of(session: AsyncSession, task_ids: list[int]) -> dict[int, list[Stage]]:
    """Stage rows as ORM objects, for the (few) tasks a re-import changes."""
    found: dict[int, list[Stage]] = {tid: [] for tid in task_ids}
    for start in range(0, len(task_ids), 1000):
        chunk = task_ids[start : start + 1000]
        rows = await session.exec(
            select(Stage)
            .where(col(Stage.task_id).in_(chunk))
            .order_by(col(Stage.task_id), col(Stage.seq))
        )
        for stage in rows.all():
            found[stage.task_id].append(stage)
    return found


async def _insert_new_tasks(
    session: AsyncSession, plan: ImportPlan, items: list[tl.Task], now: datetime
) -> list[dict[str, int]]:
    """Bulk-insert new tasks and their stages; return their assignment rows to insert.

    RETURNING gives each new row's id with its natural key (序号; task and seq), so rows need
    not come back in parameter order, and the driver can insert them in batches.
    """
    if not items:
        return []
    snap, plan_year = plan.snap, plan.parsed.plan_year
    assert snap.hq is not None
    active = TaskStatus.active.value
    task_rows = [
        {
            "hq_id": snap.hq.id,
            "plan_year": plan_year,
            "number": item.number,
            "name": item.name,
            "group_id": snap.groups[item.group].id,
            "status": active,
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
    for start in range(0, len(task_rows), CHUNK):
        result = await session.exec(
            insert(Task).returning(col(Task.number), col(Task.id)),
            params=task_rows[start : start + CHUNK],
        )
        task_ids.update({number: task_id for number, task_id in result.all()})
    stage_rows = [
        {
            "task_id": task_ids[item.number],
            "seq": seq,
            "content": st.content,
            "start_ym": ym(st.start),
            "end_ym": ym(st.end),
            "period_text": st.period_text,
            "active": True,
        }
        for item in items
        for seq, st in enumerate(item.stages, start=1)
    ]
    stage_ids: dict[tuple[int, int], int] = {}
    for start in range(0, len(stage_rows), CHUNK):
        result = await session.exec(
            insert(Stage).returning(col(Stage.task_id), col(Stage.seq), col(Stage.id)),
            params=stage_rows[start : start + CHUNK],
        )
        stage_ids.update({(task_id, seq): sid for task_id, seq, sid in result.all()})
    rows: list[dict[str, int]] = []
    for item in items:
        for seq, st in enumerate(item.stages, start=1):
            stage_id = stage_ids[(task_ids[item.number], seq)]
            rows += _assignment_dicts(stage_id, _assignment_pairs(snap, plan.people, st))
    return rows


def _new_stage(task_id: int, seq: int, st: tl.Stage) -> Stage:
    return Stage(
        task_id=task_id,
        seq=seq,
        content=st.content,
        start_ym=ym(st.start),
        end_ym=ym(st.end),
        period_text=st.period_text,
    )


def _fill_task(task: Task, item: tl.Task, snap: Snapshot, now: datetime) -> None:
    task.name = item.name
    task.group_id = snap.groups[item.group].id
    task.metric_name = item.metric.name if item.metric else None
    task.metric_unit = item.metric.unit if item.metric else None
    task.metric_annual_target = item.metric.annual_target if item.metric else None
    task.total_investment = item.total_investment
    task.status = TaskStatus.active
    task.updated_at = now
