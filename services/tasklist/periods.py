"""完成时限: parse the office's period wording into months, and write it back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from services.tasklist import problems as P
from services.tasklist.normalize import cell_text, fold_width
from services.tasklist.types import YearMonth

YEAR_SLACK_BEFORE = 1
YEAR_SLACK_AFTER = 5

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_PREFIXES = ("截至", "截止到", "截止", "计划于", "预计", "于", "在", "到")
_SUFFIXES = ("完成", "结束", "止")
_DASHES = re.compile(r"[-‐‑‒–—―−~〜～至到]+")
_MONTH = r"(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})"
_MONTH_TAIL = r"(?:月份?|月)?(?P<edge>底|末|初|上旬|中旬|下旬)?(?:前|以前|之前)?"
_REL_YEAR = r"(?P<rel>次年|翌年|明年|下一年|下年|今年|本年|当年)"
_POINT = re.compile(
    rf"(?:(?P<year>\d{{4}})(?:年|\.|/|-)|{_REL_YEAR})?{_MONTH}{_MONTH_TAIL}",
)
_YEAR_ONLY = re.compile(rf"(?:(?P<year>\d{{4}})年?|{_REL_YEAR})(?P<tail>度|底|末|内)?(?:前|以前)?")
_YEAR_PREFIX = re.compile(rf"^(?:(?P<year>\d{{4}})年?|{_REL_YEAR})")
_SPANS: dict[str, tuple[int, int]] = {
    "全年": (1, 12),
    "全年度": (1, 12),
    "年度": (1, 12),
    "年内": (1, 12),
    "全年内": (1, 12),
    "长期": (1, 12),
    "长期坚持": (1, 12),
    "常态化": (1, 12),
    "持续推进": (1, 12),
    "上半年": (1, 6),
    "下半年": (7, 12),
}
for _recurring in ("每月", "按月", "逐月", "每季度", "按季度", "常年", "长期推进"):
    _SPANS[_recurring] = (1, 12)  # recurring work: asked about every month of the year
_DEADLINES = {"年底": 12, "年末": 12, "年中": 6}
# A day is finer than the monthly follow-up needs: "12月31日" is read as "12月".
_DAY = re.compile(
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
)
_ISO_DAY = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.]\d{1,2}(?!\d)")
_QUARTER = re.compile(r"第?(?P<q>[一二三四1-4])季度?|[qQ](?P<qq>[1-4])")


MonthRange = tuple[YearMonth, YearMonth]


class PeriodError(ValueError):
    """A 完成时限 that cannot be understood; `code` and `params` describe why."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class PeriodSpec:
    """A parsed period: a range, or a deadline (`start` None) whose start comes from context."""

    end: YearMonth
    start: YearMonth | None = None

    def resolve(self, plan_year: int, previous_end: YearMonth | None = None) -> MonthRange:
        """Start and end months; a deadline starts after the previous stage (or in January)."""
        if self.start is not None:
            return self.start, self.end
        natural = previous_end.next() if previous_end else YearMonth(plan_year, 1)
        return (natural if natural <= self.end else self.end), self.end


def parse_period_spec(value: object, plan_year: int) -> PeriodSpec:
    """Parse a 完成时限 cell (text, number or date) into a `PeriodSpec`; raises `PeriodError`."""
    if isinstance(value, date):
        return _checked(PeriodSpec(YearMonth(value.year, value.month)), plan_year)
    text = _clean(value)
    if not text:
        raise PeriodError(P.BAD_PERIOD)
    spec = _parse_single(text, plan_year)
    if spec is None:
        spec = _parse_range(text, plan_year)
    if spec is None:
        raise PeriodError(P.BAD_PERIOD)
    return _checked(spec, plan_year)


def parse_period(
    value: object, plan_year: int, previous_end: YearMonth | None = None
) -> MonthRange:
    """Parse a 完成时限 into (start, end) given the previous stage's end; raises `PeriodError`."""
    return parse_period_spec(value, plan_year).resolve(plan_year, previous_end)


def format_period(
    start: YearMonth, end: YearMonth, plan_year: int, previous_end: YearMonth | None = None
) -> str:
    """Canonical 完成时限 text that parses back to (start, end) after `previous_end`."""
    natural = previous_end.next() if previous_end else YearMonth(plan_year, 1)
    if start == end and natural >= start:
        return format_month(end, plan_year)
    if start.year == end.year:
        prefix = "" if start.year == plan_year else f"{start.year}年"
        return f"{prefix}{start.month}-{end.month}月"
    return f"{start.year}年{start.month}月-{end.year}年{end.month}月"


def format_month(month: YearMonth, plan_year: int) -> str:
    """A single month as a deadline: "8月" in the plan year, else "2022年5月"."""
    if month.year == plan_year:
        return f"{month.month}月"
    return f"{month.year}年{month.month}月"


def _clean(value: object) -> str:
    return _clean_text(value if isinstance(value, str) else cell_text(value))


