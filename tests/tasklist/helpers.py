"""Builders for task-list files in tests (xlsx and CSV from rows)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

from services.tasklist import Task
from services.tasklist.writer import HEADER, assignment_cells

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tasklist"
SAMPLE = FIXTURES / "opening-up-tasks-2021.xlsx"
STRUCTURE = FIXTURES / "opening-up-hq-structure-2021.xlsx"
TITLE = "构建对外开放新高地实施项目（任务）清单"


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets (name → rows), written in streaming mode."""
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def task_sheet(rows: list[list[object]], *, title: bool = True) -> bytes:
    """A one-sheet task list: optional 附件2 + title rows, the header, then `rows`."""
    top: list[list[object]] = [["附件2"], [TITLE]] if title else []
    return xlsx({"任务清单": [*top, list(HEADER), *rows]})


def long_form_rows(tasks: list[Task], joiner: str = "\n") -> list[list[str]]:
    """One row per stage with every column repeated (the CSV long form)."""
    rows = []
    for task in tasks:
        for stage in task.stages:
            units, persons = assignment_cells(stage.assignments)
            rows.append(
                [
                    str(task.number),
                    task.group,
                    task.name,
                    stage.content,
                    stage.period_text,
                    units.replace("\n", joiner),
                    persons.replace("\n", joiner),
                ]
            )
    return rows


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    """Rows as CSV text (header first)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def row(number: object, name: object, period: object = "1-12月", **cells: object) -> list[object]:
    """One task row with sensible defaults; override cells by field key."""
    values = {
        "number": number,
        "group": "海丝引领专项组",
        "name": name,
        "content": "内容",
        "period": period,
        "unit": "鼓东街道",
        "person": "张玉珍",
    }
    values.update(cells)
    return list(values.values())
