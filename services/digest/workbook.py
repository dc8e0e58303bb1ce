"""The digest's Excel file of the month (and the quarter's sheet) as .xlsx bytes.

Sheets: 明细 (every due item), 未报送 (who has not reported), 问题 (problems raised), 分组 (per
working group, ranked, plus an overall row); the quarter's 季度评估 on its own or appended to a
month's file. Every sheet has a title row, a header row frozen with the first column(s), an
autofilter, wrapped text, light colours, column widths, and prints on A4 landscape fitted to the
page width with gridlines and the header repeated on every page. Shares are numbers formatted
as percentages, figures are numbers, times are local (naive: Excel has no zones).

The workbook is streamed (openpyxl write-only mode): memory stays flat however many items there
are (100 000 items: about 10 MB more while writing, 0.6-0.8 ms of CPU per item); each cell's
style is stamped from a prototype cell styled once (`_Stamp`), and empty cells are not
written. Every value goes through `services.xlsx.put_value`, so no text ever becomes a formula.
The texts come from the caller (`DigestBookLabels`, `QuarterBookLabels`): this module knows no
language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from models.reporting import ReportStatus
from services.digest.model import (
    LIGHT_ORDER,
    Digest,
    GroupSummary,
    ItemLine,
    Light,
    LightCounts,
    MetricTotal,
    QuarterDigest,
    Submission,
    Trend,
    Why,
)
from services.xlsx import put_value

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE_ROW = 1
SHEET_NAME_CHARS = 31  # Excel's limit
SHARE_FORMAT = "0.0%"
SCORE_FORMAT = "0.0000"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
SHARE_PLACES = Decimal("0.0001")


class Sheet(StrEnum):
    """The sheets of the month's file (and the quarter's)."""

    items = "items"  # 明细
    missing = "missing"  # 未报送
    problems = "problems"  # 问题
    groups = "groups"  # 分组


class ItemColumn(StrEnum):
    """明细: one row per due item."""

    number = "number"
    group = "group"
    task = "task"
    requirement = "requirement"
    period = "period"
    unit = "unit"
    person = "person"
    status = "status"
    progress = "progress"
    problems = "problems"
    goal = "goal"
    metric = "metric"
    metric_unit = "metric_unit"
    plan = "plan"
    done = "done"
    share = "share"
    expected = "expected"
    light = "light"
    filler = "filler"
    submitted = "submitted"
    late = "late"


class MissingColumn(StrEnum):
    """未报送: one row per person who has not reported everything due."""

    person = "person"
    unit = "unit"
    group = "group"
    numbers = "numbers"
    tasks = "tasks"


class ProblemColumn(StrEnum):
    """问题: one row per problem raised this month."""

    number = "number"
    task = "task"
    group = "group"
    unit = "unit"
    person = "person"
    status = "status"
    text = "text"


class GroupColumn(StrEnum):
    """分组: one row per working group (by rank) and an overall row; metric columns follow."""

    rank = "rank"
    group = "group"
    leaders = "leaders"
    due = "due"
    reported = "reported"
    rate = "rate"
    green = "green"
    yellow = "yellow"
    red = "red"
    white = "white"


class MetricPart(StrEnum):
    """The four columns of one summed metric on 分组."""

    done = "done"
    plan = "plan"
    share = "share"
    expected = "expected"


class QuarterColumn(StrEnum):
    """季度评估: the group, then four columns per month, then the trend."""

    group = "group"
    rate = "rate"
    green = "green"
    score = "score"
    rank = "rank"
    trend = "trend"


MONTH_COLUMNS = (QuarterColumn.rate, QuarterColumn.green, QuarterColumn.score, QuarterColumn.rank)
LIGHT_COLUMNS = {Light.green: GroupColumn.green, Light.yellow: GroupColumn.yellow,
                 Light.red: GroupColumn.red, Light.white: GroupColumn.white}  # fmt: skip


@dataclass(frozen=True)
class MetricKey:
    """A summed metric on 分组: one set of four columns per (name, unit)."""

    name: str
    unit: str


def metric_keys(digest: Digest) -> list[MetricKey]:
    """The metric column sets of 分组: the overall metrics first, then any only a group has."""
    keys: list[MetricKey] = []
    for total in [*digest.metrics, *(m for g in digest.groups for m in g.metrics)]:
        key = MetricKey(total.name, total.unit)
        if key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class DigestBookLabels:
    """Every text of the month's file, rendered by the caller in the reader's language."""

    sheets: dict[Sheet, str]  # sheet names (at most 31 characters are used)
    titles: dict[Sheet, str]  # the title row above each sheet's header
    items: dict[ItemColumn, str]
    missing: dict[MissingColumn, str]
    problems: dict[ProblemColumn, str]
    groups: dict[GroupColumn, str]
    metrics: dict[MetricKey, dict[MetricPart, str]]  # headers of 分组's metric columns
    statuses: dict[ReportStatus, str]
    whys: dict[Why, str]  # the 灯 cell: the light and its reason ("🟡 低于序时进度")
    not_reported: str  # 状态 of an item without a report
    yes: str  # 是否逾期 of a late report
    no: str  # … of a report on time
    overall: str  # the 分组 row of the whole headquarters
    separator: str  # between listed numbers, tasks and leaders ("、")


@dataclass(frozen=True)
class QuarterBookLabels:
    """Every text of the quarter's sheet, rendered by the caller in the reader's language."""

    sheet: str
    title: str
    months: list[str]  # the header over each of the three months' columns
    columns: dict[QuarterColumn, str]
    trends: dict[Trend, str]
    overall: str


_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LIGHT_FILLS = {
    Light.green: PatternFill("solid", fgColor="C6EFCE"),
    Light.yellow: PatternFill("solid", fgColor="FFEB9C"),
    Light.red: PatternFill("solid", fgColor="FFC7CE"),
    Light.white: PatternFill("solid", fgColor="D9D9D9"),
}
TREND_FILLS = {Trend.up: LIGHT_FILLS[Light.green], Trend.down: LIGHT_FILLS[Light.red]}
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="top")

ITEM_WIDTHS = {
    ItemColumn.number: 6, ItemColumn.group: 12, ItemColumn.task: 20,
    ItemColumn.requirement: 30, ItemColumn.period: 9, ItemColumn.unit: 14,
    ItemColumn.person: 9, ItemColumn.status: 11, ItemColumn.progress: 36,
    ItemColumn.problems: 24, ItemColumn.goal: 24, ItemColumn.metric: 12,
    ItemColumn.metric_unit: 7, ItemColumn.plan: 10, ItemColumn.done: 10,
    ItemColumn.share: 8, ItemColumn.expected: 8, ItemColumn.light: 14, ItemColumn.filler: 9,
    ItemColumn.submitted: 16, ItemColumn.late: 7,
}  # fmt: skip
MISSING_WIDTHS = {MissingColumn.person: 10, MissingColumn.unit: 18, MissingColumn.group: 16,
                  MissingColumn.numbers: 16, MissingColumn.tasks: 60}  # fmt: skip
PROBLEM_WIDTHS = {ProblemColumn.number: 6, ProblemColumn.task: 24, ProblemColumn.group: 14,
                  ProblemColumn.unit: 16, ProblemColumn.person: 9, ProblemColumn.status: 11,
                  ProblemColumn.text: 60}  # fmt: skip
GROUP_WIDTHS = {GroupColumn.rank: 6, GroupColumn.group: 18, GroupColumn.leaders: 14,
                GroupColumn.due: 7, GroupColumn.reported: 7, GroupColumn.rate: 8,
                GroupColumn.green: 6, GroupColumn.yellow: 6, GroupColumn.red: 6,
                GroupColumn.white: 6}  # fmt: skip
METRIC_WIDTHS = {MetricPart.done: 12, MetricPart.plan: 12, MetricPart.share: 9,
                 MetricPart.expected: 9}  # fmt: skip
QUARTER_WIDTHS = {QuarterColumn.group: 18, QuarterColumn.rate: 8, QuarterColumn.green: 8,
                  QuarterColumn.score: 8, QuarterColumn.rank: 6,
                  QuarterColumn.trend: 10}  # fmt: skip


class Kind(StrEnum):
    """How a cell looks (one prototype style each)."""

    heading = "heading"
    header = "header"
    text = "text"  # wrapped, top-aligned
    middle = "middle"
    number = "number"
    share = "share"  # 0.0%
    score = "score"
    time = "time"


class _Stamp:
    """Styled write-only cells, fast: each style is set once on a prototype cell and copied.

    Setting a font or fill on a cell hashes it against the workbook's style tables; for 100 000
    rows of 21 cells that dominates. Copying the prototype's style array is what openpyxl's own
    worksheet copy does.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._protos: dict[tuple[Kind, Light | Trend | None], Any] = {}

    def _proto(self, kind: Kind, tint: Light | Trend | None) -> Any:
        cell = WriteOnlyCell(self.ws)
        if kind is Kind.heading:
            cell.font = Font(bold=True, size=14)
            cell.alignment = Alignment(horizontal="left", vertical="center")
            return cell
        if kind is Kind.header:
            cell.border = _BORDER
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        elif kind is Kind.text:
            cell.alignment = _WRAP
        elif kind is Kind.middle:
            cell.alignment = _CENTER
        else:
            cell.alignment = _RIGHT
            cell.number_format = {Kind.share: SHARE_FORMAT, Kind.score: SCORE_FORMAT,
                                  Kind.time: TIME_FORMAT}.get(kind, "General")  # fmt: skip
        if isinstance(tint, Light):
            cell.fill = LIGHT_FILLS[tint]
        elif isinstance(tint, Trend) and tint in TREND_FILLS:
            cell.fill = TREND_FILLS[tint]
        return cell

    def __call__(self, value: object, kind: Kind = Kind.text,
                 tint: Light | Trend | None = None) -> Any:  # fmt: skip
        """A new cell holding `value`, styled as `kind` (and filled in the light's colour).

        Nothing (None) for an empty value: no cell is written, which saves a third of a big
        sheet's time; the grid comes from the sheet's print gridlines, not from cell borders.
        """
        if value == "":
            value = None
        if value is None and kind is not Kind.header:  # a header's blank under a merge is styled
            return None
        key = (kind, tint)
        proto = self._protos.get(key)
        if proto is None:
            proto = self._protos[key] = self._proto(kind, tint)
        cell = WriteOnlyCell(self.ws)
        cell._style = copy(proto._style)
        put_value(cell, value)
        return cell


