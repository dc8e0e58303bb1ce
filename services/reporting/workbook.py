"""The 填报表: a person's due tasks of the month (their own and their principals') as an .xlsx.

One row per (task stage, responsible person), pre-filled with this month's report when there is
one, else with the draft being typed and last month's goal and figure. 状态 is a drop-down, the
key columns are locked (the sheet is protected, the cells to fill are not), and a hidden column
names each row's report (book_sheet.py). The texts come from the caller (`BookLabels`): this
module knows no language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.people import Person
from models.reporting import Cycle, ReportDraft, ReportStatus
from models.tables import Headquarters
from models.tasks import Task
from services.amounts import PERCENT
from services.reporting.answers import Answers, MetricSpec
from services.reporting.book_sheet import (
    MARKER,
    MARKER_SHEET,
    VISIBLE,
    Column,
    machine_key,
    metric_key,
    row_key,
)
from services.reporting.reports import (
    Item,
    answers_of,
    evidence_of,
    items_for,
    last_month_report,
    metric_spec,
    previous_metric,
)
from services.xlsx import put_value

STATUS_ORDER = [ReportStatus.done, ReportStatus.on_track, ReportStatus.behind,
                ReportStatus.blocked, ReportStatus.not_started]  # fmt: skip
REQUIREMENT_CHARS = 600  # a stage's content is clipped in the sheet (the bot keeps it whole)
WIDTHS = {Column.number: 6, Column.name: 22, Column.requirement: 42, Column.person: 12,
          Column.status: 13, Column.progress: 42, Column.problems: 30, Column.goal: 30,
          Column.key: 14}  # fmt: skip
METRIC_WIDTH = 18
TITLE_ROW, SUBTITLE_ROW, NOTE_ROW, KEYS_ROW, HEADER_ROW = 1, 2, 3, 4, 5
FIRST_ROW = HEADER_ROW + 1
LINE_POINTS = 15  # height of one wrapped line of 11-point text
MAX_ROW_POINTS = 409  # Excel's highest row

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FILL_FILL = PatternFill("solid", fgColor="FFF9E5")  # the cells to fill in
_GREY_FILL = PatternFill("solid", fgColor="D9D9D9")  # nothing to fill (no such metric)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class MetricKey:
    """A metric column: one per (name, unit) among the rows' tasks."""

    name: str
    unit: str


@dataclass
class BookRow:
    """One row: the item, its task's metric, and what the row starts with."""

    item: Item
    metric: MetricSpec | None
    prefill: Answers
    previous: Decimal | None  # the figure given in an earlier month of the year
    draft: Answers | None = None  # the chat draft of this report, if one is being typed

    @property
    def metric_key(self) -> MetricKey | None:
        """The metric column this row fills, if its task has a metric."""
        return MetricKey(self.metric.name, self.metric.unit) if self.metric else None


@dataclass
class Book:
    """What goes into one person's 填报表 for a cycle."""

    hq: Headquarters
    cycle: Cycle
    filler: Person
    rows: list[BookRow]

    @property
    def metrics(self) -> list[MetricKey]:
        """The metric columns, in the order the rows first need them."""
        keys: list[MetricKey] = []
        for row in self.rows:
            key = row.metric_key
            if key is not None and key not in keys:
                keys.append(key)
        return keys


@dataclass(frozen=True)
class BookLabels:
    """Every text the workbook shows, rendered by the caller in the person's language."""

    sheet: str
    title: str
    subtitle: str
    note: str
    headers: dict[Column, str]
    metric_headers: dict[MetricKey, str]
    statuses: dict[ReportStatus, str]
    invalid_title: str = ""
    invalid: str = ""
    prompt_title: str = ""
    prompt: str = ""


