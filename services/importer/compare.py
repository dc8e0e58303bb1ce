"""Compare a parsed task list with the snapshot: tasks added, changed, withdrawn, restored."""

from __future__ import annotations

from models.tasks import TaskStatus
from services import tasklist as tl
from services.importer.keys import PersonRef, TaskKey, dec, diff_fields, ym
from services.importer.people import PeoplePlan
from services.importer.preview import ImportPreview, TaskChange
from services.importer.snapshot import Snapshot

Refs = dict[tuple[str, str], PersonRef]


def parsed_key(task: tl.Task, refs: Refs) -> TaskKey:
    """Comparable content of a parsed task, its persons resolved by `refs`."""
    metric = task.metric
    return TaskKey(
        group=task.group,
        name=task.name,
        metric=(metric.name, metric.unit, dec(metric.annual_target)) if metric else None,
        total_investment=dec(task.total_investment),
        stages=tuple(
            (
                s.content,
                ym(s.start),
                ym(s.end),
                tuple(_pairs(s, refs)),
            )
            for s in task.stages
        ),
    )


def _pairs(stage: tl.Stage, refs: Refs) -> list[tuple[str, PersonRef]]:
    """A stage's (unit, person) pairs, without repeats (one person may stand for two names)."""
    pairs: list[tuple[str, PersonRef]] = []
    for a in stage.assignments:
        pair = (a.unit, refs[(a.person, a.unit)])
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def compare(snap: Snapshot, parsed: tl.TaskList, hq_name: str, people: PeoplePlan) -> ImportPreview:
    """What importing `parsed` over `snap` changes (tasks, groups, units, persons)."""
    preview = ImportPreview(hq_name=hq_name, plan_year=parsed.plan_year, title=parsed.title)
    preview.problems = list(parsed.problems)
    preview.task_count = len(parsed.tasks)
    preview.stage_count = sum(len(t.stages) for t in parsed.tasks)
    preview.group_count = len({t.group for t in parsed.tasks})
    preview.new_units = list(people.new_units)
    preview.new_persons = [(p.name, p.unit or "") for p in people.new_persons]
    preview.merged_persons = list(people.merges)
    for task in parsed.tasks:
        if task.group not in snap.groups and task.group not in preview.new_groups:
            preview.new_groups.append(task.group)
        old = snap.tasks.get(task.number)
        if old is None:
            preview.added.append((task.number, task.name))
            continue
        if old.status == TaskStatus.withdrawn:
            preview.reactivated.append((task.number, task.name))
        fields = diff_fields(snap.keys[task.number], parsed_key(task, people.refs))
        if fields:
            preview.changed.append(TaskChange(task.number, task.name, fields))
        elif old.status != TaskStatus.withdrawn:
            preview.unchanged += 1
    numbers = {t.number for t in parsed.tasks}
    for number, old in sorted(snap.tasks.items()):
        if number not in numbers and old.status != TaskStatus.withdrawn:
            preview.withdrawn.append((number, old.name))
    return preview
