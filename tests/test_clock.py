"""The injectable clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.clock import ManualClock, SystemClock


def test_system_clock_is_aware_in_its_zone() -> None:
    now = SystemClock("Asia/Shanghai").now()
    assert now.utcoffset() == timedelta(hours=8)


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2021, 6, 20, 9, 0), tz="Asia/Shanghai")
    assert clock.now() == datetime(2021, 6, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    clock.advance(timedelta(days=5))
    assert clock.now().day == 25
    clock.set(datetime(2021, 7, 1))
    assert (clock.now().month, clock.now().tzinfo) == (7, ZoneInfo("Asia/Shanghai"))


def test_manual_clock_needs_a_zone() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2021, 1, 1))
