"""Tasks → an .xlsx in the office's 附件2 layout (one row per stage, task cells merged)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services.tasklist.periods import PeriodError, format_period, parse_period
from services.tasklist.types import Assignment, Stage, Task, YearMonth
from services.xlsx import put_value

HEADER = ("序号", "工作小组名称", "项目名称", "具体内容", "完成时限", "责任单位", "责任人")
WIDTHS = (6, 14, 26, 60, 14, 22, 12)
MERGED_COLUMNS = 3
DEFAULT_SHEET = "任务清单"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def assignment_cells(assignments: list[Assignment]) -> tuple[str, str]:
    """责任单位 and 责任人 cells, one per line, paired by position (a shared side written once)."""
    units = [a.unit for a in assignments]
    persons = [a.person for a in assignments]
    if len(set(units)) == 1:
        units = units[:1]
    elif len(set(persons)) == 1:
        persons = persons[:1]
    return "\n".join(units), "\n".join(persons)


def stage_period_text(stage: Stage, plan_year: int, previous_end: YearMonth | None) -> str:
    """The stage's own wording when it still means its months, else the canonical text."""
    if stage.period_text:
        try:
            if parse_period(stage.period_text, plan_year, previous_end) == (stage.start, stage.end):
                return stage.period_text
        except PeriodError:
            pass
    return format_period(stage.start, stage.end, plan_year, previous_end)


def _put(ws: Worksheet, row: int, column: int, value: object, alignment: Alignment) -> None:
    cell = ws.cell(row=row, column=column)
    put_value(cell, value)
    cell.alignment = alignment
    cell.border = _BORDER


def _write_task(ws: Worksheet, row: int, task: Task, plan_year: int) -> int:
    first = row
    previous_end: YearMonth | None = None
    for stage in task.stages:
        units, persons = assignment_cells(stage.assignments)
        period = stage_period_text(stage, plan_year, previous_end)
        values = (task.number, task.group, task.name, stage.content, period, units, persons)
        for column, value in enumerate(values, start=1):
            if column <= MERGED_COLUMNS and row > first:
                _put(ws, row, column, None, _CENTER)
                continue
            _put(ws, row, column, value, _LEFT if column == 4 else _CENTER)
        previous_end = stage.end
        row += 1
    if row - first > 1:
        for column in range(1, MERGED_COLUMNS + 1):
            ws.merge_cells(start_row=first, end_row=row - 1, start_column=column, end_column=column)
    return row


def write_task_file(
    tasks: list[Task],
    *,
    title: str,
    plan_year: int,
    attachment_label: str | None = None,
    sheet_name: str = DEFAULT_SHEET,
) -> bytes:
    """The tasks as .xlsx: optional 附件 label, a title, the header, one row per stage."""
    book = Workbook()
    ws = book.active
    ws.title = sheet_name
    row = 1
    if attachment_label:
        _put(ws, row, 1, attachment_label, Alignment(horizontal="left"))
        ws.cell(row=row, column=1).border = Border()
        row += 1
    _put(ws, row, 1, title, Alignment(horizontal="center", vertical="center", wrap_text=True))
    ws.cell(row=row, column=1).font = Font(bold=True, size=16)
    ws.cell(row=row, column=1).border = Border()
    ws.merge_cells(start_row=row, end_row=row, start_column=1, end_column=len(HEADER))
    ws.row_dimensions[row].height = 36
    row += 1
    header_row = row
    for column, label in enumerate(HEADER, start=1):
        _put(ws, row, column, label, _CENTER)
        ws.cell(row=row, column=column).font = Font(bold=True)
        ws.cell(row=row, column=column).fill = _HEADER_FILL
    row += 1
    for task in tasks:
        row = _write_task(ws, row, task, plan_year)
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
