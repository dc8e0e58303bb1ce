"""Targets found in 具体内容: the annual investment, a growth rate, the total investment."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from services.tasklist.normalize import fold_width, squeeze
from services.tasklist.types import Metric

ANNUAL_INVESTMENT = "年度投资"
WAN_YUAN = "万元"
PERCENT = "%"
GROWTH = "增长"
AVERAGE_GROWTH = "年均增长"
MAX_NAME_CHARS = 50  # the metric_name column

_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<unit>亿元|万元|元)"
_ANNUAL = re.compile(
    r"(?:年度|本年度|今年|当年|全年)(?:计划)?(?:完成)?投资(?:额)?(?:计划)?\s*"
    r"(?:约|为|达|计划|预计|共|合计)?\s*[:：]?\s*" + _AMOUNT
)
_TOTAL = re.compile(r"总投资(?:额)?\s*(?:约|为|达|计划|预计|共|合计)?\s*[:：]?\s*" + _AMOUNT)
# "<subject>[比上年][同比|年均]增长[率][达到] N%[以上|左右]"; not 增长N个百分点 (no % sign).
_GROWTH = re.compile(
    r"(?:(?P<average>年均)|同比|环比)?增(?:长|速)(?:了|率|幅|幅度)?\s*"
    r"(?:要|需|目标|力争|预计|计划)?\s*(?:达到|达|为|至|超过|超|保持在|保持|不低于|高于)?\s*"
    r"(?P<percent>\d+(?:\.\d+)?)\s*%"
)
# Where the subject of a growth target starts: after the clause break or the last lead-in verb.
_CLAUSE_BREAK = re.compile(r"[，。；;,、：:！!？?（）()\n\[\]【】“”\"]")
_LEAD_IN = re.compile(
    r".*(?:力争|确保|争取|力求|努力|推动|带动|拉动|促进|助推|推进|实现|使得|预计|计划|目标|从而|进而|全力|保持)"
)
# Time, place and filler in front of the subject ("在 2021 年鼓楼区外贸出口" → "外贸出口").
_LEADING_FILLER = re.compile(
    r"^(?:在|到|于|至|使|让|的|全年|年内|今年|当年|本年度?|明年|上半年|下半年|期间"
    r"|\d{4}\s*年(?:底|末|内|度|全年)?|\d{1,2}\s*月(?:底|末)?"
    r"|“?十[一二三四五六七八九]五”?(?:期间|时期)?"
    r"|(?:全|本|我)(?:区|市|县|省|镇|街道)"
    r"|[\u4e00-\u9fff]{2,3}(?:区|市|县)(?![场域民值级内])(?=[\u4e00-\u9fff]{2}))"
)
_TRAILING_COMPARISON = re.compile(
    r"(?:比|较|同比|相比|与)(?:上年|去年|上一年|前一年|\d{4}\s*年)(?:同期)?(?:相比)?$"
)
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
    """The task's natural target: the annual investment ("年度投资 3900 万元", in 万元) or else
    a growth target ("外贸出口增长 10%" → 外贸出口增长, %), if the text states one."""
    folded = fold_width(text)
    match = _ANNUAL.search(folded)
    if match is not None:
        amount = _amount_in_wan(match)
        if amount is not None:
            return Metric(ANNUAL_INVESTMENT, WAN_YUAN, amount)
    return extract_growth(folded)


def extract_growth(text: str) -> Metric | None:
    """A growth target "<subject>增长 N%" (also 同比增长, 年均增长, 增长率达到) as a % metric."""
    folded = fold_width(text)
    match = _GROWTH.search(folded)
    if match is None:
        return None
    kind = AVERAGE_GROWTH if match.group("average") else GROWTH
    subject = _growth_subject(folded[: match.start()])[-(MAX_NAME_CHARS - len(kind)) :]
    return Metric(subject + kind, PERCENT, clean_decimal(Decimal(match.group("percent"))))


def _growth_subject(before: str) -> str:
    """What grows: the end of the clause before 增长, without lead-in, time and place."""
    clause = _CLAUSE_BREAK.split(before)[-1]
    lead_in = _LEAD_IN.match(clause)
    subject = squeeze(clause[lead_in.end() :] if lead_in else clause)
    subject = _TRAILING_COMPARISON.sub("", subject)
    while True:
        stripped = _LEADING_FILLER.sub("", subject, count=1).lstrip()
        if stripped == subject:
            return subject
        subject = stripped


def extract_total_investment(text: str) -> Decimal | None:
    """The total investment ("项目总投资 6.01 亿元" → 60100) in 万元, if the text states one."""
    match = _TOTAL.search(fold_width(text))
    return None if match is None else _amount_in_wan(match)
