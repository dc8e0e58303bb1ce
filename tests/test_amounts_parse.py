"""The figures people type for a metric, converted to the metric's unit — or refused with a
reason the bot can word."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.amounts import AmountKind, parse_amount


@pytest.mark.parametrize(
    ("typed", "unit", "value"),
    [
        ("3200", "万元", "3200"),
        ("3,200", "万元", "3200"),
        ("3，200", "万元", "3200"),
        ("３２００", "万元", "3200"),
        ("3200万", "万元", "3200"),
        ("3200 万元", "万元", "3200"),
        ("0.32亿", "万元", "3200"),
        ("0.32亿元", "万元", "3200"),
        ("32000000元", "万元", "3200"),
        ("32,000,000 元", "万元", "3200"),
        ("521.35", "万元", "521.35"),
        ("6.01", "亿元", "6.01"),
        ("60100万", "亿元", "6.01"),
        ("8.5%", "%", "8.5"),
        ("8.5", "%", "8.5"),
        ("８.５％", "%", "8.5"),
        ("0", "万元", "0"),
        (".5", "万元", "0.5"),
    ],
)
def test_figures_in_any_common_spelling(typed: str, unit: str, value: str) -> None:
    amount = parse_amount(typed, unit)
    assert amount.kind is AmountKind.ok, typed
    assert amount.value == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "unit", "kind"),
    [
        ("", "万元", AmountKind.empty),
        ("   ", "万元", AmountKind.empty),
        ("-3200", "万元", AmountKind.negative),
        ("三千二百", "万元", AmountKind.not_a_number),
        ("约3200", "万元", AmountKind.not_a_number),
        ("3200美元", "万元", AmountKind.wrong_unit),
        ("3200万", "%", AmountKind.wrong_unit),
        ("8.5%", "万元", AmountKind.wrong_unit),
        ("1" * 20, "万元", AmountKind.too_large),
        ("1.2.3", "万元", AmountKind.not_a_number),
    ],
)
def test_what_is_not_a_figure_says_why(typed: str, unit: str, kind: AmountKind) -> None:
    amount = parse_amount(typed, unit)
    assert amount.kind is kind and amount.value is None
