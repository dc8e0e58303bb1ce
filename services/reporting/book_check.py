"""Checking a filled 填报表 row by row with the chat's rules, against the uploader's own tasks.

A row is one of: left empty (状态, 进展 and 问题 blank, 目标 and the figure as the download
pre-filled them) — not reported, skipped; the same as the report already submitted — unchanged,
skipped; a report to save; or wrong, with every problem named. Nothing is saved while any row
is wrong (book_upload.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from models.reporting import Cycle, Report, ReportStatus
from services.reporting.answers import (
    Answers,
    Field,
    MetricSpec,
    Problem,
    check_metric,
    check_problems,
    check_progress,
    check_text,
    parse_status,
)
from services.reporting.book_sheet import Column, MetricColumn, RawBook, RawRow, parse_row_key
from services.reporting.cycles import is_late
from services.reporting.reports import Item
from services.reporting.workbook import BookRow, book_rows
from services.tasklist.normalize import normalize_name

VALUE_CHARS = 40  # of an offending value quoted back


class RowIssue(StrEnum):
    """Why a row cannot be read as one of the uploader's reports (besides the answer rules)."""

    not_yours = "not_yours"  # not one of the uploader's tasks this month
    other_month = "other_month"  # a row of another month's 填报表
    duplicate = "duplicate"  # the same task twice in the file
    status_missing = "status_missing"  # something filled in but no 状态
    bad_status = "bad_status"  # a 状态 that is not one of the five
    no_metric = "no_metric"  # a figure in a metric column this task does not have


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with a row: the sheet row, its 序号, the field and the rule broken."""

    row: int
    number: int | None
    problem: Problem | RowIssue
    field: Field | None = None
    value: str = ""
    status: ReportStatus | None = None


@dataclass
class RowSave:
    """A row to save as a report (a revision when one was submitted this month)."""

    row: int
    item: Item
    answers: Answers
    metric: MetricSpec | None
    previous: Decimal | None  # the earlier figure, when this one is lower (shown as a flag)
    revision: int
    late: bool

    @property
    def lower(self) -> bool:
        """A cumulative figure below the one given before: accepted, but flagged."""
        return self.previous is not None


@dataclass
class BookCheck:
    """A filled 填报表 checked: the problems, or what would be saved and what is skipped."""

    problems: list[RowProblem] = field(default_factory=list)
    saves: list[RowSave] = field(default_factory=list)
    unchanged: list[Item] = field(default_factory=list)
    empty: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No row is wrong."""
        return not self.problems

    @property
    def fingerprint(self) -> str:
        """What the preview promised: the reports to save, each on the revision it follows."""
        promised = [[s.item.due.stage_id, s.item.due.person_id,
                     s.item.report.id if s.item.report is not None else 0,
                     {k: v for k, v in s.answers.to_json().items() if k != "evidence"}]
                    for s in self.saves]  # fmt: skip
        return hashlib.sha256(json.dumps(promised, sort_keys=True).encode()).hexdigest()

    @property
    def revisions(self) -> int:
        """How many of the saves revise a report already submitted this month."""
        return sum(1 for s in self.saves if s.revision > 1)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value: object) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


def _clip(text: str) -> str:
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _resolve(
    raw: RawRow, cycle: Cycle, items: dict[tuple[int, int], BookRow], rows: list[BookRow]
) -> BookRow | RowIssue:
    """The uploader's item a row is about, by its hidden key, else by 序号 and 责任人."""
    if raw.key is not None:
        key = parse_row_key(raw.key)
        if key is None:
            return RowIssue.not_yours
        cycle_id, stage_id, person_id = key
        if cycle_id != cycle.id:
            return RowIssue.other_month
        found = items.get((stage_id, person_id))
        return found if found is not None else RowIssue.not_yours
    number = _number(raw.number)
    name = normalize_name(raw.person.split("\n", 1)[0]) if raw.person else ""
    matches = [r for r in rows if r.item.due.task_number == number
               and (not name or normalize_name(r.item.due.person_name) == name)]  # fmt: skip
    return matches[0] if len(matches) == 1 else RowIssue.not_yours


def _own_metric(raw: RawRow, row: BookRow) -> tuple[object, list[MetricColumn]]:
    """The figure typed in the row's own metric column, and other metric columns filled."""
    spec = row.metric
    own: object = None
    strays = []
    for column, value in raw.metrics.items():
        if _text(value) == "":
            continue
        mine = spec is not None and column.unit == spec.unit and column.name in (None, spec.name)
        if mine and own is None:
            own = value
        elif not mine:
            strays.append(column)
    return own, strays


