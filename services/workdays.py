"""Working days in mainland China: public holidays and make-up working days (调休).

The data comes from the `chinesecalendar` package (import `chinese_calendar`), which follows the
State Council's yearly announcement. Version 1.11.0 covers 2004–2026; `covered_years()` reads the
range from the installed data, so upgrading the package extends it. For a year it does not cover
the rule is weekends only (Monday–Friday work), and a warning is logged once per process for that
year. With holidays switched off (`[cycle] holidays = false`) the rule is weekends only everywhere.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants

log = logging.getLogger(__name__)

_warned_years: set[int] = set()


def covered_years() -> tuple[int, int]:
    """The first and last year the installed holiday data covers."""
    years = [day.year for day in constants.holidays]
    return min(years), max(years)


def _weekday(d: date) -> bool:
    return d.weekday() < 5


def is_working_day(d: date, *, holidays: bool = True) -> bool:
    """Whether `d` is a working day: Mon–Fri minus public holidays, plus make-up days (调休)."""
    if not holidays:
        return _weekday(d)
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        if d.year not in _warned_years:
            _warned_years.add(d.year)
            first, last = covered_years()
            log.warning(
                "no holiday data for %d (chinesecalendar covers %d–%d): counting weekends only; "
                "upgrade chinesecalendar",
                d.year,
                first,
                last,
            )
        return _weekday(d)


def next_working_day(d: date, *, holidays: bool = True) -> date:
    """`d` itself if it is a working day, else the first working day after it."""
    while not is_working_day(d, holidays=holidays):
        d += timedelta(days=1)
    return d


def working_day_after(d: date, *, holidays: bool = True) -> date:
    """The first working day strictly after `d`."""
    return next_working_day(d + timedelta(days=1), holidays=holidays)


def working_days_before(d: date, n: int, *, holidays: bool = True) -> date:
    """The working day `n` working days before `d` (`d` itself when n is 0)."""
    if n < 0:
        raise ValueError(f"n must not be negative: {n}")
    for _ in range(n):
        d -= timedelta(days=1)
        while not is_working_day(d, holidays=holidays):
            d -= timedelta(days=1)
    return d
