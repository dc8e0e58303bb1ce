"""报送情况 and light counts of a set of items (the whole headquarters or one group)."""

from __future__ import annotations

from collections.abc import Sequence

from models.reporting import ReportStatus
from services.digest.model import ItemLine, LightCounts, MissingPerson, Submission


def light_counts(items: Sequence[ItemLine]) -> LightCounts:
    """How many items have each light; how many reports have each status (in status order)."""
    counts = LightCounts()
    statuses: dict[ReportStatus, int] = {}
    for item in items:
        setattr(counts, item.light.value, counts.of(item.light) + 1)
        if item.status is not None:
            statuses[item.status] = statuses.get(item.status, 0) + 1
    counts.statuses = {s: statuses[s] for s in ReportStatus if s in statuses}
    return counts


def missing_persons(items: Sequence[ItemLine]) -> list[MissingPerson]:
    """Who has not reported, by (person, unit, group), in the order of their first 序号."""
    found: dict[tuple[int, str, str], MissingPerson] = {}
    for item in items:
        if item.reported:
            continue
        key = (item.person_id, item.unit, item.group)
        entry = found.setdefault(key, MissingPerson(item.person, item.unit, item.group, [], []))
        if item.number not in entry.numbers:
            entry.numbers.append(item.number)
            entry.task_names.append(item.task_name)
    return list(found.values())


def submission_of(items: Sequence[ItemLine]) -> Submission:
    """报送情况: reported / due, on time / late, persons who reported everything, the missing."""
    reported = [i for i in items if i.reported]
    late = sum(i.late for i in reported)
    persons = {i.person_id for i in items}
    short = {i.person_id for i in items if not i.reported}
    return Submission(
        due=len(items), reported=len(reported), on_time=len(reported) - late, late=late,
        persons_due=len(persons), persons_reported=len(persons - short),
        missing=missing_persons(items),
    )  # fmt: skip
