"""The one injectable clock: everything asks it for "now" (timezone-aware)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Anything that can tell the current time in the headquarters' zone."""

    tz: tzinfo

    def now(self) -> datetime:
        """Return the current, timezone-aware time."""
        ...


class SystemClock:
    """The wall clock, in a given zone."""

    def __init__(self, tz: tzinfo | str = "Asia/Shanghai") -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    def now(self) -> datetime:
        """Return the wall-clock time in this clock's zone."""
        return datetime.now(self.tz)


class ManualClock:
    """A clock that only moves when told to (tests, and the sandbox's clock panel)."""

    def __init__(self, start: datetime, tz: tzinfo | str | None = None) -> None:
        if isinstance(tz, str):
            tz = ZoneInfo(tz)
        if start.tzinfo is None:
            if tz is None:
                raise ValueError("ManualClock needs an aware start time or a zone")
            start = start.replace(tzinfo=tz)
        self.tz = tz or start.tzinfo
        self._now = start.astimezone(self.tz)

    def now(self) -> datetime:
        """Return the clock's current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to a given moment (naive times are read in the clock's zone)."""
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.tz)
        self._now = when.astimezone(self.tz)

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now = self._now + delta
