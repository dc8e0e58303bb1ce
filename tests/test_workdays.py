"""Working days: China's public holidays and make-up days (调休), weekends only as the fallback."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from services import workdays
from services.workdays import (
    covered_years,
    is_working_day,
    next_working_day,
    working_day_after,
    working_days_before,
)


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a fresh process that has warned about no year yet."""
    monkeypatch.setattr(workdays, "_warned_years", set())


def test_the_library_covers_2004_to_at_least_2026() -> None:
    first, last = covered_years()
    assert first == 2004
    assert last >= 2026


def test_mid_autumn_2021_is_off_and_the_make_up_sunday_is_on() -> None:
    assert not is_working_day(date(2021, 9, 20))  # Monday, 中秋节 (9/19–21)
    assert not is_working_day(date(2021, 9, 25))  # a plain Saturday
    assert is_working_day(date(2021, 9, 26))  # Sunday, 调休 for National Day
    assert is_working_day(date(2021, 9, 22))  # a plain Wednesday


def test_holidays_off_counts_only_weekends() -> None:
    assert is_working_day(date(2021, 9, 20), holidays=False)
    assert is_working_day(date(2021, 10, 1), holidays=False)
    assert not is_working_day(date(2021, 9, 26), holidays=False)


def test_next_working_day_skips_national_day() -> None:
    assert next_working_day(date(2021, 10, 1)) == date(2021, 10, 8)
    assert next_working_day(date(2021, 10, 8)) == date(2021, 10, 8)
    assert next_working_day(date(2021, 10, 1), holidays=False) == date(2021, 10, 1)
    assert next_working_day(date(2021, 10, 2), holidays=False) == date(2021, 10, 4)


def test_working_day_after_lands_on_a_make_up_saturday() -> None:
    assert working_day_after(date(2021, 10, 8)) == date(2021, 10, 9)  # Saturday, 调休
    assert working_day_after(date(2021, 10, 8), holidays=False) == date(2021, 10, 11)


def test_working_days_before_skips_non_working_days() -> None:
    # 25 (Saturday) is off, so the 24th is one working day before the 26th and the 23rd two.
    assert working_days_before(date(2021, 9, 26), 1) == date(2021, 9, 24)
    assert working_days_before(date(2021, 9, 26), 2) == date(2021, 9, 23)
    assert working_days_before(date(2021, 9, 26), 0) == date(2021, 9, 26)
    # Before 10/8: the whole National Day week and the 9/30 → 9/29.
    assert working_days_before(date(2021, 10, 8), 2) == date(2021, 9, 29)
    with pytest.raises(ValueError):
        working_days_before(date(2021, 9, 26), -1)


def test_an_uncovered_year_is_weekends_only_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="services.workdays")
    assert is_working_day(date(2099, 1, 1))  # a Thursday: New Year is not known, so it works
    assert not is_working_day(date(2099, 1, 3))  # a Saturday
    assert next_working_day(date(2099, 1, 3)) == date(2099, 1, 5)
    assert not is_working_day(date(2098, 1, 4))  # a Saturday of another uncovered year
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "2099" in warnings[0] and "weekends only" in warnings[0]
    assert "2098" in warnings[1]


def test_holidays_off_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="services.workdays")
    assert not is_working_day(date(2099, 1, 3), holidays=False)
    assert not caplog.records
