"""完成时限 wording: every form offices write, the problems, and the canonical text back."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.tasklist import PeriodError, YearMonth, format_period, parse_period

Y = 2021


def ym(text: str) -> YearMonth:
    return YearMonth.parse(text)


@pytest.mark.parametrize(
    ("text", "previous_end", "start", "end"),
    [
        ("1-12 月", None, "2021-01", "2021-12"),
        ("1-12月", None, "2021-01", "2021-12"),
        ("１－１２月", None, "2021-01", "2021-12"),
        ("1—3月", None, "2021-01", "2021-03"),
        ("1~3月", None, "2021-01", "2021-03"),
        ("1～3月", None, "2021-01", "2021-03"),
        ("1至3月", None, "2021-01", "2021-03"),
        ("1月-3月", None, "2021-01", "2021-03"),
        ("4-7 月", "2021-03", "2021-04", "2021-07"),
        ("8月", None, "2021-01", "2021-08"),
        ("8月", "2021-07", "2021-08", "2021-08"),
        ("8 月", "2021-07", "2021-08", "2021-08"),
        ("５月", "2021-03", "2021-04", "2021-05"),
        ("3月", "2021-07", "2021-03", "2021-03"),
        ("全年", None, "2021-01", "2021-12"),
        ("上半年", None, "2021-01", "2021-06"),
        ("下半年", None, "2021-07", "2021-12"),
        ("第一季度", None, "2021-01", "2021-03"),
        ("三季度", None, "2021-07", "2021-09"),
        ("年底前", "2021-06", "2021-07", "2021-12"),
        ("6月底前", None, "2021-01", "2021-06"),
        ("2022 年 5 月", "2021-05", "2021-06", "2022-05"),
        ("2021年6月-2022年5月", None, "2021-06", "2022-05"),
        ("2021.6-2022.5", None, "2021-06", "2022-05"),
        ("2022-05", "2021-12", "2022-01", "2022-05"),
        ("2022年1-5月", None, "2022-01", "2022-05"),
        ("10月-次年3月", None, "2021-10", "2022-03"),
        ("十二月", "2021-10", "2021-11", "2021-12"),
    ],
)
def test_forms(text: str, previous_end: str | None, start: str, end: str) -> None:
    previous = ym(previous_end) if previous_end else None
    assert parse_period(text, Y, previous) == (ym(start), ym(end))


def test_an_excel_date_is_a_deadline_month() -> None:
    assert parse_period(datetime(2022, 5, 1), Y, ym("2021-05")) == (ym("2021-06"), ym("2022-05"))


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("13月", "month_out_of_range", {"month": 13}),
        ("0月", "month_out_of_range", {"month": 0}),
        ("1-13月", "month_out_of_range", {"month": 13}),
        ("7-3月", "period_reversed", {"start": "2021-07", "end": "2021-03"}),
        ("2022年5月-2021年6月", "period_reversed", {"start": "2022-05", "end": "2021-06"}),
        ("2012年5月", "year_out_of_range", {"year": 2012, "plan_year": 2021}),
        ("尽快", "bad_period", {}),
        ("下周", "bad_period", {}),
        ("", "bad_period", {}),
    ],
)
def test_problems(text: str, code: str, params: dict) -> None:
    with pytest.raises(PeriodError) as caught:
        parse_period(text, Y)
    assert caught.value.code == code
    assert caught.value.params == params


@pytest.mark.parametrize(
    ("start", "end", "previous_end", "text"),
    [
        ("2021-01", "2021-12", None, "1-12月"),
        ("2021-01", "2021-03", None, "1-3月"),
        ("2021-08", "2021-08", "2021-07", "8月"),
        ("2021-01", "2021-01", None, "1月"),
        ("2021-09", "2021-09", "2021-03", "9-9月"),
        ("2021-06", "2022-05", "2021-05", "2021年6月-2022年5月"),
        ("2022-02", "2022-05", None, "2022年2-5月"),
        ("2022-05", "2022-05", "2022-04", "2022年5月"),
    ],
)
def test_format_parses_back(start: str, end: str, previous_end: str | None, text: str) -> None:
    previous = ym(previous_end) if previous_end else None
    assert format_period(ym(start), ym(end), Y, previous) == text
    assert parse_period(text, Y, previous) == (ym(start), ym(end))


def test_year_month_helpers() -> None:
    may = YearMonth(2021, 5)
    assert str(may) == "2021-05"
    assert may.next() == YearMonth(2021, 6)
    assert YearMonth(2021, 12).next() == YearMonth(2022, 1)
    assert YearMonth(2022, 1).previous() == YearMonth(2021, 12)
    assert may.months_until(YearMonth(2022, 5)) == 12
    assert sorted([YearMonth(2022, 1), may]) == [may, YearMonth(2022, 1)]
    with pytest.raises(ValueError):
        YearMonth(2021, 13)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2021年12月31日", "2021-01", "2021-12"),
        ("12月31日前", "2021-01", "2021-12"),
        ("2021年12月31日前完成", "2021-01", "2021-12"),
        ("2021-12-31", "2021-01", "2021-12"),
        ("2021/6/30", "2021-01", "2021-06"),
        ("6月30日-9月30日", "2021-06", "2021-09"),
        ("2022年5月20日", "2021-01", "2022-05"),
        ("每月", "2021-01", "2021-12"),
        ("每季度", "2021-01", "2021-12"),
    ],
)
def test_days_are_read_as_their_month_and_recurring_work_as_the_year(
    text: str, start: str, end: str
) -> None:
    got = parse_period(text, 2021)
    assert (str(got[0]), str(got[1])) == (start, end)