def _number(value: Decimal | int | None) -> Decimal | int | None:
    """A figure as a plain number (3200, not 3.2E+3)."""
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else value.normalize()


def _share(part: int, whole: int) -> Decimal | None:
    """`part / whole` as a share with 4 places (None when there is no whole)."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, ROUND_HALF_UP)


def _local(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """An aware moment as the naive local time Excel shows."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class _HeaderRow:
    """One header row's texts ("" under a merge) and the lights tinting some of them."""

    texts: list[str]
    tints: tuple[Light | None, ...] = ()


def _open(workbook: Workbook, *, name: str, title: str, widths: Sequence[float],
          headers: Sequence[_HeaderRow], rows: int, frozen_columns: int,
          merges: Sequence[str] = ()) -> tuple[Any, _Stamp]:  # fmt: skip
    """A streamed sheet with its column widths, frozen panes, autofilter and print setup, its
    title and header rows written; returns the sheet and its stamp for the data rows.

    `rows` is how many data rows will follow (for the autofilter); `frozen_columns` stay in view
    when scrolling right. Print settings and widths must be set before the first row: a
    write-only sheet streams its top as soon as a row is appended.
    """
    ws = workbook.create_sheet(name[:SHEET_NAME_CHARS] or "Sheet")
    stamp = _Stamp(ws)
    last = get_column_letter(len(widths))
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header_last = TITLE_ROW + len(headers)
    ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{header_last + 1}"
    ws.print_title_rows = f"{TITLE_ROW + 1}:{header_last}"
    ws.auto_filter.ref = f"A{header_last}:{last}{header_last + rows}"
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_options.gridLines = True
    ws.merged_cells.add(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    for ref in merges:
        ws.merged_cells.add(ref)
    ws.row_dimensions[TITLE_ROW].height = 24
    ws.append([stamp(title, Kind.heading)])
    for header in headers:
        ws.append([stamp(text, Kind.header, header.tints[i] if i < len(header.tints) else None)
                   for i, text in enumerate(header.texts)])  # fmt: skip
    return ws, stamp


def _item_row(stamp: _Stamp, item: ItemLine, labels: DigestBookLabels, tz: tzinfo) -> list[Any]:
    """明细: one due item."""
    metric = item.metric
    std = metric.standing if metric is not None else None
    status = labels.statuses[item.status] if item.status is not None else labels.not_reported
    late = None if not item.reported else labels.yes if item.late else labels.no
    filler = item.filler or (item.person if item.reported else None)
    return [
        stamp(item.number, Kind.middle),
        stamp(item.group),
        stamp(item.task_name),
        stamp(item.stage_content),
        stamp(item.period_text, Kind.middle),
        stamp(item.unit),
        stamp(item.person),
        stamp(status, Kind.middle, item.light),
        stamp(item.progress),
        stamp(item.problems),
        stamp(item.next_goal),
        stamp(metric.name if metric is not None else None),
        stamp(metric.unit if metric is not None else None, Kind.middle),
        stamp(_number(std.target) if std is not None else None, Kind.number),
        stamp(_number(std.value) if std is not None else None, Kind.number),
        stamp(std.share if std is not None else None, Kind.share),
        stamp(std.expected if std is not None else item.time_share, Kind.share),
        stamp(labels.whys[item.why], Kind.middle, item.light),
        stamp(filler),
        stamp(_local(item.submitted_at, tz), Kind.time),
        stamp(late, Kind.middle, Light.red if item.late else None),
    ]


def _items_sheet(workbook: Workbook, digest: Digest, labels: DigestBookLabels, tz: tzinfo) -> None:
    ws, stamp = _open(
        workbook, name=labels.sheets[Sheet.items], title=labels.titles[Sheet.items],
        widths=[ITEM_WIDTHS[c] for c in ItemColumn],
        headers=[_HeaderRow([labels.items[c] for c in ItemColumn])],
        rows=len(digest.items), frozen_columns=1,
    )  # fmt: skip
    for item in digest.items:
        ws.append(_item_row(stamp, item, labels, tz))


def _missing_sheet(workbook: Workbook, digest: Digest, labels: DigestBookLabels) -> None:
    missing = digest.submission.missing
    ws, stamp = _open(
        workbook, name=labels.sheets[Sheet.missing], title=labels.titles[Sheet.missing],
        widths=[MISSING_WIDTHS[c] for c in MissingColumn],
        headers=[_HeaderRow([labels.missing[c] for c in MissingColumn])],
        rows=len(missing), frozen_columns=1,
    )  # fmt: skip
    sep = labels.separator
    for person in missing:
        ws.append([
            stamp(person.person), stamp(person.unit), stamp(person.group),
            stamp(sep.join(str(n) for n in person.numbers)), stamp(sep.join(person.task_names)),
        ])  # fmt: skip


def _problems_sheet(workbook: Workbook, digest: Digest, labels: DigestBookLabels) -> None:
    ws, stamp = _open(
        workbook, name=labels.sheets[Sheet.problems], title=labels.titles[Sheet.problems],
        widths=[PROBLEM_WIDTHS[c] for c in ProblemColumn],
        headers=[_HeaderRow([labels.problems[c] for c in ProblemColumn])],
        rows=len(digest.problems), frozen_columns=1,
    )  # fmt: skip
    tint = {ReportStatus.blocked: Light.red, ReportStatus.behind: Light.yellow}
    for line in digest.problems:
        ws.append([
            stamp(line.number, Kind.middle), stamp(line.task_name), stamp(line.group),
            stamp(line.unit), stamp(line.person),
            stamp(labels.statuses[line.status], Kind.middle, tint.get(line.status)),
            stamp(line.text),
        ])  # fmt: skip


def _metric_cells(stamp: _Stamp, total: MetricTotal | None) -> list[Any]:
    """完成 / 计划 / 完成率 / 序时进度 of one summed metric (empty cells without it)."""
    if total is None:
        return [stamp(None, Kind.number), stamp(None, Kind.number), stamp(None, Kind.share),
                stamp(None, Kind.share)]  # fmt: skip
    std = total.standing
    tint = Light.yellow if std.behind else None
    return [stamp(_number(std.value), Kind.number), stamp(_number(std.target), Kind.number),
            stamp(std.share, Kind.share, tint), stamp(std.expected, Kind.share)]  # fmt: skip


def _group_row(stamp: _Stamp, *, rank: int | None, name: str, leaders: str,
               submission: Submission, lights: LightCounts, metrics: list[MetricTotal],
               keys: list[MetricKey]) -> list[Any]:  # fmt: skip
    """分组: one group's (or the whole headquarters') month."""
    by_key = {MetricKey(m.name, m.unit): m for m in metrics}
    cells = [
        stamp(rank, Kind.middle), stamp(name), stamp(leaders),
        stamp(submission.due, Kind.number), stamp(submission.reported, Kind.number),
        stamp(_rate(submission), Kind.share),
        *(stamp(lights.of(light), Kind.number) for light in LIGHT_ORDER),
    ]  # fmt: skip
    for key in keys:
        cells += _metric_cells(stamp, by_key.get(key))
    return cells


def _groups_sheet(workbook: Workbook, digest: Digest, labels: DigestBookLabels) -> None:
    keys = metric_keys(digest)
    texts = [labels.groups[c] for c in GroupColumn]
    texts += [labels.metrics[key][part] for key in keys for part in MetricPart]
    tints = tuple(next((lt for lt, c in LIGHT_COLUMNS.items() if c is column), None)
                  for column in GroupColumn)  # fmt: skip
    ws, stamp = _open(
        workbook, name=labels.sheets[Sheet.groups], title=labels.titles[Sheet.groups],
        widths=[GROUP_WIDTHS[c] for c in GroupColumn] + [METRIC_WIDTHS[p] for _ in keys
                                                         for p in MetricPart],
        headers=[_HeaderRow(texts, tints)], rows=len(digest.groups) + 1, frozen_columns=2,
    )  # fmt: skip
    order = sorted(range(len(digest.groups)), key=lambda i: (digest.groups[i].rank or 10**9, i))
    for index in order:
        group = digest.groups[index]
        ws.append(_group_row(
            stamp, rank=group.rank or None, name=group.name,
            leaders=labels.separator.join(group.leaders), submission=group.submission,
            lights=group.lights, metrics=group.metrics, keys=keys,
        ))  # fmt: skip
    ws.append(_group_row(
        stamp, rank=None, name=labels.overall, leaders="", submission=digest.submission,
        lights=digest.lights, metrics=digest.metrics, keys=keys,
    ))  # fmt: skip


def _rate(submission: Submission) -> Decimal:
    """报送率 with 4 places (a share, shown as 0.0%)."""
    return submission.rate.quantize(SHARE_PLACES, ROUND_HALF_UP)


def green_share(lights: LightCounts) -> Decimal | None:
    """The 🟢 share of a month's items (None when nothing was due)."""
    return _share(lights.green, lights.total)


def _month_cells(stamp: _Stamp, group: GroupSummary | None) -> list[Any]:
    """报送率 / 🟢 share / score / rank of one group in one month (empty without a digest)."""
    if group is None:
        return [stamp(None, Kind.share), stamp(None, Kind.share), stamp(None, Kind.score),
                stamp(None, Kind.middle)]  # fmt: skip
    return [stamp(_rate(group.submission), Kind.share),
            stamp(green_share(group.lights), Kind.share), stamp(group.score, Kind.score),
            stamp(group.rank or None, Kind.middle)]  # fmt: skip


def _quarter_sheet(workbook: Workbook, quarter: QuarterDigest, labels: QuarterBookLabels) -> None:
    per = len(MONTH_COLUMNS)
    months = len(quarter.months)
    top = [labels.columns[QuarterColumn.group]]
    for index in range(months):
        top += [labels.months[index]] + [""] * (per - 1)
    top.append(labels.columns[QuarterColumn.trend])
    second = [""] + [labels.columns[c] for _ in range(months) for c in MONTH_COLUMNS] + [""]
    header = TITLE_ROW + 1
    last = get_column_letter(2 + per * months)
    merges = [f"A{header}:A{header + 1}", f"{last}{header}:{last}{header + 1}"]
    merges += [f"{get_column_letter(2 + per * i)}{header}:{get_column_letter(1 + per * (i + 1))}"
               f"{header}" for i in range(months)]  # fmt: skip
    ws, stamp = _open(
        workbook, name=labels.sheet, title=labels.title,
        widths=[QUARTER_WIDTHS[QuarterColumn.group]]
        + [QUARTER_WIDTHS[c] for _ in range(months) for c in MONTH_COLUMNS]
        + [QUARTER_WIDTHS[QuarterColumn.trend]],
        headers=[_HeaderRow(top), _HeaderRow(second)], rows=len(quarter.groups) + 1,
        frozen_columns=1, merges=merges,
    )  # fmt: skip
    for group in quarter.groups:
        cells = [stamp(group.name)]
        for summary in group.months:
            cells += _month_cells(stamp, summary)
        cells.append(stamp(labels.trends[group.trend], Kind.middle, group.trend))
        ws.append(cells)
    cells = [stamp(labels.overall)]
    for digest in quarter.digests:
        if digest is None:
            cells += _month_cells(stamp, None)
        else:
            cells += [stamp(_rate(digest.submission), Kind.share),
                      stamp(green_share(digest.lights), Kind.share), stamp(None, Kind.score),
                      stamp(None, Kind.middle)]  # fmt: skip
    cells.append(stamp(labels.trends[quarter.trend], Kind.middle, quarter.trend))
    ws.append(cells)


def _save(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def month_workbook(
    digest: Digest, labels: DigestBookLabels, *, tz: tzinfo = SHANGHAI,
    quarter: QuarterDigest | None = None, quarter_labels: QuarterBookLabels | None = None,
) -> bytes:  # fmt: skip
    """The month's .xlsx: 明细, 未报送, 问题, 分组 (and 季度评估 when a quarter is given).

    `tz` is the zone 填报时间 is shown in. Pass `quarter` and `quarter_labels` to append the
    quarter's sheet (e.g. at a quarter's third close). CPU-bound for long lists: run it off the
    event loop.
    """
    workbook = Workbook(write_only=True)
    _items_sheet(workbook, digest, labels, tz)
    _missing_sheet(workbook, digest, labels)
    _problems_sheet(workbook, digest, labels)
    _groups_sheet(workbook, digest, labels)
    if quarter is not None and quarter_labels is not None:
        _quarter_sheet(workbook, quarter, quarter_labels)
    return _save(workbook)


def quarter_workbook(quarter: QuarterDigest, labels: QuarterBookLabels) -> bytes:
    """The quarter's .xlsx: one sheet 季度评估, each group's three months side by side."""
    workbook = Workbook(write_only=True)
    _quarter_sheet(workbook, quarter, labels)
    return _save(workbook)
