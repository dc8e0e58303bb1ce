"""报送情况 and light counts of a set of items (the whole headquarters or one group)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from models.reporting import ReportStatus
from services.digest.model import ItemLine, Light, LightCounts, MissingPerson, Submission


def light_counts(items: Sequence[ItemLine]) -> LightCounts:
    """How many items have each light; how many reports have each status (in status order)."""
    counts = LightCounts()
    statuses: Counter[str] = Counter()
    green, yellow, red = Light.green, Light.yellow, Light.red
    for item in items:
        light = item.light
        if light is green:
            counts.green += 1
        elif light is yellow:
            counts.yellow += 1
        elif light is red:
            counts.red += 1
        else:
            counts.white += 1
        if item.status is not None:
            statuses[item.status.value] += 1
    counts.statuses = {s: statuses[s.value] for s in ReportStatus if statuses[s.value]}
    return counts


def missing_persons(items: Sequence[ItemLine]) -> list[MissingPerson]:
    """Who has not reported, by (person, unit, group), in the order of their first 序号."""
    found: dict[tuple[int, str, str], MissingPerson] = {}
    listed: set[tuple[int, str, str, int]] = set()
    for item in items:
        if item.status is not None:
            continue
        key = (item.person_id, item.unit, item.group)
        entry = found.setdefault(key, MissingPerson(item.person, item.unit, item.group, [], []))
        if (*key, item.number) not in listed:
            listed.add((*key, item.number))
            entry.numbers.append(item.number)
            entry.task_names.append(item.task_name)
    return list(found.values())


def submission_of(items: Sequence[ItemLine]) -> Submission:
    """报送情况: reported / due, on time / late, persons who reported everything, the missing."""
    reported = late = 0
    persons, short = set(), set()
    for item in items:
        persons.add(item.person_id)
        if item.status is None:
            short.add(item.person_id)
        else:
            reported += 1
            late += item.late
    return Submission(
        due=len(items), reported=reported, on_time=reported - late, late=late,
        persons_due=len(persons), persons_reported=len(persons - short),
        missing=missing_persons(items),
    )  # fmt: skip
