"""Problem codes for uploaded files, and a helper that builds `Problem`s."""

from __future__ import annotations

from typing import Any

from services.tasklist.types import Problem

# File-level: the upload as a whole is unusable.
TOO_LARGE = "too_large"  # params: size, limit (bytes)
NOT_A_SPREADSHEET = "not_a_spreadsheet"  # params: kind ("pdf", "image", "archive", "document", …)
SAVE_AS_XLSX = "save_as_xlsx"  # params: format ("xls", "xlsb", "ods")
ENCRYPTED = "encrypted"  # a password-protected workbook
CORRUPT = "corrupt"  # looks like a workbook/CSV but cannot be read
ZIP_BOMB = "zip_bomb"  # params: reason ("size", "ratio", "entries"), limit
ENCODING = "encoding"  # CSV that is neither UTF-8 nor GB18030
EMPTY = "empty"  # params: reason ("no_rows" or "no_data")
NO_HEADER = "no_header"  # params: missing (labels), expected (labels)
TOO_MANY_ROWS = "too_many_rows"  # params: limit

# Row-level: one cell or row is wrong.
MISSING_VALUE = "missing_value"  # a required cell is empty
BAD_NUMBER = "bad_number"  # 序号 not a positive integer
DUPLICATE_NUMBER = "duplicate_number"  # params: number, first_row, first_name
STAGE_BEFORE_TASK = "stage_before_task"  # a stage row before any task row
COUNT_MISMATCH = "count_mismatch"  # params: units, persons
TOO_LONG = "too_long"  # params: length, limit
BAD_PERIOD = "bad_period"  # 完成时限 not understood
MONTH_OUT_OF_RANGE = "month_out_of_range"  # params: month
YEAR_OUT_OF_RANGE = "year_out_of_range"  # params: year, plan_year
PERIOD_REVERSED = "period_reversed"  # params: start, end ("YYYY-MM")
PERIOD_BEFORE_PREVIOUS_STAGE = "period_before_previous_stage"  # params: end, previous_start
DUPLICATE_GROUP = "duplicate_group"  # 附件1: params: first_row
TITLE_COUNT_MISMATCH = "title_count_mismatch"  # 附件1: params: leaders, titles

FILE_CODES = (
    TOO_LARGE,
    NOT_A_SPREADSHEET,
    SAVE_AS_XLSX,
    ENCRYPTED,
    CORRUPT,
    ZIP_BOMB,
    ENCODING,
    EMPTY,
    NO_HEADER,
    TOO_MANY_ROWS,
)
ROW_CODES = (
    MISSING_VALUE,
    BAD_NUMBER,
    DUPLICATE_NUMBER,
    STAGE_BEFORE_TASK,
    COUNT_MISMATCH,
    TOO_LONG,
    BAD_PERIOD,
    MONTH_OUT_OF_RANGE,
    YEAR_OUT_OF_RANGE,
    PERIOD_REVERSED,
    PERIOD_BEFORE_PREVIOUS_STAGE,
    DUPLICATE_GROUP,
    TITLE_COUNT_MISMATCH,
)
ALL_CODES = FILE_CODES + ROW_CODES

VALUE_PREVIEW_CHARS = 60


def preview(value: object) -> str | None:
    """A short, single-line rendering of a cell value for a problem report."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > VALUE_PREVIEW_CHARS:
        text = text[: VALUE_PREVIEW_CHARS - 1] + "…"
    return text


def problem(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    **params: Any,
) -> Problem:
    """Build a `Problem`, shortening the offending value to a preview."""
    details = tuple((key, _frozen(val)) for key, val in params.items())
    return Problem(code, sheet, row, column, preview(value), details)


def _frozen(value: Any) -> Any:
    """Lists become tuples so that problems stay hashable."""
    if isinstance(value, list):
        return tuple(value)
    return value
