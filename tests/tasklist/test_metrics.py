"""The metric a task's 具体内容 states: 年度投资 in 万元 first, else a growth target in %."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.templating import Renderer
from services.amounts import AmountKind, parse_amount
from services.tasklist import Metric, TaskList
from services.tasklist.metrics import MAX_NAME_CHARS, extract_metric
from services.tasks import TaskView

TASK_18 = (
    "通过线上、线下等形式组织企业参加 RCEP 专题培训班，帮助企业了解 RCEP 协定中关于货物贸易、"
    "原产地规则、贸易救济、服务贸易、投资、电子商务、政府采购等内容，助力企业开拓东盟、日韩等重要"
    "市场，力争在 2021 年鼓楼区外贸出口增长 10%。"
)


def test_task_18_of_the_sample_has_a_growth_target(sample: TaskList) -> None:
    task = next(t for t in sample.tasks if t.number == 18)
    assert task.metric == Metric("外贸出口增长", "%", Decimal(10))
    assert extract_metric(TASK_18) == task.metric


def test_only_the_money_tasks_and_task_18_have_metrics(sample: TaskList) -> None:
    with_metric = {t.number: t.metric.unit for t in sample.tasks if t.metric is not None}
    assert with_metric == {**dict.fromkeys(range(1, 10), "万元"), 18: "%"}


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("力争2021年全区外贸出口增长１０％。", "外贸出口增长", "10"),
        ("确保全年社会消费品零售总额同比增长 8.5% 以上", "社会消费品零售总额增长", "8.5"),
        ("外贸出口增长率达到 12%", "外贸出口增长", "12"),
        ("外贸出口增速保持在 9.0%", "外贸出口增长", "9"),
        ("鼓楼区外贸出口比上年增长 10%", "外贸出口增长", "10"),
        ("仓山区的跨境电商交易额较上年同期增长 30%", "跨境电商交易额增长", "30"),
        ("福州市外贸出口增长 3%", "外贸出口增长", "3"),
        ("推动跨境电商交易额增长 20% 左右", "跨境电商交易额增长", "20"),
        ("“十四五”期间，地区生产总值年均增长 7.5% 左右", "地区生产总值年均增长", "7.5"),
        ("力争居民人均可支配收入年均增长8%以上", "居民人均可支配收入年均增长", "8"),
        ("全市 RCEP 项下进出口额增长 5%", "RCEP项下进出口额增长", "5"),
        ("农贸市场交易额增长 10%", "农贸市场交易额增长", "10"),  # 市场 is not a city
        ("完成培训，实现增长 3%", "增长", "3"),  # no subject is named
    ],
)
def test_growth_targets(text: str, name: str, value: str) -> None:
    assert extract_metric(text) == Metric(name, "%", Decimal(value))


@pytest.mark.parametrize(
    "text",
    [
        "外贸出口增长 10 个百分点",  # a change in points, not a growth rate
        "社区居家养老照料服务中心覆盖率达 100%",  # a level to hold, not a growth target
        "占 GDP 比重从 78.7%提高至 85.3%",
        "宣传相关政策，将跨境电商培育成外贸新的增长点。",  # task 19
        "外贸出口下降 5%",
        "产值增长 2 倍",
        "外贸出口增长，出口企业占比 30%",
        "力争外贸出口增长 8-10%",  # a range names no single target
    ],
)
def test_texts_without_a_growth_target(text: str) -> None:
    assert extract_metric(text) is None


def test_money_comes_first_when_a_text_has_both() -> None:
    text = "带动产值增长 20%，年度投资 3900 万元"
    assert extract_metric(text) == Metric("年度投资", "万元", Decimal(3900))


def test_a_long_subject_keeps_its_end_within_the_column() -> None:
    subject = "甲乙丙丁戊己庚辛壬癸" * 6
    metric = extract_metric(f"{subject}增长 10%")
    assert metric is not None and len(metric.name) == MAX_NAME_CHARS
    assert metric.name.endswith("壬癸增长")


def test_reported_percentages_read_in_the_metric_unit() -> None:
    assert parse_amount("8.5%", "%").value == Decimal("8.5")
    assert parse_amount("１２％", "%").value == Decimal(12)
    assert parse_amount("300万元", "%").kind == AmountKind.wrong_unit


def _task_18_view() -> TaskView:
    return TaskView(
        id=18, number=18, name="组织开展 RCEP 专题培训", group="经贸合作工作组",
        status="active", plan_year=2021, metric_name="外贸出口增长", metric_unit="%",
        metric_annual_target=Decimal("10.0000"), total_investment=None,
    )  # fmt: skip


def test_task_detail_shows_a_percentage_next_to_its_number() -> None:
    zh = Renderer("zh").render("task_detail", task=_task_18_view())
    en = Renderer("en").render("task_detail", task=_task_18_view())
    assert "指标：外贸出口增长 10%" in zh.splitlines()
    assert "Metric: 外贸出口增长 10%" in en.splitlines()
    assert "万元" not in zh + en and "10 %" not in en
