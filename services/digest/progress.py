"""序时进度: the share of a target that should be done by the end of a month (seed 004).

For an annual target at the end of month m the expected share is m/12; for a stage running from
month a to month b it is (m − a + 1)/(b − a + 1), counted in calendar months so that a stage
crossing a year end (2021-11 → 2022-02) is four months long. Before the period it is 0, after
it 1. Shares are Decimals rounded to 4 places (0.9167), so "percentage points" have 2 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from services.tasklist.metrics import PERCENT

SHARE_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


def _index(ym: int) -> int:
    """A YYYYMM month as months since year 0."""
    year, month = divmod(ym, 100)
    if not 1 <= month <= 12:
        raise ValueError(f"not a YYYYMM month: {ym}")
    return year * 12 + month - 1


def months_between(start_ym: int, end_ym: int) -> int:
    """How many months a period covers, both ends included (202111..202202 → 4)."""
    return _index(end_ym) - _index(start_ym) + 1


def expected_share(ym: int, start_ym: int, end_ym: int) -> Decimal:
    """The share of the period's work due by the end of month `ym` (0 before, 1 after)."""
    length = months_between(start_ym, end_ym)
    if length < 1:
        raise ValueError(f"period ends before it starts: {start_ym}..{end_ym}")
    elapsed = min(max(_index(ym) - _index(start_ym) + 1, 0), length)
    return (Decimal(elapsed) / Decimal(length)).quantize(SHARE_PLACES, ROUND_HALF_UP)


def annual_share(ym: int, year: int) -> Decimal:
    """An annual target's expected share at the end of `ym`: m/12 within `year`."""
    return expected_share(ym, year * 100 + 1, year * 100 + 12)


def points(share: Decimal) -> Decimal:
    """A share as percentage points with one decimal (0.8214 → 82.1)."""
    return (share * HUNDRED).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Standing:
    """A figure against its target and 序时进度.

    `share` is value / target (None without a target); `gap` is expected − share in percentage
    points (positive: behind); `behind` when the gap exceeds the tolerance. A growth rate (%) is
    not cumulative: it is compared with its target directly (expected share 1).
    """

    value: Decimal
    target: Decimal | None
    expected: Decimal
    share: Decimal | None
    gap: Decimal | None
    behind: bool


def standing(
    value: Decimal, target: Decimal | None, *, unit: str, ym: int, start_ym: int, end_ym: int,
    tolerance: Decimal,
) -> Standing:  # fmt: skip
    """Where `value` stands at the end of `ym` against `target` over start..end.

    `tolerance` is in percentage points (5 → a share more than 5 points under 序时进度 is
    behind).
    """
    expected = Decimal(1) if unit == PERCENT else expected_share(ym, start_ym, end_ym)
    if target is None or target <= 0:
        return Standing(value, target, expected, None, None, False)
    share = (value / target).quantize(SHARE_PLACES, ROUND_HALF_UP)
    gap = points(expected) - points(share)
    return Standing(value, target, expected, share, gap, gap > tolerance)
