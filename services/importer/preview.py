"""What an import would do (or did): the outcome types the bot, the CLI and templates read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services import tasklist as tl

PREVIEW_PROBLEMS = 20  # problems listed in a message; the rest go into the attached workbook


@dataclass
class TaskChange:
    """A task whose content differs between the file and the database."""

    number: int
    name: str
    fields: list[str]


@dataclass(frozen=True)
class PersonMerge:
    """One name listed with several units in a file, taken as one person (home: first unit)."""

    name: str
    units: tuple[str, ...]


class GroupStatus(StrEnum):
    """How a working group of an 附件1 compares with the database."""

    new = "new"
    changed = "changed"
    same = "same"


@dataclass
class GroupPlan:
    """A working group as the 附件1 has it, and how it compares."""

    name: str
    status: GroupStatus
    leaders: list[tuple[str, str]]  # (name, title) in the file's order
    member_units: list[str]


@dataclass
class StructureChanges:
    """What an 附件1 (working groups, their leaders, the HQ leaders) changes."""

    groups: list[GroupPlan] = field(default_factory=list)
    leaders: list[tl.Leader] = field(default_factory=list)
    leaders_changed: bool = False  # the HQ leaders (指挥长/副指挥长) differ
    new_persons: list[str] = field(default_factory=list)  # leaders no one of that name matches

    @property
    def new_groups(self) -> list[GroupPlan]:
        """Groups the database does not have yet."""
        return [g for g in self.groups if g.status == GroupStatus.new]

    @property
    def changed_groups(self) -> list[GroupPlan]:
        """Existing groups whose leaders or member units differ."""
        return [g for g in self.groups if g.status == GroupStatus.changed]

    @property
    def is_noop(self) -> bool:
        """Nothing in the structure would change."""
        return not (
            self.new_groups or self.changed_groups or self.leaders_changed or self.new_persons
        )


@dataclass
class ImportPreview:
    """What importing a file would do (or did)."""

    hq_name: str
    plan_year: int  # 0 for an 附件1 on its own
    problems: list[tl.Problem] = field(default_factory=list)
    added: list[tuple[int, str]] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    withdrawn: list[tuple[int, str]] = field(default_factory=list)
    reactivated: list[tuple[int, str]] = field(default_factory=list)
    unchanged: int = 0
    new_groups: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    new_persons: list[tuple[str, str]] = field(default_factory=list)  # (name, unit or "")
    merged_persons: list[PersonMerge] = field(default_factory=list)
    leaders_changed: bool = False
    structure: StructureChanges | None = None
    hq_renamed_from: str | None = None  # the HQ's old name when this import renames it
    title: str | None = None  # the file's title
    task_count: int = 0
    stage_count: int = 0
    group_count: int = 0
    applied: bool = False

    @property
    def ok(self) -> bool:
        """True when the file has no problems and can be imported."""
        return not self.problems

    @property
    def is_structure(self) -> bool:
        """An 附件1 on its own (no task list)."""
        return self.plan_year == 0

    @property
    def first_problems(self) -> list[tl.Problem]:
        """The problems a message lists (the rest go into the problems workbook)."""
        return self.problems[:PREVIEW_PROBLEMS]

    @property
    def more_problems(self) -> int:
        """How many problems a message leaves out."""
        return max(0, len(self.problems) - PREVIEW_PROBLEMS)

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
            or self.hq_renamed_from
            or (self.structure is not None and not self.structure.is_noop)
        )
