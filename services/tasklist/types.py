"""Dataclasses for a parsed task list (附件2) and headquarters structure (附件1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, order=True)
class YearMonth:
    """A calendar month, e.g. 2021-05."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        """Parse the canonical "YYYY-MM" form."""
        year, month = text.strip().split("-")
        return cls(int(year), int(month))

    @classmethod
    def from_date(cls, day: date) -> YearMonth:
        """The month a date falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> YearMonth:
        """Inverse of `index`."""
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        """Months since year 0, for arithmetic."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> YearMonth:
        """This month moved by a number of months (negative goes back)."""
        return YearMonth.from_index(self.index + months)

    def next(self) -> YearMonth:
        """The following month."""
        return self.plus(1)

    def previous(self) -> YearMonth:
        """The month before."""
        return self.plus(-1)

    def months_until(self, other: YearMonth) -> int:
        """Signed number of months from this month to `other` (0 when equal)."""
        return other.index - self.index

    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)


@dataclass(frozen=True)
class Assignment:
    """One responsible unit with its responsible person."""

    unit: str
    person: str


@dataclass
class Stage:
    """One stage of a task: what is done between `start` and `end` (inclusive), and by whom."""

    content: str
    start: YearMonth
    end: YearMonth
    period_text: str = field(default="", compare=False)
    assignments: list[Assignment] = field(default_factory=list)
    source_row: int | None = field(default=None, compare=False)

    def covers(self, month: YearMonth) -> bool:
        """Whether the stage is active in `month`."""
        return self.start <= month <= self.end

    @property
    def month_count(self) -> int:
        """Number of months the stage spans (inclusive)."""
        return self.start.months_until(self.end) + 1


@dataclass(frozen=True)
class Metric:
    """A task's natural numeric target, e.g. 年度投资 3900 万元."""

    name: str
    unit: str
    annual_target: Decimal


@dataclass
class Task:
    """One numbered task (项目/任务) with its stages."""

    number: int
    group: str
    name: str
    stages: list[Stage] = field(default_factory=list)
    metric: Metric | None = None
    total_investment: Decimal | None = None
    source_row: int | None = field(default=None, compare=False)

    @property
    def start(self) -> YearMonth:
        """The earliest stage start."""
        return min(stage.start for stage in self.stages)

    @property
    def end(self) -> YearMonth:
        """The latest stage end (the task's deadline)."""
        return max(stage.end for stage in self.stages)

    def stages_in(self, month: YearMonth) -> list[Stage]:
        """The stages active in `month` (the task is due when this is not empty)."""
        return [stage for stage in self.stages if stage.covers(month)]

    @property
    def assignments(self) -> list[Assignment]:
        """All distinct unit/person pairs over the stages, in order of appearance."""
        return list(dict.fromkeys(a for stage in self.stages for a in stage.assignments))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file, as a code plus data (templates word it)."""

    code: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    details: tuple[tuple[str, Any], ...] = ()

    @property
    def params(self) -> dict[str, Any]:
        """The code-specific data as a dict (e.g. {"limit": 200})."""
        return dict(self.details)


@dataclass(frozen=True)
class Limits:
    """Bounds on what an upload may contain; past them the file is refused."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_rows: int = 20_000
    max_columns: int = 50
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 100 * 1024 * 1024
    max_zip_entries: int = 1000
    max_compression_ratio: int = 200
    max_blank_run: int = 5000
    header_scan_rows: int = 30
    max_name_chars: int = 200
    max_content_chars: int = 4000
    max_person_chars: int = 50
    max_unit_chars: int = 100


@dataclass
class WorkingGroup:
    """A working group (工作小组) of 附件1."""

    name: str
    leaders: list[str] = field(default_factory=list)
    leader_titles: list[str] = field(default_factory=list)
    member_units: list[str] = field(default_factory=list)
    source_row: int | None = field(default=None, compare=False)


@dataclass
class Leader:
    """A headquarters leader (指挥长, 副指挥长, ...)."""

    role: str
    name: str
    title: str
    source_row: int | None = field(default=None, compare=False)


@dataclass
class Structure:
    """The headquarters structure: working groups and leaders."""

    groups: list[WorkingGroup] = field(default_factory=list)
    leaders: list[Leader] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    title: str | None = None  # the title above the 工作小组 table, e.g. "…项目指挥部架构"


@dataclass(frozen=True)
class YearHints:
    """What a file says about its plan year before any period is read against one."""

    title: str | None = None  # the title above the task table
    title_year: int | None = None  # a 20xx year written above the task table
    period_year: int | None = None  # the plan year its 完成时限 imply (see periods)


@dataclass
class TaskList:
    """The result of parsing a task file: tasks, and every problem found."""

    tasks: list[Task]
    problems: list[Problem]
    plan_year: int
    sheet: str | None = None
    structure: Structure | None = None
    title: str | None = None  # the title above the task table, e.g. "…实施项目（任务）清单"

    @property
    def ok(self) -> bool:
        """True when the file can be imported (no problems)."""
        return not self.problems
