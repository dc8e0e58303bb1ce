"""The 填报表's layout and reading it back: where each column is, and the raw rows a person filled.

The sheet carries its own map: a hidden row of machine keys above the visible header
(`hqbot:status`, `hqbot:metric:万元:年度投资`, …), a hidden key column naming each row's
(cycle, stage, person), and a hidden sheet marking the file as a 填报表. None of it is trusted:
the rows are checked against the uploader's own tasks (book_check.py). When the marks are lost
(the rows copied into another workbook), the visible header is recognised instead and rows are
matched by 序号 and 责任人.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.tasklist.reader import open_workbook
from services.tasklist.types import Limits

MARKER_SHEET = "hqbot"
MARKER = "hqbot-book/1"
KEY_PREFIX = "hqbot:"
METRIC_KEY = "metric"
HEADER_SCAN_ROWS = 30
MAX_BOOK_BYTES = 2 * 1024 * 1024  # a month's 填报表 is a few dozen kilobytes
LIMITS = Limits(max_file_bytes=MAX_BOOK_BYTES, max_rows=2000, max_columns=40)

_KEY = re.compile(r"(\d{1,12}):(\d{1,12}):(\d{1,12})")


class Column(StrEnum):
    """The 填报表's columns besides the metrics, left to right."""

    number = "number"  # 序号
    name = "name"  # 项目名称
    requirement = "requirement"  # 本阶段要求
    person = "person"  # 责任人
    status = "status"  # 状态
    progress = "progress"  # 本月工作进展
    problems = "problems"  # 存在问题
    goal = "goal"  # 下阶段工作目标
    key = "key"  # hidden: cycle:stage:person


VISIBLE = [Column.number, Column.name, Column.requirement, Column.person, Column.status,
           Column.progress, Column.problems, Column.goal]  # fmt: skip
FILLED = [Column.status, Column.progress, Column.problems, Column.goal]

# Header words people (or the two languages of the bot) put above each column (parsing
# vocabulary, compared after folding width, case and spaces).
HEADER_WORDS: dict[Column, tuple[str, ...]] = {
    Column.number: ("序号", "no.", "no", "#"),
    Column.name: ("项目名称", "任务名称", "项目（任务）名称", "task", "project"),
    Column.requirement: (
        "本阶段要求",
        "阶段要求",
        "具体内容",
        "this stage's requirement",
        "requirement",
        "stage requirement",
    ),  # fmt: skip
    Column.person: ("责任人", "responsible", "responsible person"),
    Column.status: ("状态", "进展状态", "完成状态", "status"),
    Column.progress: (
        "本月工作进展",
        "本月工作进展（形象进度）",
        "工作进展",
        "形象进度",
        "progress this month",
        "progress",
    ),  # fmt: skip
    Column.problems: (
        "存在问题",
        "存在问题/需指挥部协调事项",
        "存在问题及需协调事项",
        "需指挥部协调事项",
        "problems",
        "problems (needing hq coordination)",
    ),  # fmt: skip
    Column.goal: (
        "下阶段工作目标",
        "下步计划",
        "下月工作目标",
        "下阶段目标",
        "next goal",
        "goal for the next stage",
    ),  # fmt: skip
}
_UNIT_IN_HEADER = re.compile(r"[（(]\s*([^（）()]{1,10})\s*[）)]\s*$")


def fold(text: str) -> str:
    """A header as compared: width folded, lower case, no spaces or asterisks."""
    return re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", text)).lower()


_HEADERS = {fold(word): column for column, words in HEADER_WORDS.items() for word in words}


def header_column(text: str) -> Column | None:
    """The column a visible header names, if it is one of the 填报表's."""
    return _HEADERS.get(fold(text))


def machine_key(column: Column) -> str:
    """The hidden key above a column's header."""
    return f"{KEY_PREFIX}{column.value}"


def metric_key(name: str, unit: str) -> str:
    """The hidden key above a metric column's header."""
    return f"{KEY_PREFIX}{METRIC_KEY}:{unit}:{name}"


def row_key(cycle_id: int, stage_id: int, person_id: int) -> str:
    """The hidden key of a row: which report it is."""
    return f"{cycle_id}:{stage_id}:{person_id}"


def parse_row_key(text: object) -> tuple[int, int, int] | None:
    """(cycle id, stage id, person id) from a row key; None when it is not one."""
    match = _KEY.fullmatch(str(text or "").strip())
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3])


@dataclass(frozen=True)
class MetricColumn:
    """A metric column: its unit and, when the hidden key names it, the metric's name."""

    unit: str
    name: str | None


@dataclass
class RawRow:
    """One filled row as found in the sheet (values as the cells hold them)."""

    row: int
    number: object = None
    person: str = ""
    key: object = None
    values: dict[Column, object] = field(default_factory=dict)
    metrics: dict[MetricColumn, object] = field(default_factory=dict)


