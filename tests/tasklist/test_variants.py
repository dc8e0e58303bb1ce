"""Layouts real offices produce still read as the same tasks."""

from __future__ import annotations

import random

import pytest
from openpyxl import Workbook, load_workbook

from services.tasklist import TaskList, parse_task_file
from tests.tasklist.helpers import long_form_rows, row, task_sheet, xlsx

SHUFFLED = [
    "责任 单位",
    "完成\n时限",
    "项目（任务）名称",
    "序号",
    "责任人",
    "具体内容",
    "工作小组\n名称",
]
ORDER = [5, 4, 2, 0, 6, 3, 1]  # where each shuffled column comes from in the canonical order


def shuffled(rows: list[list[object]]) -> list[list[object]]:
    return [[r[i] for i in ORDER] for r in rows]


def test_shuffled_columns_variant_labels_header_lower_down(sample: TaskList) -> None:
    rows = shuffled(long_form_rows(sample.tasks))
    rows.insert(20, [])
    rows.insert(21, [None] * 7)
    rows.insert(30, SHUFFLED)  # header repeated at a page break
    sheets = {
        "说明": [["本表由综合协调组维护"], ["联系人：林武星"]],
        "清单": [["附件2"], [], ["构建对外开放新高地实施项目（任务）清单"], [], SHUFFLED, *rows],
    }
    parsed = parse_task_file(xlsx(sheets), "tasks.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert parsed.sheet == "清单"
    assert parsed.tasks == sample.tasks


def test_time_node_label_and_notes_after_the_table() -> None:
    data = xlsx(
        {
            "Sheet1": [
                ["序号", "工作小组", "任务名称", "工作内容", "时间节点", "牵头单位", "责任人"],
                row(1, "任务一"),
                ["注：完成时限以月为单位。"],
                ["填表人：林武星", None, None, "联系电话：12345"],
            ]
        }
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.name for t in parsed.tasks] == ["任务一"]


def test_full_width_digits_and_dashes_everywhere() -> None:
    data = task_sheet(
        [
            row("１", "任务一", "１－３月", content="年度投资　１２００万元，项目总投资１．５亿元"),
            [None, None, None, "第二阶段", "４—１２月", "鼓东街道", "张　玉珍"],
            row("２.", "任务二", "２０２１年６月－２０２２年５月"),
        ]
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    first, second = parsed.tasks
    assert [(str(s.start), str(s.end)) for s in first.stages] == [
        ("2021-01", "2021-03"),
        ("2021-04", "2021-12"),
    ]
    assert first.stages[1].assignments[0].person == "张玉珍"
    assert str(first.metric.annual_target) == "1200"
    assert str(first.total_investment) == "15000"
    assert (second.number, str(second.end)) == (2, "2022-05")


def test_excel_floats_dates_and_formulas_as_cached_values() -> None:
    book = Workbook()
    ws = book.active
    ws.append(["序号", "工作小组名称", "项目名称", "具体内容", "完成时限", "责任单位", "责任人"])
    ws.append(row(1.0, "任务一", "1-12月"))
    ws.append(row(2, "任务二", __import__("datetime").datetime(2021, 8, 1)))
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse_task_file(buffer.getvalue(), "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.number for t in parsed.tasks] == [1, 2]
    assert parsed.tasks[1].stages[0].period_text == "8月"


def test_merged_unit_and_person_cells_carry_down() -> None:
    data = task_sheet(
        [
            row(1, "任务一", "1-3月", unit="区外事办\n区文体旅局", person="林武星\n叶艺芳"),
            [None, None, None, "第二阶段", "4-12月", None, None],
        ]
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    first, second = parsed.tasks[0].stages
    assert second.assignments == first.assignments


def test_merged_group_cells_across_tasks() -> None:
    data = task_sheet([row(1, "任务一"), row(2, "任务二", group=None)])
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.group for t in parsed.tasks] == ["海丝引领专项组", "海丝引领专项组"]


def test_without_number_and_group_columns_tasks_are_numbered_in_order() -> None:
    data = xlsx(
        {
            "S": [
                ["项目名称", "具体内容", "完成时限", "责任单位", "责任人"],
                ["任务一", "内容", "1-6月", "鼓东街道", "张玉珍"],
                ["任务一", "内容二", "7-12月", "鼓东街道", "张玉珍"],
                ["任务二", "内容", "全年", "水部街道", "林嵩"],
            ]
        }
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [(t.number, t.group, len(t.stages)) for t in parsed.tasks] == [(1, "", 2), (2, "", 1)]


def test_one_unit_several_persons_and_several_units_one_person() -> None:
    data = task_sheet(
        [
            row(1, "任务一", unit="区商务局", person="高勇坤、林秀"),
            row(2, "任务二", unit="区商务局；区外事办", person="高勇坤"),
        ]
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    one, two = (t.stages[0].assignments for t in parsed.tasks)
    assert [(a.unit, a.person) for a in one] == [("区商务局", "高勇坤"), ("区商务局", "林秀")]
    assert [(a.unit, a.person) for a in two] == [("区商务局", "高勇坤"), ("区外事办", "高勇坤")]


def test_ten_thousand_rows_all_parse() -> None:
    """Scale is measured by bench/import_rows.py; here every row of a big file must come through."""
    rng = random.Random(7)
    rows = [
        row(
            n, f"任务{n}", f"{rng.randint(1, 6)}-{rng.randint(7, 12)}月", content="年度投资 10 万元"
        )
        for n in range(1, 10_001)
    ]
    data = task_sheet(rows)
    parsed = parse_task_file(data, "big.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert len(parsed.tasks) == 10_000
    assert parsed.tasks[-1].number == 10_000 and parsed.tasks[-1].metric is not None


def test_the_sample_opens_in_openpyxl_unchanged(sample_bytes: bytes) -> None:
    assert load_workbook(__import__("io").BytesIO(sample_bytes)).sheetnames == ["任务清单"]


def test_section_headings_give_the_group_when_there_is_no_group_column() -> None:
    data = xlsx(
        {
            "S": [
                ["序号", "项目名称", "具体内容", "完成时限", "责任单位", "责任人"],
                ["一、海丝引领专项组"],
                [1, "任务一", "内容", "全年", "鼓东街道", "张玉珍"],
                ["二、国际交流工作组"],
                [2, "任务二", "内容", "全年", "区外事办", "林武星"],
            ]
        }
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.group for t in parsed.tasks] == ["海丝引领专项组", "国际交流工作组"]


def test_rows_numbered_in_advance_but_empty_are_ignored() -> None:
    data = task_sheet([row(1, "任务一"), [2], [3], [4, None, None, None, None, None, None]])
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.number for t in parsed.tasks] == [1]


@pytest.mark.parametrize(
    "header",
    [
        ["序 号", "工作小组", "项目（任务）名称", "主要工作内容", "完成时间节点", "牵头单位",
         "责任人"],
        ["编号", "所属小组", "任务名称", "工作任务", "时间节点", "责任单位（牵头）",
         "责任人（联系人）"],
        ["序号", "专项组", "重点任务", "具体措施", "完成期限", "牵头责任单位", "具体责任人"],
        ["序号", "工作组", "项目名称", "建设内容及规模", "计划完成时间", "责任单位及科室",
         "责任人及联系方式"],
    ],
)  # fmt: skip
def test_headers_worded_other_ways_are_understood(header: list[str]) -> None:
    cells = [1, "海丝引领专项组", "项目A", "内容", "1-12月", "鼓东街道", "张玉珍 13800000000"]
    parsed = parse_task_file(xlsx({"S": [["标题"], header, cells]}), "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    [task] = parsed.tasks
    assert (task.name, task.group) == ("项目A", "海丝引领专项组")
    assert task.stages[0].assignments[0].unit == "鼓东街道"
    assert task.stages[0].assignments[0].person == "张玉珍"


def test_cooperating_units_are_not_taken_for_the_responsible_unit() -> None:
    header = ["序号", "项目名称", "建设内容", "配合单位", "完成时限", "牵头责任单位", "责任人"]
    cells = [1, "项目A", "内容", "区财政局", "1-12月", "鼓东街道", "张玉珍"]
    parsed = parse_task_file(xlsx({"S": [header, cells]}), "t.xlsx", plan_year=2021)
    assert parsed.tasks[0].stages[0].assignments[0].unit == "鼓东街道"
