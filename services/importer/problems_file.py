"""Every problem of an upload as a workbook, attached when a message can list only the first."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from services import tasklist as tl

WIDTHS = (6, 16, 8, 14, 100)  # No., sheet, row, column, problem
MAX_SHEET_TITLE = 31  # Excel's limit


def _put(ws: Worksheet, row: int, column: int, value: object) -> None:
    """One cell; text is always stored as text, never read as a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.alignment = Alignment(vertical="top", wrap_text=column == len(WIDTHS))


def problems_workbook(
    problems: Sequence[tl.Problem],
    texts: Sequence[str],
    *,
    header: Sequence[str],
    sheet_name: str,
) -> bytes:
    """An .xlsx listing every problem: No., sheet, row, column and the problem's wording.

    The caller words things (services do not render): `texts[i]` is problem i as plain text
    (e.g. `html.unescape(renderer.render("import_problem", p=p))`), `header` the five column
    labels and `sheet_name` the sheet's name, both from the `import_problems_sheet` template.
    """
    if len(texts) != len(problems):
        raise ValueError("one text per problem")
    if len(header) != len(WIDTHS):
        raise ValueError(f"{len(WIDTHS)} column labels expected")
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = _sheet_title(sheet_name)
    for column, label in enumerate(header, start=1):
        _put(ws, 1, column, label)
        ws.cell(row=1, column=column).font = Font(bold=True)
    for index, (problem, text) in enumerate(zip(problems, texts, strict=True), start=1):
        values = (index, problem.sheet or "", problem.row, problem.column or "", text)
        for column, value in enumerate(values, start=1):
            _put(ws, index + 1, column, value)
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    """A sheet name Excel accepts: without []:*?/\\ and at most 31 characters."""
    title = "".join(char for char in name if char not in "[]:*?/\\").strip("'")
    return title[:MAX_SHEET_TITLE] or "1"
