"""Who the names in a file are: existing persons, persons to create, and one name in two units.

A person is identified by name within their unit, but a name a file lists under several units
(郑榕 under 区委台港澳办 and 区商务局) is one person: their home unit is the first one the file
names, and each assignment keeps its own row's unit. When the database already holds that name
in several of those units, the one bound to Telegram is kept, else the one in the first unit
(nobody is deleted; assignments move to the kept one). Only when two of them are bound, i.e. two
real accounts, are they different people, and each row keeps its unit's person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from models.people import Person
from services.importer.keys import NewPerson, PersonRef
from services.importer.preview import PersonMerge
from services.importer.snapshot import Snapshot


@dataclass
class PeoplePlan:
    """How each (person, unit) of a file maps to a person, and what the import creates."""

    refs: dict[tuple[str, str], PersonRef] = field(default_factory=dict)  # (name, unit) → who
    new_units: list[str] = field(default_factory=list)
    new_persons: list[NewPerson] = field(default_factory=list)
    placed: dict[int, str] = field(default_factory=dict)  # unit-less person id → unit to set
    merges: list[PersonMerge] = field(default_factory=list)


def plan_people(snap: Snapshot, pairs: Iterable[tuple[str, str]]) -> PeoplePlan:
    """Resolve the file's (unit, person) pairs, given in file order, against the snapshot."""
    plan = PeoplePlan()
    units_of: dict[str, list[str]] = {}
    for unit, name in pairs:
        if unit not in snap.units and unit not in plan.new_units:
            plan.new_units.append(unit)
        seen = units_of.setdefault(name, [])
        if unit not in seen:
            seen.append(unit)
    for name, units in units_of.items():
        if len(units) > 1 and not _distinct_people(snap, name, units):
            target = _kept_person(snap, name, units)
            ref = _ref(plan, target, name, units[0])
            plan.refs.update({(name, unit): ref for unit in units})
            plan.merges.append(PersonMerge(name, tuple(units)))
            continue
        for unit in units:
            plan.refs[(name, unit)] = _ref(plan, _in_unit(snap, name, unit), name, unit)
    return plan


def _in_unit(snap: Snapshot, name: str, unit_name: str) -> Person | None:
    """The person of that name in that unit, else the unit-less one of that name (a leader)."""
    unit = snap.units.get(unit_name)
    if unit is not None and (name, unit.id) in snap.persons:
        return snap.persons[(name, unit.id)]
    return snap.persons.get((name, None))


def _candidates(snap: Snapshot, name: str, units: list[str]) -> list[Person]:
    """Existing persons of that name in the file's units (in the file's order), then unit-less."""
    found = []
    for unit_name in units:
        unit = snap.units.get(unit_name)
        if unit is not None and (name, unit.id) in snap.persons:
            found.append(snap.persons[(name, unit.id)])
    loose = snap.persons.get((name, None))
    return found + ([loose] if loose is not None else [])


def _distinct_people(snap: Snapshot, name: str, units: list[str]) -> bool:
    """Two bound accounts under one name: the database says they are different people."""
    bound = [p for p in _candidates(snap, name, units) if p.telegram_user_id is not None]
    return len(bound) > 1


def _kept_person(snap: Snapshot, name: str, units: list[str]) -> Person | None:
    """The existing person a merged name maps to: the bound one, else the first unit's."""
    candidates = _candidates(snap, name, units)
    bound = [p for p in candidates if p.telegram_user_id is not None]
    if bound:
        return bound[0]
    return candidates[0] if candidates else None


def _ref(plan: PeoplePlan, person: Person | None, name: str, home_unit: str) -> PersonRef:
    """An existing person (placing a unit-less one in `home_unit`), or a new person there."""
    if person is None:
        new = NewPerson(name, home_unit)
        if new not in plan.new_persons:
            plan.new_persons.append(new)
        return new
    assert person.id is not None
    if person.unit_id is None:
        plan.placed.setdefault(person.id, home_unit)
    return person.id