async def book_rows(
    session: AsyncSession, cycle: Cycle, person_ids: list[int], *, items: list[Item] | None = None
) -> list[BookRow]:
    """Every item due in the cycle for these persons, with its metric and pre-filled answers."""
    assert cycle.id is not None
    if items is None:
        items = await items_for(session, cycle, person_ids)
    task_ids = {item.due.task_id for item in items}
    tasks = {t.id: t for t in (await session.exec(
        select(Task).where(col(Task.id).in_(task_ids)))).all()}  # fmt: skip
    drafts = {(d.stage_id, d.person_id): d for d in (await session.exec(
        select(ReportDraft).where(ReportDraft.cycle_id == cycle.id,
                                  col(ReportDraft.person_id).in_(person_ids)))).all()}  # fmt: skip
    rows = []
    for item in items:
        due = item.due
        spec = metric_spec(tasks[due.task_id])
        previous = None
        if spec is not None:
            previous = await previous_metric(
                session, hq_id=cycle.hq_id, ym=cycle.ym, task_id=due.task_id,
                person_id=due.person_id,
            )  # fmt: skip
        found = drafts.get(item.key)
        draft = Answers.from_json(found.answers) if found is not None else None
        if item.report is not None and item.report.id is not None:
            prefill = answers_of(item.report, await evidence_of(session, item.report.id))
        else:
            last = await last_month_report(
                session, hq_id=cycle.hq_id, ym=cycle.ym, task_id=due.task_id,
                person_id=due.person_id,
            )  # fmt: skip
            prefill = Answers(goal=last.next_goal if last is not None else None,
                              metric=previous if spec is not None else None)  # fmt: skip
            if draft is not None:
                prefill = _with_draft(prefill, draft)
        rows.append(BookRow(item, spec, prefill, previous, draft))
    return rows


def _with_draft(prefill: Answers, draft: Answers) -> Answers:
    """Last month's goal and figure, overridden by what the draft already holds."""
    return Answers(
        status=draft.status, progress=draft.progress, problems=draft.problems,
        goal=draft.goal if draft.goal is not None else prefill.goal,
        metric=draft.metric if draft.metric is not None else prefill.metric,
        evidence=list(draft.evidence),
    )  # fmt: skip


async def plan_book(
    session: AsyncSession, *, cycle: Cycle, filler: Person, principal_ids: list[int]
) -> Book:
    """The 填报表 of a filler (a responsible person or a liaison) for the cycle."""
    assert filler.id is not None
    hq = await session.get(Headquarters, cycle.hq_id)
    assert hq is not None
    rows = await book_rows(session, cycle, [filler.id, *principal_ids])
    return Book(hq, cycle, filler, rows)


def _columns(book: Book) -> tuple[dict[Column, int], dict[MetricKey, int]]:
    """1-based column numbers: the fixed columns, then one per metric, then the hidden key."""
    columns = {column: index for index, column in enumerate(VISIBLE, start=1)}
    metrics = {key: len(VISIBLE) + index for index, key in enumerate(book.metrics, start=1)}
    columns[Column.key] = len(VISIBLE) + len(metrics) + 1
    return columns, metrics


