"""One name per unit: the admin's alias table plus the automatic leading-"区" rule.

附件1 and 附件2 spell some units differently (东街口商圈管委会 vs 区东街口商圈管委会). Two units
whose names are equal once a leading "区" is dropped are one; the canonical name is the one the task
list uses (a Unit row with assignments), else the longer. An admin's alias (`/alias 区外事办
区政府办（外事办）`) maps any spelling to any known unit name and wins over the rule.

Aliases are kept flat: an alias never points at another alias. Adding an alias whose canonical is
itself an alias stores the alias's own canonical instead (`AliasKind.chain`), and adding an alias
for a name other aliases point at moves those to the new canonical.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.digest import UnitAlias
from models.people import Unit
from models.tasks import Assignment, WorkingGroup
from services.importer.structure import MEMBER_SEPARATOR
from services.tasklist.normalize import normalize_unit

DISTRICT = "区"
MAX_UNIT = 100  # UnitAlias.alias / canonical column size


def unit_key(name: str) -> str:
    """A unit name with a leading "区" dropped (what the automatic rule compares)."""
    rest = name.removeprefix(DISTRICT)
    return rest or name


@dataclass(frozen=True)
class UnitNames:
    """How units are named in digests: `canonical(name)` resolves aliases and the 区 rule."""

    aliases: dict[str, str] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """The name a unit is shown by."""
        ruled = self.by_key.get(unit_key(name), name)
        return self.aliases.get(name) or self.aliases.get(ruled) or ruled

    def __call__(self, name: str) -> str:
        """Same as `canonical`."""
        return self.canonical(name)


def _preferred(a: tuple[str, bool], b: tuple[str, bool]) -> tuple[str, bool]:
    """Of two spellings, the one with assignments, else the longer (then the smaller)."""
    return min(a, b, key=lambda u: (not u[1], -len(u[0]), u[0]))


def rule_names(units: Iterable[tuple[str, bool]]) -> dict[str, str]:
    """The automatic rule's canonical name per key, from (unit name, has assignments) pairs."""
    best: dict[str, tuple[str, bool]] = {}
    for unit in units:
        key = unit_key(unit[0])
        best[key] = _preferred(best[key], unit) if key in best else unit
    return {key: unit[0] for key, unit in best.items()}


async def unit_names(session: AsyncSession) -> UnitNames:
    """The alias table and the 区 rule over every unit, in two queries."""
    used = exists().where(col(Assignment.unit_id) == col(Unit.id))
    connection = await session.connection()
    rows = (await connection.execute(sa_select(col(Unit.name), used))).all()
    aliases = (await session.exec(select(UnitAlias.alias, UnitAlias.canonical))).all()
    return UnitNames(
        aliases={alias: canonical for alias, canonical in aliases},
        by_key=rule_names((name, bool(has)) for name, has in rows),
    )


class AliasKind(StrEnum):
    """What `/alias` did, or why it did nothing."""

    added = "added"
    replaced = "replaced"  # the alias pointed at another unit before
    unchanged = "unchanged"  # the alias already pointed there
    chain = "chain"  # the canonical was itself an alias: its own canonical was stored
    same_name = "same_name"  # alias and canonical are (or resolve to) the same name
    unknown_unit = "unknown_unit"  # the canonical is no unit of any task list, 附件1 or alias
    too_long = "too_long"
    empty = "empty"


@dataclass(frozen=True)
class AliasOutcome:
    """The alias as stored (names normalised), what it pointed at before, and what happened."""

    kind: AliasKind
    alias: str
    canonical: str
    previous: str | None = None
    moved: int = 0  # other aliases that pointed at `alias` and now point at `canonical`

    @property
    def stored(self) -> bool:
        """Whether the alias table now maps `alias` to `canonical` by this call."""
        return self.kind in (AliasKind.added, AliasKind.replaced, AliasKind.chain)


async def known_units(session: AsyncSession) -> set[str]:
    """Every unit name an alias may point at: units, 附件1's member units, alias targets."""
    names = set((await session.exec(select(Unit.name))).all())
    for members in (await session.exec(select(WorkingGroup.member_units))).all():
        names.update(filter(None, (normalize_unit(m) for m in members.split(MEMBER_SEPARATOR))))
    names.update((await session.exec(select(UnitAlias.canonical))).all())
    return names


def _refusal(alias: str, canonical: str) -> AliasKind | None:
    """Why the pair cannot be stored, judging by the names alone."""
    if not alias or not canonical:
        return AliasKind.empty
    if len(alias) > MAX_UNIT or len(canonical) > MAX_UNIT:
        return AliasKind.too_long
    if alias == canonical:
        return AliasKind.same_name
    return None


async def add_alias(
    session: AsyncSession, *, alias: str, canonical: str, by: int | None, now: datetime
) -> AliasOutcome:
    """Show unit `alias` as `canonical` from now on; commit when stored."""
    alias, canonical = normalize_unit(alias), normalize_unit(canonical)
    refused = _refusal(alias, canonical)
    if refused is not None:
        return AliasOutcome(refused, alias, canonical)
    table = {a.alias: a for a in (await session.exec(select(UnitAlias))).all()}
    kind = AliasKind.added
    if canonical in table:
        kind, canonical = AliasKind.chain, table[canonical].canonical
        if canonical == alias:
            return AliasOutcome(AliasKind.same_name, alias, canonical)
    elif canonical not in await known_units(session):
        return AliasOutcome(AliasKind.unknown_unit, alias, canonical)
    current = table.get(alias)
    previous = current.canonical if current is not None else None
    if previous == canonical:
        return AliasOutcome(AliasKind.unchanged, alias, canonical, previous)
    if current is None:
        current = UnitAlias(alias=alias, canonical=canonical, added_by=by, added_at=now)
    else:
        current.canonical, current.added_by, current.added_at = canonical, by, now
        kind = AliasKind.replaced if kind is AliasKind.added else kind
    session.add(current)
    moved = [a for a in table.values() if a.canonical == alias]
    for other in moved:
        other.canonical = canonical
        session.add(other)
    await session.commit()
    return AliasOutcome(kind, alias, canonical, previous, len(moved))


class RemoveKind(StrEnum):
    """What `/alias remove` did."""

    removed = "removed"
    unknown = "unknown"  # no such alias


async def remove_alias(session: AsyncSession, *, alias: str) -> RemoveKind:
    """Drop an alias (the unit is shown by its own name again); commit."""
    found = await session.get(UnitAlias, normalize_unit(alias))
    if found is None:
        return RemoveKind.unknown
    await session.delete(found)
    await session.commit()
    return RemoveKind.removed


async def list_aliases(session: AsyncSession) -> list[UnitAlias]:
    """Every alias, by canonical name then alias (code point order, the same on every backend)."""
    aliases = (await session.exec(select(UnitAlias))).all()
    return sorted(aliases, key=lambda a: (a.canonical, a.alias))
