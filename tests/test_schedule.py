"""The month's schedule (holiday-aware) and quiet hours, in Asia/Shanghai."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, CycleSettings, load_settings
from services import workdays
from services.schedule import (
    MonthSchedule,
    RunKind,
    after_quiet_hours,
    due_on,
    in_quiet_hours,
    month_schedule,
)

SH = ZoneInfo("Asia/Shanghai")
DEFAULTS = CycleSettings()
EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdays, "_warned_years", set())
    for key in ("HQBOT_CONFIG", "HQBOT_CYCLE__OPEN_TIME", "HQBOT_CYCLE__HOLIDAYS"):
        monkeypatch.delenv(key, raising=False)


# --- the month's schedule ---------------------------------------------------------------------


def test_september_2021_moves_around_mid_autumn_and_the_make_up_sunday() -> None:
    s = month_schedule(202109, DEFAULTS, SH)
    # The 20th is 中秋节 (9/19–21): the month opens on Wednesday the 22nd.
    assert s.opens_at == at(2021, 9, 22, 9)
    # The 25th is a Saturday; Sunday the 26th is a make-up working day (调休): due 9月26日.
    assert s.due_on == date(2021, 9, 26)
    assert s.escalates_at == at(2021, 9, 26, 15)
    assert s.closes_at == at(2021, 9, 27, 9)
    # Two working days before Sunday the 26th: Friday 24th is one, Thursday 23rd is two
    # (Saturday 25th is not a working day). Then one on the due day.
    assert s.reminders == (at(2021, 9, 23, 9), at(2021, 9, 26, 9))
    assert due_on(202109, DEFAULTS) == date(2021, 9, 26)


def test_november_2021_is_a_plain_month() -> None:
    s = month_schedule(202111, DEFAULTS, SH)
    assert s.opens_at == at(2021, 11, 22, 9)  # the 20th is a Saturday → Monday
    assert s.due_on == date(2021, 11, 25)  # Thursday
    assert s.reminders == (at(2021, 11, 23, 9), at(2021, 11, 25, 9))
    assert s.escalates_at == at(2021, 11, 25, 15)
    assert s.closes_at == at(2021, 11, 26, 9)
    assert s.opens_at.utcoffset() == timedelta(hours=8)


def test_october_2021_defaults_are_after_national_day() -> None:
    s = month_schedule(202110, DEFAULTS, SH)
    assert s.opens_at == at(2021, 10, 20, 9)
    assert s.reminders == (at(2021, 10, 21, 9), at(2021, 10, 25, 9))
    assert s.due_on == date(2021, 10, 25)
    assert s.closes_at == at(2021, 10, 26, 9)


def test_a_due_day_in_the_national_day_week_moves_past_it() -> None:
    settings = CycleSettings(open_day=1, due_day=5)
    s = month_schedule(202110, settings, SH)
    # 10/1–7 are 国庆节: opening and due day both move to Friday the 8th …
    assert s.opens_at == at(2021, 10, 8, 9)
    assert s.due_on == date(2021, 10, 8)
    assert s.escalates_at == at(2021, 10, 8, 15)
    # … and the close to Saturday the 9th, a make-up working day.
    assert s.closes_at == at(2021, 10, 9, 9)
    # The first reminder (9/29) would come before the month opens and the due-day one at the
    # very moment the asks go out: no reminder is scheduled.
    assert s.reminders == ()


def test_spring_festival_2023_drops_a_reminder_before_the_opening() -> None:
    s = month_schedule(202301, DEFAULTS, SH)
    assert s.opens_at == at(2023, 1, 20, 9)  # the Friday before 春节 (1/21–27)
    assert s.due_on == date(2023, 1, 28)  # Saturday, 调休
    assert s.reminders == (at(2023, 1, 28, 9),)
    assert s.closes_at == at(2023, 1, 29, 9)  # Sunday, 调休 as well


def test_a_due_day_can_move_into_the_next_month() -> None:
    # 春节 2020 (extended to 2/2): the 25th of January moves to Monday 3 February.
    s = month_schedule(202001, DEFAULTS, SH)
    assert s.due_on == date(2020, 2, 3)
    assert due_on(202001, DEFAULTS) == date(2020, 2, 3)
    assert s.reminders == (at(2020, 1, 22, 9), at(2020, 2, 3, 9))
    assert s.closes_at == at(2020, 2, 4, 9)


def test_holidays_off_counts_only_weekends() -> None:
    s = month_schedule(202109, CycleSettings(holidays=False), SH)
    assert s.opens_at == at(2021, 9, 20, 9)  # 中秋节 is ignored
    assert s.due_on == date(2021, 9, 27)  # Saturday 25th → Monday; the make-up Sunday is off
    assert s.reminders == (at(2021, 9, 23, 9), at(2021, 9, 27, 9))
    assert s.escalates_at == at(2021, 9, 27, 15)
    assert s.closes_at == at(2021, 9, 28, 9)


def test_an_uncovered_year_is_weekends_only_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="services.workdays")
    s = month_schedule(209909, DEFAULTS, SH)
    again = month_schedule(209909, DEFAULTS, SH)
    assert s == again
    assert s.opens_at == at(2099, 9, 21, 9)  # the 20th is a Sunday
    assert s.due_on == date(2099, 9, 25)  # a Friday
    assert s.reminders == (at(2099, 9, 23, 9), at(2099, 9, 25, 9))
    assert s.closes_at == at(2099, 9, 28, 9)  # Monday
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2099" in warnings[0]


def test_runs_are_in_time_order_with_numbered_reminders() -> None:
    s: MonthSchedule = month_schedule(202109, DEFAULTS, SH)
    runs = s.runs()
    assert [(r.kind, r.n) for r in runs] == [
        (RunKind.open, 0),
        (RunKind.remind, 1),
        (RunKind.remind, 2),
        (RunKind.escalate, 0),
        (RunKind.close, 0),
    ]
    assert [r.at for r in runs] == sorted(r.at for r in runs)


def test_remind_days_before_zero_gives_one_reminder() -> None:
    s = month_schedule(202111, CycleSettings(remind_days_before=0), SH)
    assert s.reminders == (at(2021, 11, 25, 9),)


def test_configured_times_are_used() -> None:
    settings = CycleSettings(
        open_time=time(10, 30), remind_time="08:30", escalate_time="16:00", close_time="11:00"
    )
    s = month_schedule(202111, settings, SH)
    assert s.opens_at == at(2021, 11, 22, 10, 30)
    assert s.reminders == (at(2021, 11, 23, 8, 30), at(2021, 11, 25, 8, 30))
    assert s.escalates_at == at(2021, 11, 25, 16)
    assert s.closes_at == at(2021, 11, 26, 11)


# --- quiet hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hh", "mm", "quiet"),
    [(20, 59, False), (21, 0, True), (23, 30, True), (0, 30, True), (7, 59, True), (8, 0, False)],
)
def test_quiet_hours_span_midnight(hh: int, mm: int, quiet: bool) -> None:
    assert in_quiet_hours(at(2021, 11, 23, hh, mm), DEFAULTS) is quiet


def test_after_quiet_hours_waits_for_the_morning() -> None:
    assert after_quiet_hours(at(2021, 11, 23, 23, 30), DEFAULTS) == at(2021, 11, 24, 8)
    assert after_quiet_hours(at(2021, 11, 24, 2, 0), DEFAULTS) == at(2021, 11, 24, 8)
    assert after_quiet_hours(at(2021, 11, 24, 10, 0), DEFAULTS) == at(2021, 11, 24, 10)
    # Across the year: weekends and holidays are not quiet by default.
    assert after_quiet_hours(at(2021, 12, 31, 22, 0), DEFAULTS) == at(2022, 1, 1, 8)


def test_quiet_weekends_wait_for_the_next_working_morning() -> None:
    quiet = CycleSettings(quiet_weekends=True)
    assert after_quiet_hours(at(2021, 11, 26, 22, 0), quiet) == at(2021, 11, 29, 8)  # Fri → Mon
    assert after_quiet_hours(at(2021, 11, 27, 10, 0), quiet) == at(2021, 11, 29, 8)  # Sat → Mon
    assert in_quiet_hours(at(2021, 11, 28, 12, 0), quiet)
    # The make-up Sunday 2021-09-26 is a working day: not quiet in the day.
    assert not in_quiet_hours(at(2021, 9, 26, 10, 0), quiet)
    assert after_quiet_hours(at(2021, 9, 25, 22, 0), quiet) == at(2021, 9, 26, 8)
    # National Day week is quiet all along: the eve's evening waits until 10/8.
    assert after_quiet_hours(at(2021, 9, 30, 21, 30), quiet) == at(2021, 10, 8, 8)


def test_quiet_hours_read_in_the_given_zone() -> None:
    utc = datetime(2021, 11, 23, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    assert not in_quiet_hours(utc, DEFAULTS)
    assert in_quiet_hours(utc, DEFAULTS, tz=SH)
    assert after_quiet_hours(utc, DEFAULTS, tz=SH) == at(2021, 11, 24, 8)
    with pytest.raises(ValueError):
        in_quiet_hours(datetime(2021, 11, 23, 22, 0), DEFAULTS)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    none = CycleSettings(quiet_start="00:00", quiet_end="00:00")
    assert not in_quiet_hours(at(2021, 11, 23, 3, 0), none)
    assert after_quiet_hours(at(2021, 11, 23, 3, 0), none) == at(2021, 11, 23, 3, 0)


def test_a_daytime_quiet_window() -> None:
    lunch = CycleSettings(quiet_start="12:00", quiet_end="13:30")
    assert in_quiet_hours(at(2021, 11, 23, 12, 0), lunch)
    assert not in_quiet_hours(at(2021, 11, 23, 23, 0), lunch)
    assert after_quiet_hours(at(2021, 11, 23, 12, 45), lunch) == at(2021, 11, 23, 13, 30)


# --- settings -------------------------------------------------------------------------------


def test_the_example_config_carries_the_defaults() -> None:
    assert load_settings(EXAMPLE, sandbox=True).cycle == CycleSettings()
    assert DEFAULTS.open_day == 20 and DEFAULTS.due_day == 25 and DEFAULTS.max_reminders == 3
    assert DEFAULTS.open_time == time(9, 0) and DEFAULTS.escalate_time == time(15, 0)
    assert DEFAULTS.holidays and not DEFAULTS.quiet_weekends


def write(tmp_path: Path, cycle: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[cycle]\n{cycle}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("cycle", "expected"),
    [
        ('open_time = "9h"', r"^cycle\.open_time: expected a time of day as HH:MM"),
        ('remind_time = "24:00"', r"^cycle\.remind_time: expected a time of day as HH:MM"),
        ('open_time = "22:00"', r"^cycle: open_time 22:00 falls in the quiet hours 21:00–08:00"),
        ("open_day = 25", r"^cycle: open_day 25 must come before due_day 25"),
        ('escalate_time = "08:00"', r"^cycle: escalate_time 08:00 must be after remind_time"),
        ("remind_days_before = -1", r"^cycle\.remind_days_before: "),
        ("max_reminders = 11", r"^cycle\.max_reminders: "),
        ('holidays = "maybe"', r"^cycle\.holidays: "),
    ],
)
def test_bad_cycle_settings_are_one_line(tmp_path: Path, cycle: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_settings(write(tmp_path, cycle), sandbox=True)


def test_times_from_toml_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path, "open_time = 10:15:00\nholidays = false")  # a TOML local time
    settings = load_settings(cfg, sandbox=True).cycle
    assert settings.open_time == time(10, 15) and settings.holidays is False
    monkeypatch.setenv("HQBOT_CYCLE__OPEN_TIME", "11:00")
    monkeypatch.setenv("HQBOT_CYCLE__HOLIDAYS", "true")
    settings = load_settings(cfg, sandbox=True).cycle
    assert settings.open_time == time(11, 0) and settings.holidays is True
