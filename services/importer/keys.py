"""The comparable content of a task, from the file or from the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services import tasklist as tl


@dataclass(frozen=True)
class NewPerson:
    """A person the import will create: their name and home unit (None for a leader)."""

    name: str
    unit: str | None


# Who answers for a stage: an existing person's id, or a person the import creates.
PersonRef = int | NewPerson
StageKey = tuple[str, int, int, tuple[tuple[str, PersonRef], ...]]


@dataclass(frozen=True)
class TaskKey:
    """The comparable content of one task: everything a re-import could change."""

    group: str
    name: str
    metric: tuple[str, str, Decimal | None] | None
    total_investment: Decimal | None
    stages: tuple[StageKey, ...]


def ym(value: tl.YearMonth) -> int:
    """A month as the database stores it (YYYYMM)."""
    return value.year * 100 + value.month


def dec(value: Decimal | None) -> Decimal | None:
    """A decimal in a form that compares equal however it was stored."""
    return None if value is None else Decimal(value).normalize()


def diff_fields(old: TaskKey, new: TaskKey) -> list[str]:
    """Which parts of a task differ: group, name, metric, stages, assignments."""
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
