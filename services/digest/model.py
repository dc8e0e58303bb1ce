"""The digest of one headquarters' month as data: computed in `services.digest.data`, worded by
the templates, drawn by `chart`, written out by `workbook`. No Telegram, no wording here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from models.reporting import ReportStatus
from services.digest.progress import Standing


class Light(StrEnum):
    """A due item's light: 🟢 done / on plan, 🟡 lagging, 🔴 blocked or past its end, ⚪ missing."""

    green = "green"
    yellow = "yellow"
    red = "red"
    white = "white"


LIGHT_ORDER = (Light.green, Light.yellow, Light.red, Light.white)


class Why(StrEnum):
    """Why an item has its light (the first reason that applies, worst first)."""

    missing = "missing"  # ⚪ not reported
    blocked = "blocked"  # 🔴 受阻需协调
    past_end = "past_end"  # 🔴 the stage's end month is reached and it is not 已完成
    behind = "behind"  # 🟡 reported 进度滞后
    not_started = "not_started"  # 🟡 未启动 after the stage's first month
    below_schedule = "below_schedule"  # 🟡 metric more than the tolerance under 序时进度
    done = "done"  # 🟢 已完成
    on_track = "on_track"  # 🟢 按计划推进 (or not started in the stage's first month)


@dataclass(frozen=True)
class MetricLine:
    """A task's metric this month: the figure given, against plan and 序时进度.

    `first_ym`..`ym` is the period counted ("1-11月累计"); for a task with several responsible
    units the lead unit's (first listed) figure counts.
    """

    name: str
    unit: str
    cumulative: bool
    first_ym: int
    ym: int
    standing: Standing


@dataclass
class ItemLine:
    """One (stage, responsible person) due this month, with the newest report on it."""

    task_id: int
    number: int
    task_name: str
    group: str
    stage_id: int
    stage_content: str
    period_text: str
    start_ym: int
    end_ym: int
    unit: str  # canonical name (aliases resolved)
    person_id: int
    person: str
    light: Light
    why: Why
    time_share: Decimal  # the stage's 序时进度 at the end of the month (0..1)
    status: ReportStatus | None = None
    progress: str | None = None
    problems: str | None = None
    next_goal: str | None = None
    metric: MetricLine | None = None
    filler: str | None = None  # who typed it (a liaison) when not the person
    submitted_at: datetime | None = None
    late: bool = False
    via: str | None = None  # chat / book

    @property
    def reported(self) -> bool:
        """Whether a report was submitted."""
        return self.status is not None


@dataclass(frozen=True)
class MissingPerson:
    """A responsible person who has not reported everything due (named in 报送情况)."""

    person: str
    unit: str
    group: str
    numbers: list[int]
    task_names: list[str]


@dataclass
class Submission:
    """报送情况: reported / due items, on time / late, persons, and who is missing."""

    due: int = 0
    reported: int = 0
    on_time: int = 0
    late: int = 0
    persons_due: int = 0
    persons_reported: int = 0  # reported everything due
    missing: list[MissingPerson] = field(default_factory=list)

    @property
    def rate(self) -> Decimal:
        """报送率 as a share (0..1); 1 when nothing was due."""
        return Decimal(1) if self.due == 0 else Decimal(self.reported) / Decimal(self.due)


