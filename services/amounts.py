"""Reading the figures people type for a task's metric: 3200, 3,200, 3200万, 0.32亿, 32000000元,
full-width digits, or a percentage — always converted to the metric's own unit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

# Money units people write, in 元 (parsing vocabulary).
MONEY_UNITS: dict[str, Decimal] = {
    "元": Decimal(1),
    "万": Decimal(10_000),
    "万元": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "亿元": Decimal(100_000_000),
}
PERCENT = "%"
MAX_DIGITS = 15  # more than any real figure; a longer number is a typing accident

_NUMBER = re.compile(r"(?P<sign>[-+]?)(?P<number>\d+(?:\.\d+)?|\.\d+)(?P<unit>.*)")


class AmountKind(StrEnum):
    """What a typed figure turned out to be."""

    ok = "ok"
    empty = "empty"
    not_a_number = "not_a_number"
    negative = "negative"
    wrong_unit = "wrong_unit"  # e.g. 万元 typed for a percentage, or % for money
    too_large = "too_large"


@dataclass(frozen=True)
class Amount:
    """A typed figure in the metric's unit (`value`), or why it is not one."""

    kind: AmountKind
    value: Decimal | None = None
    unit: str = ""


def _clean(text: str) -> str:
    """Full-width folded, thousands separators and spaces removed."""
    folded = unicodedata.normalize("NFKC", text).strip()
    folded = folded.replace("％", "%")
    return re.sub(r"[,，\s_']", "", folded)


def parse_amount(text: str, unit: str) -> Amount:
    """`text` as a figure in `unit` (万元, 亿元, 元 or %); a bare number is taken in `unit`."""
    cleaned = _clean(text)
    if not cleaned:
        return Amount(AmountKind.empty, unit=unit)
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        return Amount(AmountKind.not_a_number, unit=unit)
    digits = match["number"].replace(".", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        return Amount(AmountKind.too_large, unit=unit)
    try:
        number = Decimal(match["number"])
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return Amount(AmountKind.not_a_number, unit=unit)
    if match["sign"] == "-" and number != 0:
        return Amount(AmountKind.negative, unit=unit)
    typed = match["unit"]
    if re.search(r"[\d.+-]", typed):
        return Amount(AmountKind.not_a_number, unit=unit)
    value = _convert(number, typed, unit)
    if value is None:
        return Amount(AmountKind.wrong_unit, unit=unit)
    return Amount(AmountKind.ok, value.normalize(), unit)


def _convert(number: Decimal, typed: str, unit: str) -> Decimal | None:
    """`number` written with `typed` (maybe empty) in the metric's `unit`; None when they clash."""
    if unit == PERCENT:
        return number if typed in ("", PERCENT) else None
    if typed == PERCENT or unit not in MONEY_UNITS:
        return number if typed in ("", unit) else None
    if typed == "":
        return number
    if typed not in MONEY_UNITS:
        return None
    return number * MONEY_UNITS[typed] / MONEY_UNITS[unit]
