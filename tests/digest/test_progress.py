"""序时进度: the share of a target due by the end of a month, and a figure's standing against it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.digest.progress import (
    annual_share,
    expected_share,
    months_between,
    points,
    standing,
)

D = Decimal
FIVE = D(5)


def test_an_annual_target_is_due_m_twelfths_by_the_end_of_month_m() -> None:
    assert annual_share(202101, 2021) == D("0.0833")
    assert annual_share(202106, 2021) == D("0.5000")
    assert annual_share(202111, 2021) == D("0.9167")
    assert annual_share(202112, 2021) == D(1)
    assert points(annual_share(202111, 2021)) == D("91.7")


def test_a_stage_from_month_a_to_month_b_counts_its_own_months() -> None:
    # task 12's 4-7 月 stage: (m − a + 1) / (b − a + 1)
    assert [expected_share(m, 202104, 202107) for m in (202104, 202105, 202106, 202107)] == [
        D("0.2500"), D("0.5000"), D("0.7500"), D(1)
    ]  # fmt: skip
    assert expected_share(202109, 202108, 202112) == D("0.4000")  # 8-12 月 at September


def test_a_stage_crossing_a_year_end_is_counted_in_calendar_months() -> None:
    assert months_between(202111, 202202) == 4
    shares = [expected_share(m, 202111, 202202) for m in (202111, 202112, 202201, 202202)]
    assert shares == [D("0.2500"), D("0.5000"), D("0.7500"), D(1)]
    # task 29's 2021-06 … 2022-05 stage at November 2021: 6 of 12 months
    assert expected_share(202111, 202106, 202205) == D("0.5000")


def test_a_one_month_stage_is_all_due_in_its_month() -> None:
    assert months_between(202108, 202108) == 1
    assert expected_share(202108, 202108, 202108) == D(1)
    assert expected_share(202107, 202108, 202108) == D(0)
    assert expected_share(202109, 202108, 202108) == D(1)


def test_nothing_is_due_before_the_period_and_everything_after_it() -> None:
    assert expected_share(202012, 202101, 202112) == D(0)
    assert expected_share(202203, 202111, 202202) == D(1)
    assert annual_share(202201, 2021) == D(1)


def test_bad_months_and_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        expected_share(202113, 202101, 202112)
    with pytest.raises(ValueError):
        expected_share(202105, 202107, 202104)


def test_3200_of_3900_at_november_is_82_1_percent_9_6_points_behind() -> None:
    """As offices word it: 累计完成投资 3200 万元，占年度计划的 82.1%，低于序时进度 9.6 个百分点."""
    std = standing(D(3200), D(3900), unit="万元", ym=202111, start_ym=202101, end_ym=202112,
                   tolerance=FIVE)  # fmt: skip
    assert std.share == D("0.8205")
    assert points(std.share) == D("82.1")
    assert points(std.expected) == D("91.7")
    assert std.gap == D("9.6")
    assert std.behind


def test_a_figure_ahead_of_schedule_has_a_negative_gap() -> None:
    std = standing(D(3600), D(3900), unit="万元", ym=202111, start_ym=202101, end_ym=202112,
                   tolerance=FIVE)  # fmt: skip
    assert (points(std.share or D(0)), std.gap, std.behind) == (D("92.3"), D("-0.6"), False)


def test_a_growth_rate_is_compared_with_its_target_directly() -> None:
    def rate(value: str) -> tuple[Decimal | None, Decimal | None, bool]:
        std = standing(D(value), D(10), unit="%", ym=202103, start_ym=202101, end_ym=202112,
                       tolerance=FIVE)  # fmt: skip
        assert std.expected == D(1)  # not 3/12: a rate is not cumulative
        return std.share, std.gap, std.behind

    assert rate("8.5") == (D("0.8500"), D("15.0"), True)
    assert rate("12") == (D("1.2000"), D("-20.0"), False)
    assert rate("9.6") == (D("0.9600"), D("4.0"), False)
    assert rate("-3") == (D("-0.3000"), D("130.0"), True)


def test_the_tolerance_is_a_limit_not_a_step_exactly_at_it_is_not_behind() -> None:
    def behind(value: int, tolerance: Decimal = FIVE) -> tuple[Decimal | None, bool]:
        std = standing(D(value), D(1000), unit="万元", ym=202111, start_ym=202101,
                       end_ym=202112, tolerance=tolerance)  # fmt: skip
        return std.gap, std.behind

    assert behind(867) == (D("5.0"), False)  # 91.7 − 86.7
    assert behind(866) == (D("5.1"), True)
    assert behind(866, D(10)) == (D("5.1"), False)
    assert behind(816, D(10)) == (D("10.1"), True)


def test_without_a_target_nothing_is_behind() -> None:
    for target in (None, D(0)):
        std = standing(D(50), target, unit="万元", ym=202111, start_ym=202101, end_ym=202112,
                       tolerance=FIVE)  # fmt: skip
        assert (std.share, std.gap, std.behind) == (None, None, False)