def _lines(text: str, width: int) -> int:
    """About how many lines `text` wraps to in a column `width` characters wide."""
    total = 0
    for line in (text or "").split("\n"):
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in line)
        total += max(1, -(-units // max(width - 1, 1)))
    return total


def _status_cell(cell: Cell, status: ReportStatus | None, labels: BookLabels) -> None:
    put_value(cell, labels.statuses[status] if status is not None else None)


def _metric_value(value: Decimal | None) -> Decimal | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _write_row(ws: Worksheet, at: int, row: BookRow, book: Book, labels: BookLabels,
               columns: dict[Column, int], metrics: dict[MetricKey, int]) -> None:  # fmt: skip
    due, answers = row.item.due, row.prefill
    requirement = due.content if len(due.content) <= REQUIREMENT_CHARS else (
        due.content[: REQUIREMENT_CHARS - 1] + "…")  # fmt: skip
    if due.period_text:
        requirement = f"{requirement}\n（{due.period_text}）"
    person = due.person_name if not due.unit else f"{due.person_name}\n{due.unit}"
    values: dict[Column, object] = {
        Column.number: due.task_number, Column.name: due.task_name,
        Column.requirement: requirement, Column.person: person,
        Column.progress: answers.progress, Column.problems: answers.problems,
        Column.goal: answers.goal,
        Column.key: row_key(book.cycle.id or 0, due.stage_id, due.person_id),
    }  # fmt: skip
    for column, index in columns.items():
        cell = ws.cell(at, index)
        if column is Column.status:
            _status_cell(cell, answers.status, labels)
        else:
            put_value(cell, values[column])
        cell.border = _BORDER
        cell.alignment = _CENTER if column in (Column.number, Column.status) else _WRAP
        if column in (Column.status, Column.progress, Column.problems, Column.goal):
            cell.protection, cell.fill = _UNLOCKED, _FILL_FILL
    own = row.metric_key
    for key, index in metrics.items():
        cell = ws.cell(at, index)
        cell.border, cell.alignment = _BORDER, _CENTER
        if key == own:
            value = _metric_value(answers.metric)
            cell.protection, cell.fill = _UNLOCKED, _FILL_FILL
            if key.unit == PERCENT:  # text, so "8.5%" stays as typed rather than 0.085
                cell.number_format = "@"
                put_value(cell, None if value is None else str(value))
            else:
                cell.value = value
        else:
            cell.fill = _GREY_FILL
    tallest = max(
        _lines(requirement, WIDTHS[Column.requirement]),
        _lines(due.task_name, WIDTHS[Column.name]),
        _lines(answers.progress or "", WIDTHS[Column.progress]),
        _lines(answers.problems or "", WIDTHS[Column.problems]),
        _lines(answers.goal or "", WIDTHS[Column.goal]),
        2,
    )
    ws.row_dimensions[at].height = min(MAX_ROW_POINTS, tallest * LINE_POINTS)


def _write_head(ws: Worksheet, book: Book, labels: BookLabels, columns: dict[Column, int],
                metrics: dict[MetricKey, int]) -> None:  # fmt: skip
    last = get_column_letter(columns[Column.key] - 1)
    for at, text, size in ((TITLE_ROW, labels.title, 14), (SUBTITLE_ROW, labels.subtitle, 11),
                           (NOTE_ROW, labels.note, 10)):  # fmt: skip
        ws.merge_cells(f"A{at}:{last}{at}")
        cell = ws.cell(at, 1)
        put_value(cell, text)
        cell.font = Font(bold=at == TITLE_ROW, size=size)
        cell.alignment = Alignment(horizontal="center" if at == TITLE_ROW else "left",
                                   vertical="center", wrap_text=True)  # fmt: skip
    ws.row_dimensions[TITLE_ROW].height = 28
    ws.row_dimensions[NOTE_ROW].height = LINE_POINTS * max(2, _lines(labels.note, 120))
    for column, index in columns.items():
        put_value(ws.cell(KEYS_ROW, index), machine_key(column))
        put_value(ws.cell(HEADER_ROW, index), labels.headers.get(column, ""))
    for key, index in metrics.items():
        put_value(ws.cell(KEYS_ROW, index), metric_key(key.name, key.unit))
        put_value(ws.cell(HEADER_ROW, index), labels.metric_headers[key])
    ws.row_dimensions[KEYS_ROW].hidden = True
    ws.row_dimensions[HEADER_ROW].height = LINE_POINTS * 3
    for index in range(1, columns[Column.key] + 1):
        cell = ws.cell(HEADER_ROW, index)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for column, index in columns.items():
        ws.column_dimensions[get_column_letter(index)].width = WIDTHS[column]
    for index in metrics.values():
        ws.column_dimensions[get_column_letter(index)].width = METRIC_WIDTH
    ws.column_dimensions[get_column_letter(columns[Column.key])].hidden = True


def _protect(ws: Worksheet, book: Book, labels: BookLabels, columns: dict[Column, int]) -> None:
    last_row = FIRST_ROW + len(book.rows) - 1
    words = ",".join(labels.statuses[s] for s in STATUS_ORDER)
    validation = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True,
                                showErrorMessage=True, showInputMessage=True,
                                errorTitle=labels.invalid_title or None,
                                error=labels.invalid or None,
                                promptTitle=labels.prompt_title or None,
                                prompt=labels.prompt or None)  # fmt: skip
    letter = get_column_letter(columns[Column.status])
    if book.rows:
        validation.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
    ws.add_data_validation(validation)
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = False  # widths may change
    protection.formatRows = False  # so may heights
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False


def _write_marker(workbook: Workbook, book: Book) -> None:
    ws = workbook.create_sheet(MARKER_SHEET)
    rows: list[tuple[str, object]] = [
        (MARKER, ""), ("hq", book.hq.id), ("cycle", book.cycle.id), ("ym", book.cycle.ym),
        ("filler", book.filler.id),
    ]  # fmt: skip
    for at, (name, value) in enumerate(rows, start=1):
        put_value(ws.cell(at, 1), name)
        ws.cell(at, 2).value = value
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def write_book(book: Book, labels: BookLabels) -> bytes:
    """The .xlsx bytes of a 填报表 (CPU-bound for long lists: run it off the event loop)."""
    workbook = Workbook()
    ws = workbook.active
    assert isinstance(ws, Worksheet)
    ws.title = labels.sheet[:31] or "Sheet1"
    columns, metrics = _columns(book)
    _write_head(ws, book, labels, columns, metrics)
    for offset, row in enumerate(book.rows):
        _write_row(ws, FIRST_ROW + offset, row, book, labels, columns, metrics)
    _protect(ws, book, labels, columns)
    ws.freeze_panes = ws.cell(FIRST_ROW, columns[Column.requirement])
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    _write_marker(workbook, book)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
