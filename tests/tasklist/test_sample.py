"""The office's real task list (附件2) parses into the tasks a reader of the document sees."""

from __future__ import annotations

from decimal import Decimal

from services.tasklist import Assignment, Metric, TaskList, YearMonth


def ym(text: str) -> YearMonth:
    return YearMonth.parse(text)


def by_number(sample: TaskList, number: int):
    return next(task for task in sample.tasks if task.number == number)


def test_counts(sample: TaskList) -> None:
    assert sample.problems == []
    assert sample.sheet == "任务清单"
    assert [task.number for task in sample.tasks] == list(range(1, 30))
    assert sum(len(task.stages) for task in sample.tasks) == 35
    assert len({task.group for task in sample.tasks}) == 4


def test_people_and_units_are_deduplicated(sample: TaskList) -> None:
    pairs = [a for task in sample.tasks for a in task.assignments]
    units = {a.unit for a in pairs}
    persons = {a.person for a in pairs}
    assert len(units) == 16
    assert len(persons) == 16
    assert "郑榕" in persons and "郑 榕" not in persons
    assert {"张林", "林秀", "苏林"} <= persons
    assert "区委组织部（人才科）" in units


def test_stages_of_task_12_follow_the_table(sample: TaskList) -> None:
    stages = by_number(sample, 12).stages
    assert [(s.start, s.end) for s in stages] == [
        (ym("2021-01"), ym("2021-03")),
        (ym("2021-04"), ym("2021-07")),
    ]
    assert stages[1].content.startswith("按照海峡论坛组委会")


def test_single_months_are_deadlines(sample: TaskList) -> None:
    assert [(s.start, s.end) for s in by_number(sample, 16).stages] == [
        (ym("2021-01"), ym("2021-07")),
        (ym("2021-08"), ym("2021-08")),
    ]
    assert [(s.start, s.end) for s in by_number(sample, 29).stages] == [
        (ym("2021-01"), ym("2021-03")),
        (ym("2021-04"), ym("2021-05")),
        (ym("2021-06"), ym("2022-05")),
    ]
    assert by_number(sample, 29).end == ym("2022-05")


def test_task_15_has_four_paired_assignments(sample: TaskList) -> None:
    assert by_number(sample, 15).stages[0].assignments == [
        Assignment("区东街口商圈管委会", "林叶成"),
        Assignment("区委台港澳办", "郑榕"),
        Assignment("区商务局", "高勇坤"),
        Assignment("南街街道", "苏林"),
    ]


def test_investment_metrics(sample: TaskList) -> None:
    targets = ["3900", "2500", "7083", "100", "16800", "1000", "1000", "100", "521.35"]
    for number, target in enumerate(targets, start=1):
        assert by_number(sample, number).metric == Metric("年度投资", "万元", Decimal(target))
    assert by_number(sample, 4).total_investment == Decimal("60100")
    assert by_number(sample, 1).total_investment == Decimal("10100")
    assert by_number(sample, 10).metric is None
    assert by_number(sample, 25).metric is None  # "拟追加投资 1亿人民币" names no 年度投资


def test_due_this_month(sample: TaskList) -> None:
    due_in_march = {t.number for t in sample.tasks if t.stages_in(ym("2021-03"))}
    assert 13 not in due_in_march and 14 not in due_in_march
    assert {12, 19, 28, 29} <= due_in_march
    assert [t.number for t in sample.tasks if t.stages_in(ym("2022-01"))] == [29]


def test_groups_and_names_are_kept(sample: TaskList) -> None:
    task = by_number(sample, 5)
    assert task.group == "海丝引领专项组"
    assert task.name == "福建省盐业发展股权投资合伙企业(有限合伙）投资项目"
    assert by_number(sample, 36 - 7).group == "国际交流工作组"
    assert sample.structure is None
