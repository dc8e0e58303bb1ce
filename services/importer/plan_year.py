"""Which plan year an uploaded task list is read in (the bot and the CLI decide alike)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services import tasklist as tl

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


class YearSource(StrEnum):
    """Where a plan year came from, most trusted first."""

    given = "given"  # --year on the command line
    caption = "caption"  # the text sent with the file
    filename = "filename"  # "opening-up-tasks-2021.xlsx"
    file_title = "title"  # "2021年…清单" above the header
    periods = "periods"  # years written in 完成时限 (see tasklist.periods.plan_year_from_marks)
    latest = "latest"  # the headquarters' latest plan year
    clock = "clock"  # the current year


@dataclass(frozen=True)
class PlanYear:
    """A plan year and where it came from."""

    year: int
    source: YearSource


def year_in_text(text: str | None) -> int | None:
    """The first 20xx year in a text, else None."""
    match = YEAR.search(text or "")
    return int(match.group(1)) if match else None


def choose_plan_year(
    *,
    given: int | None = None,
    caption: str | None = None,
    filename: str | None = None,
    hints: tl.YearHints | None = None,
    latest: int | None = None,
    now: datetime,
) -> PlanYear:
    """The first of: a given year, the caption's, the file name's, the title's, the periods',
    the headquarters' latest plan year, the year of `now`."""
    hints = hints or tl.YearHints()
    candidates = (
        (given, YearSource.given),
        (year_in_text(caption), YearSource.caption),
        (year_in_text(filename), YearSource.filename),
        (hints.title_year, YearSource.file_title),
        (hints.period_year, YearSource.periods),
        (latest, YearSource.latest),
    )
    for year, source in candidates:
        if year:
            return PlanYear(year, source)
    return PlanYear(now.year, YearSource.clock)