@dataclass
class LightCounts:
    """How many items have each light, and how many reports have each status."""

    green: int = 0
    yellow: int = 0
    red: int = 0
    white: int = 0
    statuses: dict[ReportStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All items counted."""
        return self.green + self.yellow + self.red + self.white

    def of(self, light: Light) -> int:
        """The count of one light."""
        return int(getattr(self, light.value))


@dataclass(frozen=True)
class MetricTotal:
    """A cumulative metric summed over tasks (e.g. 年度投资): done / planned, against 序时进度."""

    name: str
    unit: str
    tasks: int  # tasks with a plan counted
    reported: int  # of which a figure was given this month
    first_ym: int
    ym: int
    standing: Standing  # value = total done, target = total plan


@dataclass
class GroupSummary:
    """分组情况: one working group's month."""

    name: str
    leaders: list[str]
    submission: Submission
    lights: LightCounts
    metrics: list[MetricTotal]
    score: Decimal  # what the rank orders by (see `services.digest.data.group_score`)
    rank: int = 0


@dataclass(frozen=True)
class ProblemLine:
    """需指挥部协调的问题: a problem raised this month."""

    number: int
    task_name: str
    group: str
    unit: str
    person: str
    status: ReportStatus
    text: str


@dataclass(frozen=True)
class GoalLine:
    """下阶段工作目标: one report's next goal."""

    number: int
    task_name: str
    unit: str
    person: str
    text: str


@dataclass
class GroupGoals:
    """The next goals of one working group."""

    group: str
    lines: list[GoalLine]


@dataclass(frozen=True)
class OverdueLine:
    """逾期: a stage whose end month is reached (≤ this month) and that is not 已完成."""

    number: int
    task_name: str
    group: str
    stage_content: str
    period_text: str
    end_ym: int
    unit: str
    person: str
    last_status: ReportStatus | None  # the newest report's status up to this month
    last_ym: int | None  # the month of that report
    months_over: int  # months past the end month (0: it ends this month)


@dataclass(frozen=True)
class StalledLine:
    """停滞: progress text and metric unchanged over the last `months` months' reports."""

    number: int
    task_name: str
    group: str
    unit: str
    person: str
    progress: str
    months: int  # months without change (2 = the same three reports in a row)
    since_ym: int  # the first month with this text


@dataclass(frozen=True)
class Owed:
    """One item a group or unit owes: its 序号 and why (missing, lagging…)."""

    number: int
    task_name: str
    person: str
    why: Why


@dataclass
class Notice:
    """通报: a group or unit with missing or lagging items, ranked worst first."""

    name: str
    missing: int
    lagging: int  # 🟡 + 🔴
    due: int
    owed: list[Owed]
    rank: int = 0
    needs_plan: bool = False  # lagging this month: a 推进方案 is expected with next month's report

    @property
    def total(self) -> int:
        """Items missing or lagging."""
        return self.missing + self.lagging


@dataclass
class Digest:
    """Everything one month's digest of one headquarters says, in the order it says it."""

    hq_id: int
    hq_name: str
    ym: int
    plan_year: int
    closed: bool  # the month is closed (else: an interim digest)
    due_on: date
    tolerance: Decimal  # percentage points under 序时进度 before a metric is behind
    submission: Submission
    lights: LightCounts
    metrics: list[MetricTotal]  # overall, by metric name
    behind_metrics: list[ItemLine]  # items whose metric is behind 序时进度
    groups: list[GroupSummary]  # in the task list's group order; `rank` set
    problems: list[ProblemLine]
    goals: list[GroupGoals]
    overdue: list[OverdueLine]
    stalled: list[StalledLine]
    notice_groups: list[Notice]
    notice_units: list[Notice]
    items: list[ItemLine]  # every due item in 序号 order (the Excel's sheet 1)

    @property
    def year(self) -> int:
        """The calendar year of the month."""
        return self.ym // 100

    @property
    def month(self) -> int:
        """The month number (1-12)."""
        return self.ym % 100

    def group(self, name: str) -> GroupSummary | None:
        """One group's summary by name."""
        return next((g for g in self.groups if g.name == name), None)


class Trend(StrEnum):
    """How a group moved over the quarter."""

    up = "up"
    down = "down"
    flat = "flat"
    new = "new"  # fewer than two months to compare


@dataclass
class QuarterGroup:
    """One group's three months side by side (None: no digest that month) and its trend."""

    name: str
    months: list[GroupSummary | None]
    trend: Trend


@dataclass
class QuarterDigest:
    """每季度评估: a quarter's three monthly digests side by side."""

    hq_id: int
    hq_name: str
    year: int
    quarter: int
    months: list[int]  # the three YYYYMM
    digests: list[Digest | None]  # per month (None: no cycle that month)
    groups: list[QuarterGroup]
    trend: Trend  # the whole headquarters' 🟢 share