def _same_figure(text: str, spec: MetricSpec | None, expected: Decimal | None) -> bool:
    if not text:
        return expected is None
    if spec is None or expected is None:
        return False
    check = check_metric(text, spec, None)
    return check.value is not None and check.value == expected


def _same_as_report(answers: Answers, report: Report | None) -> bool:
    if report is None:
        return False
    return (
        report.status == (answers.status.value if answers.status else None)
        and report.progress == (answers.progress or "")
        and (report.problems or None) == (answers.problems or None)
        and (report.next_goal or None) == (answers.goal or None)
        and report.metric_value == answers.metric
    )


def _metric_decimal(value: object) -> str:
    """A figure cell as text for the parser (a float as its shortest decimal)."""
    if isinstance(value, float):
        try:
            return format(Decimal(repr(value)).normalize(), "f")
        except InvalidOperation:
            return repr(value)
    return _text(value)


def _check_row(raw: RawRow, row: BookRow, number: int | None, late: bool, check: BookCheck) -> None:
    """Sort one resolved row into empty, unchanged, to save, or its problems."""
    status_text = _text(raw.values.get(Column.status))
    progress = _text(raw.values.get(Column.progress))
    problems = _text(raw.values.get(Column.problems))
    goal = _text(raw.values.get(Column.goal))
    own, strays = _own_metric(raw, row)
    figure = _metric_decimal(own)
    found: list[RowProblem] = [
        RowProblem(raw.row, number, RowIssue.no_metric, Field.metric, _clip(c.name or c.unit))
        for c in strays
    ]
    if not (status_text or progress or problems):
        same_goal = goal == (row.prefill.goal or "").strip()
        if same_goal and _same_figure(figure, row.metric, row.prefill.metric) and not found:
            check.empty.append(row.item)
            return
        found.append(RowProblem(raw.row, number, RowIssue.status_missing, Field.status))
        check.problems.extend(found)
        return
    status = parse_status(status_text) if status_text else None
    if status is None:
        issue = RowIssue.bad_status if status_text else RowIssue.status_missing
        found.append(RowProblem(raw.row, number, issue, Field.status, _clip(status_text)))
    rules: list[tuple[Field, Problem | None]] = [
        (Field.progress, check_progress(progress, status)),
        (Field.problems, check_problems(problems, status)),
        (Field.goal, check_text(goal, required=True)),
    ]  # fmt: skip
    metric = None
    previous = None
    if row.metric is not None:
        checked = check_metric(figure, row.metric, row.previous)
        if checked.problem is Problem.metric_lower:
            previous = checked.previous
        elif checked.problem is not None:
            rules.append((Field.metric, checked.problem))
        metric = checked.value
    for field_, problem in rules:
        if problem is not None:
            value = _clip(figure) if field_ is Field.metric else ""
            found.append(RowProblem(raw.row, number, problem, field_, value, status))
    if found:
        check.problems.extend(found)
        return
    answers = Answers(status, progress, problems or None, goal, metric)
    item = row.item
    if _same_as_report(answers, item.report):
        check.unchanged.append(item)
        return
    revision = item.report.revision + 1 if item.report is not None else 1
    is_late = item.report.late if item.report is not None else late
    check.saves.append(RowSave(raw.row, item, answers, row.metric, previous, revision, is_late))


async def check_book(
    session: AsyncSession, raw: RawBook, *, cycle: Cycle, person_ids: list[int], now: datetime
) -> BookCheck:
    """Every row of a read 填报表 checked against these persons' items in the cycle (no writes).

    `person_ids` are the filler and those they report for (a liaison's principals).
    """
    rows = await book_rows(session, cycle, person_ids)
    by_key = {r.item.key: r for r in rows}
    late = is_late(cycle, now)
    check = BookCheck()
    seen: set[tuple[int, int]] = set()
    for raw_row in raw.rows:
        resolved = _resolve(raw_row, cycle, by_key, rows)
        number = _number(raw_row.number)
        if isinstance(resolved, RowIssue):
            check.problems.append(RowProblem(raw_row.row, number, resolved))
            continue
        number = resolved.item.due.task_number
        if resolved.item.key in seen:
            check.problems.append(RowProblem(raw_row.row, number, RowIssue.duplicate))
            continue
        seen.add(resolved.item.key)
        _check_row(raw_row, resolved, number, late, check)
    return check
