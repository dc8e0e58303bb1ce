"""Amounts are written as government documents write them: 3900万元, never 3,900万元."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.templating import Renderer, plain_number
from services.tasks import TaskView


def task(target: Decimal, total: Decimal | None) -> TaskView:
    return TaskView(
        id=1, number=1, name="建设德艺文创国际经贸合作信息化平台", group="国际交流工作组",
        status="active", plan_year=2021, metric_name="年度投资", metric_unit="万元",
        metric_annual_target=target, total_investment=total,
    )  # fmt: skip


def test_task_detail_shows_amounts_without_separators() -> None:
    zh = Renderer("zh").render("task_detail", task=task(Decimal("3900.00"), Decimal("10100")))
    assert "年度投资 3900万元（项目总投资 10100万元）" in zh
    en = Renderer("en").render("task_detail", task=task(Decimal("16800"), Decimal("60100.50")))
    assert "16800 万元" in en and "60100.5 万元" in en
    assert "," not in zh.split("年度投资")[1].split("\n")[0]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("3900"), "3900"),
        (Decimal("3.9E+3"), "3900"),
        (Decimal("521.350"), "521.35"),
        (Decimal("1234567.89"), "1234567.89"),
        (12000, "12000"),
        (2500.0, "2500"),
        (0.5, "0.5"),
    ],
)
def test_plain_number(value: object, text: str) -> None:
    assert plain_number(value) == text