@lru_cache(maxsize=4096)
def _clean_text(value: str) -> str:
    """A period's text reduced for matching (remembered: files repeat "1-12 月" many times)."""
    text = "".join(fold_width(cell_text(value)).split()).rstrip("。.;；,，")
    text = _ISO_DAY.sub(lambda m: f"{m['y']}年{int(m['m'])}月", text)
    text = _DAY.sub(lambda m: f"{m['m']}月", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return _DASHES.sub("-", text).strip("-")


def _month_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS.get(text[1:], 99)
    if text.endswith("十"):
        return 10 * _CN_DIGITS.get(text[:-1], 99)
    if "十" in text:
        tens, ones = text.split("十", 1)
        return 10 * _CN_DIGITS.get(tens, 99) + _CN_DIGITS.get(ones, 99)
    return _CN_DIGITS.get(text, 99)


def _year_of(match: re.Match[str], default: int, plan_year: int) -> int:
    if match.group("year"):
        return int(match.group("year"))
    rel = match.group("rel")
    if rel in ("今年", "本年", "当年"):
        return plan_year
    if rel:
        return plan_year + 1
    return default


def _month_ym(year: int, month: int) -> YearMonth:
    if not 1 <= month <= 12:
        raise PeriodError(P.MONTH_OUT_OF_RANGE, month=month)
    return YearMonth(year, month)


def _side(text: str, default_year: int, plan_year: int) -> tuple[YearMonth, YearMonth, bool] | None:
    """One side of a range or a whole cell: (first month, last month, is_point)."""
    match = _POINT.fullmatch(text)
    if match:
        year = _year_of(match, default_year, plan_year)
        month = _month_ym(year, _month_number(match.group("month")))
        return month, month, True
    match = _YEAR_ONLY.fullmatch(text)
    if match:
        year = _year_of(match, default_year, plan_year)
        if match.group("tail") in ("底", "末"):
            return YearMonth(year, 12), YearMonth(year, 12), True
        return YearMonth(year, 1), YearMonth(year, 12), False
    year = default_year
    prefix = _YEAR_PREFIX.match(text)
    rest = text
    if prefix and prefix.end() < len(text):
        year = _year_of(prefix, default_year, plan_year)
        rest = text[prefix.end() :]
    if rest in _SPANS:
        first, last = _SPANS[rest]
        return YearMonth(year, first), YearMonth(year, last), False
    for word, last_month in _DEADLINES.items():
        if rest in (word, word + "前", word + "以前"):
            return YearMonth(year, last_month), YearMonth(year, last_month), True
    quarter = _QUARTER.fullmatch(rest)
    if quarter:
        number = _month_number(quarter.group("q") or quarter.group("qq"))
        return YearMonth(year, number * 3 - 2), YearMonth(year, number * 3), False
    return None


def _parse_single(text: str, plan_year: int) -> PeriodSpec | None:
    side = _side(text, plan_year, plan_year)
    if side is None:
        return None
    first, last, is_point = side
    return PeriodSpec(last) if is_point else PeriodSpec(last, first)


def _parse_range(text: str, plan_year: int) -> PeriodSpec | None:
    error: PeriodError | None = None
    for position in (m.start() for m in re.finditer("-", text)):
        left_text, right_text = text[:position], text[position + 1 :]
        if not left_text or not right_text:
            continue
        try:
            left = _side(left_text, plan_year, plan_year)
            if left is None:
                continue
            right = _side(right_text, left[1].year, left[1].year)
        except PeriodError as exc:
            error = error or exc
            continue
        if right is None:
            continue
        return PeriodSpec(right[1], left[0])
    if error is not None:
        raise error
    return None


def _checked(spec: PeriodSpec, plan_year: int) -> PeriodSpec:
    for month in (spec.start, spec.end):
        if month is None:
            continue
        if not plan_year - YEAR_SLACK_BEFORE <= month.year <= plan_year + YEAR_SLACK_AFTER:
            raise PeriodError(P.YEAR_OUT_OF_RANGE, year=month.year, plan_year=plan_year)
    if spec.start is not None and spec.start > spec.end:
        raise PeriodError(P.PERIOD_REVERSED, start=str(spec.start), end=str(spec.end))
    return spec


# --- What the periods say about the plan year (before any is read against one) -----------------

_WRITTEN_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class YearMarkKind(StrEnum):
    """How a year is written in a 完成时限."""

    start = "start"  # the period starts in it: "2021年6月-2022年5月", "2021年全年", "2021年1-6月"
    deadline = "deadline"  # a deadline in it: "2022年5月", "2021年底", a date cell
    spill = "spill"  # a deadline after months written without a year: "10月-2022年3月"


@dataclass(frozen=True)
class YearMark:
    """A year written in one 完成时限 cell, and how."""

    kind: YearMarkKind
    year: int


def year_mark(value: object) -> YearMark | None:
    """The year a 完成时限 cell writes out, if any ("8月" writes none)."""
    if isinstance(value, date):
        return YearMark(YearMarkKind.deadline, value.year)
    text = _clean(value)
    years = [int(y) for y in _WRITTEN_YEAR.findall(text)]
    if not years:
        return None
    if "-" in text:
        left = text.split("-", 1)[0]
        if _WRITTEN_YEAR.match(left):
            return YearMark(YearMarkKind.start, int(left[:4]))
        return YearMark(YearMarkKind.spill, min(years))
    only = _YEAR_ONLY.fullmatch(text)
    if only and only.group("year"):
        kind = YearMarkKind.deadline if only.group("tail") in ("底", "末") else YearMarkKind.start
        return YearMark(kind, int(only.group("year")))
    prefix = _YEAR_PREFIX.match(text)
    if prefix and prefix.group("year"):
        rest = text[prefix.end() :]
        if rest in _SPANS or _QUARTER.fullmatch(rest):
            return YearMark(YearMarkKind.start, int(prefix.group("year")))
    return YearMark(YearMarkKind.deadline, min(years))


def plan_year_from_marks(marks: list[YearMark]) -> int | None:
    """The plan year a file's periods imply, or None when they write no year.

    A period that starts in a written year gives it (the earliest such). Otherwise offices write
    a year only where a deadline leaves the plan year: after months without a year ("5月", then
    "2022 年 5 月"), the deadline is in the year after the plan year; a deadline of its own gives
    its year. The earliest of these wins.
    """
    starts = [m.year for m in marks if m.kind == YearMarkKind.start]
    if starts:
        return min(starts)
    others = [m.year - 1 if m.kind == YearMarkKind.spill else m.year for m in marks]
    return min(others) if others else None
