"""The rules every answer obeys, whether typed in the chat or filled in the Excel 填报表."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from models.reporting import ReportStatus
from services.amounts import PERCENT, AmountKind, parse_amount

MAX_TEXT = 4096  # Telegram's longest message: an answer that long is kept whole
NOTHING_WORDS = frozenset({"无", "暂无", "没有", "none", "n/a", "-", "—", "／", "/"})
SHORT_NOTHING = 10  # "a short 无": a progress this short that only says "nothing"


class Field(StrEnum):
    """The fields of a report, in the order they are asked."""

    status = "status"
    progress = "progress"
    problems = "problems"
    goal = "goal"
    metric = "metric"
    evidence = "evidence"


class Problem(StrEnum):
    """Why an answer is refused (the re-ask names it)."""

    empty = "empty"
    too_long = "too_long"
    nothing_needs_not_started = "nothing_needs_not_started"  # 无 as progress, unless 未启动
    problems_required = "problems_required"  # 滞后 / 受阻 need the problems named
    bad_status = "bad_status"
    metric_empty = "metric_empty"
    metric_not_a_number = "metric_not_a_number"
    metric_negative = "metric_negative"
    metric_wrong_unit = "metric_wrong_unit"
    metric_too_large = "metric_too_large"
    metric_lower = "metric_lower"  # a cumulative figure below last month's (may be confirmed)


STATUS_NEEDS_PROBLEMS = frozenset({ReportStatus.behind, ReportStatus.blocked})

# Status words people write in the 填报表 or type (parsing vocabulary) → status.
STATUS_WORDS: dict[str, ReportStatus] = {
    "已完成": ReportStatus.done,
    "完成": ReportStatus.done,
    "按计划推进": ReportStatus.on_track,
    "按计划": ReportStatus.on_track,
    "正常推进": ReportStatus.on_track,
    "进度滞后": ReportStatus.behind,
    "滞后": ReportStatus.behind,
    "受阻需协调": ReportStatus.blocked,
    "受阻": ReportStatus.blocked,
    "未启动": ReportStatus.not_started,
    "done": ReportStatus.done,
    "on track": ReportStatus.on_track,
    "on_track": ReportStatus.on_track,
    "behind": ReportStatus.behind,
    "blocked": ReportStatus.blocked,
    "not started": ReportStatus.not_started,
    "not_started": ReportStatus.not_started,
}


def parse_status(text: str) -> ReportStatus | None:
    """A status from its word (已完成, 按计划推进, 滞后, 受阻需协调, 未启动, or the English key)."""
    return STATUS_WORDS.get(" ".join(text.split()).lower())


def _is_nothing(text: str) -> bool:
    return len(text) <= SHORT_NOTHING and text.strip(" 。.！!").lower() in NOTHING_WORDS


def check_progress(text: str, status: ReportStatus | None) -> Problem | None:
    """本月工作进展: required; a bare 无 only when the task has not started."""
    text = text.strip()
    if not text:
        return Problem.empty
    if len(text) > MAX_TEXT:
        return Problem.too_long
    if _is_nothing(text) and status is not ReportStatus.not_started:
        return Problem.nothing_needs_not_started
    return None


def problems_required(status: ReportStatus | None) -> bool:
    """存在问题 must be named when the task is behind or blocked."""
    return status in STATUS_NEEDS_PROBLEMS


def check_problems(text: str | None, status: ReportStatus | None) -> Problem | None:
    """存在问题: required (and not just 无) when behind or blocked, else optional."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        return Problem.too_long
    if problems_required(status) and (not text or _is_nothing(text)):
        return Problem.problems_required
    return None


def check_text(text: str | None, *, required: bool) -> Problem | None:
    """A free-text answer: within Telegram's length, and present when required."""
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        return Problem.too_long
    if required and not text:
        return Problem.empty
    return None


_AMOUNT_PROBLEMS = {
    AmountKind.empty: Problem.metric_empty,
    AmountKind.not_a_number: Problem.metric_not_a_number,
    AmountKind.negative: Problem.metric_negative,
    AmountKind.wrong_unit: Problem.metric_wrong_unit,
    AmountKind.too_large: Problem.metric_too_large,
}


@dataclass(frozen=True)
class MetricSpec:
    """A task's metric as asked: its name, unit and annual target."""

    name: str
    unit: str
    target: Decimal | None = None

    @property
    def cumulative(self) -> bool:
        """Money to date only grows; a growth rate may go down."""
        return self.unit != PERCENT


@dataclass(frozen=True)
class MetricCheck:
    """A typed metric figure: its value in the metric's unit, or the problem with it."""

    value: Decimal | None
    problem: Problem | None = None
    previous: Decimal | None = None


def check_metric(text: str, spec: MetricSpec, previous: Decimal | None) -> MetricCheck:
    """The figure in the metric's unit; below last month's cumulative figure is flagged.

    A growth rate may honestly be negative (exports fell 3%); a cumulative figure may not.
    """
    amount = parse_amount(text, spec.unit)
    if amount.kind is AmountKind.negative and not spec.cumulative:
        positive = parse_amount(text.strip().lstrip("-－—–"), spec.unit)
        if positive.kind is AmountKind.ok and positive.value is not None:
            return MetricCheck(-positive.value, None, previous)
    if amount.kind is not AmountKind.ok or amount.value is None:
        return MetricCheck(None, _AMOUNT_PROBLEMS[amount.kind], previous)
    if spec.cumulative and previous is not None and amount.value < previous:
        return MetricCheck(amount.value, Problem.metric_lower, previous)
    return MetricCheck(amount.value, None, previous)


@dataclass
class Answers:
    """A report's answers as given (the draft's JSON, the Excel row, the saved report)."""

    status: ReportStatus | None = None
    progress: str | None = None
    problems: str | None = None
    goal: str | None = None
    metric: Decimal | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON kept in a draft."""
        return {
            "status": self.status.value if self.status else None,
            "progress": self.progress,
            "problems": self.problems,
            "goal": self.goal,
            "metric": str(self.metric) if self.metric is not None else None,
            "evidence": list(self.evidence),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Answers:
        """Answers from a draft's JSON."""
        status = data.get("status")
        metric = data.get("metric")
        return cls(
            status=ReportStatus(status) if status else None,
            progress=data.get("progress"),
            problems=data.get("problems"),
            goal=data.get("goal"),
            metric=Decimal(metric) if metric is not None else None,
            evidence=list(data.get("evidence") or []),
        )


def missing(answers: Answers, metric: MetricSpec | None) -> list[Field]:
    """The fields a report cannot be submitted without (or whose answer breaks a rule)."""
    gaps = []
    if answers.status is None:
        gaps.append(Field.status)
    if check_progress(answers.progress or "", answers.status) is not None:
        gaps.append(Field.progress)
    if check_problems(answers.problems, answers.status) is not None:
        gaps.append(Field.problems)
    if check_text(answers.goal, required=True) is not None:
        gaps.append(Field.goal)
    if metric is not None and answers.metric is None:
        gaps.append(Field.metric)
    return gaps
