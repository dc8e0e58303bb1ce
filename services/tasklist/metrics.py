"""Money found in 具体内容: the annual investment target and the project's total investment."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from services.tasklist.normalize import fold_width
from services.tasklist.types import Metric

ANNUAL_INVESTMENT = "年度投资"
WAN_YUAN = "万元"

_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|元)"
_ANNUAL = re.compile(
    r"(?:年度|本年度|今年|当年|全年)(?:计划)?(?:完成)?投资(?:额)?(?:计划)?\s*"
    r"(?:约|为|达|计划|预计|共|合计)?\s*[:：]?\s*" + _AMOUNT
)
_TOTAL = re.compile(r"总投资(?:额)?\s*(?:约|为|达|计划|预计|共|合计)?\s*[:：]?\s*" + _AMOUNT)
_TO_WAN = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}


def clean_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (60100.00 → 60100)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _amount_in_wan(match: re.Match[str]) -> Decimal | None:
    try:
        amount = Decimal(match.group("amount").replace(",", ""))
    except InvalidOperation:
        return None
    return clean_decimal(amount * _TO_WAN[match.group("unit")])


def extract_metric(text: str) -> Metric | None:
    """The annual investment target ("年度投资 3900 万元") in 万元, if the text states one."""
    match = _ANNUAL.search(fold_width(text))
    if match is None:
        return None
    amount = _amount_in_wan(match)
    return None if amount is None else Metric(ANNUAL_INVESTMENT, WAN_YUAN, amount)


def extract_total_investment(text: str) -> Decimal | None:
    """The total investment ("项目总投资 6.01 亿元" → 60100) in 万元, if the text states one."""
    match = _TOTAL.search(fold_width(text))
    return None if match is None else _amount_in_wan(match)
