"""Export in the office's layout, and reading it back gives the same tasks."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from services.tasklist import TaskList, YearMonth, parse_task_file, write_task_file
from tests.tasklist.helpers import TITLE


def test_round_trip(sample: TaskList) -> None:
    data = write_task_file(sample.tasks, title=TITLE, plan_year=2021, attachment_label="附件2")
    again = parse_task_file(data, "export.xlsx", plan_year=2021)
    assert again.problems == []
    assert again.tasks == sample.tasks
    assert [s.period_text for t in again.tasks for s in t.stages] == [
        s.period_text for t in sample.tasks for s in t.stages
    ]


def test_layout(sample: TaskList) -> None:
    data = write_task_file(sample.tasks, title=TITLE, plan_year=2021, attachment_label="附件2")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "附件2"
    assert ws["A2"].value == TITLE
    assert [c.value for c in ws[3]] == [
        "序号",
        "工作小组名称",
        "项目名称",
        "具体内容",
        "完成时限",
        "责任单位",
        "责任人",
    ]
    assert ws.freeze_panes == "A4"
    assert ws.max_row == 3 + 35
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:G2", "A15:A16", "B15:B16", "C15:C16", "A36:A38", "C36:C38"} <= merged
    assert ws["F19"].value == "区东街口商圈管委会\n区委台港澳办\n区商务局\n南街街道"
    assert ws["G19"].value == "林叶成\n郑榕\n高勇坤\n苏林"
    assert ws["D4"].alignment.wrap_text
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width


def test_edited_periods_are_written_canonically(sample: TaskList) -> None:
    task = sample.tasks[28]
    edited = type(task)(
        task.number,
        task.group,
        task.name,
        [type(s)(s.content, s.start, s.end, "", s.assignments) for s in task.stages],
    )
    edited.stages[2].end = YearMonth(2022, 6)
    data = write_task_file([edited], title=TITLE, plan_year=2021)
    ws = load_workbook(io.BytesIO(data)).active
    assert [ws.cell(row=r, column=5).value for r in (3, 4, 5)] == [
        "1-3月",
        "4-5月",
        "2021年6月-2022年6月",
    ]
    again = parse_task_file(data, "e.xlsx", plan_year=2021)
    assert again.tasks[0].stages == edited.stages


def test_text_that_looks_like_a_formula_stays_text(sample: TaskList) -> None:
    task = sample.tasks[0]
    hostile = type(task)(
        1,
        "组",
        '=HYPERLINK("http://x")',
        [type(s)("=1+1", s.start, s.end, s.period_text, s.assignments) for s in task.stages],
    )
    data = write_task_file([hostile], title="t", plan_year=2021)
    again = parse_task_file(data, "h.xlsx", plan_year=2021)
    assert again.tasks[0].name == '=HYPERLINK("http://x")'
    assert again.tasks[0].stages[0].content == "=1+1"


def test_formula_like_text_is_saved_as_quoted_text(sample: TaskList) -> None:
    task = sample.tasks[0]
    assignments = [type(a)("@单位", "+张三") for a in task.stages[0].assignments[:1]]
    hostile = type(task)(
        1,
        "-组",
        '=HYPERLINK("http://x","点我")',
        [type(s)("=1+1", s.start, s.end, s.period_text, assignments) for s in task.stages[:1]],
    )
    data = write_task_file([hostile], title="=标题", plan_year=2021)
    ws = load_workbook(io.BytesIO(data)).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    for text in ("=标题", "-组", '=HYPERLINK("http://x","点我")', "=1+1", "@单位", "+张三"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not cells["序号"].quotePrefix and not cells["工作小组名称"].quotePrefix
    again = parse_task_file(data, "h.xlsx", plan_year=2021)
    assert again.tasks[0].group == "-组"
    assert again.tasks[0].stages[0].assignments[0] == type(assignments[0])("@单位", "+张三")