class ReadKind(StrEnum):
    """What reading an upload as a 填报表 found."""

    ok = "ok"
    unreadable = "unreadable"  # not an .xlsx we can open (see `code`)
    not_a_book = "not_a_book"  # a spreadsheet, but no 填报表 header in it


@dataclass
class RawBook:
    """A 填报表 as read: the marker's fields, how columns were found, and the rows."""

    kind: ReadKind
    code: str | None = None  # the reader's problem code when unreadable
    marked: bool = False
    cycle_id: int | None = None
    hq_id: int | None = None
    keyed: bool = False  # columns found by the hidden keys (else by the visible header)
    rows: list[RawRow] = field(default_factory=list)


@dataclass
class _Layout:
    header_row: int
    keyed: bool
    columns: dict[Column, int]
    metrics: dict[int, MetricColumn]


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _keyed_layout(number: int, values: tuple[Any, ...]) -> _Layout | None:
    columns: dict[Column, int] = {}
    metrics: dict[int, MetricColumn] = {}
    for index, value in enumerate(values):
        text = _text(value)
        if not text.startswith(KEY_PREFIX):
            continue
        rest = text[len(KEY_PREFIX) :]
        if rest.startswith(METRIC_KEY + ":"):
            parts = rest.split(":", 2)
            if len(parts) == 3 and parts[1]:
                metrics[index] = MetricColumn(parts[1], parts[2] or None)
        elif rest in Column.__members__:
            columns.setdefault(Column(rest), index)
    if Column.status not in columns or Column.progress not in columns:
        return None
    return _Layout(number + 1, True, columns, metrics)


def _header_layout(number: int, values: tuple[Any, ...]) -> _Layout | None:
    columns: dict[Column, int] = {}
    metrics: dict[int, MetricColumn] = {}
    for index, value in enumerate(values):
        text = _text(value)
        if not text:
            continue
        column = header_column(text)
        if column is not None:
            columns.setdefault(column, index)
            continue
        unit = _UNIT_IN_HEADER.search(unicodedata.normalize("NFKC", text))
        if unit is not None:
            metrics[index] = MetricColumn(unit[1].strip(), None)
    if Column.status not in columns or Column.progress not in columns:
        return None
    return _Layout(number, False, columns, metrics)


def _cell(values: tuple[Any, ...], index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]


def _row(number: int, values: tuple[Any, ...], layout: _Layout) -> RawRow | None:
    found = RawRow(number)
    for column in FILLED:
        found.values[column] = _cell(values, layout.columns.get(column))
    for index, metric in layout.metrics.items():
        found.metrics[metric] = _cell(values, index)
    found.number = _cell(values, layout.columns.get(Column.number))
    found.person = _text(_cell(values, layout.columns.get(Column.person)))
    found.key = _cell(values, layout.columns.get(Column.key))
    if found.number is None and found.key is None:
        return None  # not a task row (a note under the table, a stray cell)
    return found


def _marker(rows: list[tuple[int, tuple[Any, ...]]], book: RawBook) -> None:
    if not rows or _text(rows[0][1][0] if rows[0][1] else None) != MARKER:
        return
    book.marked = True
    for _, values in rows[1:]:
        if len(values) >= 2 and str(values[1]).isdigit():
            if values[0] == "cycle":
                book.cycle_id = int(values[1])
            elif values[0] == "hq":
                book.hq_id = int(values[1])


def read_book(data: bytes, filename: str) -> RawBook:
    """The uploaded bytes as a 填报表: its rows, or why it is not one (CPU-bound: off the loop)."""
    book = RawBook(ReadKind.not_a_book)
    with open_workbook(data, filename, LIMITS) as workbook:
        layout: _Layout | None = None
        for sheet in workbook.sheets():
            rows = list(sheet.rows)
            if sheet.name == MARKER_SHEET:
                _marker(rows, book)
                continue
            if layout is not None:
                continue  # the first sheet with a 填报表 header is the one read
            for number, values in rows[:HEADER_SCAN_ROWS]:
                layout = _keyed_layout(number, values) or _header_layout(number, values)
                if layout is not None:
                    break
            if layout is None:
                continue
            book.kind, book.keyed = ReadKind.ok, layout.keyed
            for number, values in rows:
                if number <= layout.header_row:
                    continue
                found = _row(number, values, layout)
                if found is not None:
                    book.rows.append(found)
        if workbook.problems:
            return RawBook(ReadKind.unreadable, code=workbook.problems[0].code)
    return book


def is_book(data: bytes, filename: str) -> bool:
    """Whether an upload is a 填报表 (its marker sheet, or a 填报表 header), not a task list."""
    book = read_book(data, filename)
    return book.marked or book.kind is ReadKind.ok
