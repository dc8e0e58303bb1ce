"""The same task list as CSV (one row per stage, everything repeated) gives the same tasks."""

from __future__ import annotations

import pytest

from services.tasklist import TaskList, parse_task_file
from tests.tasklist.helpers import csv_text, long_form_rows


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_long_form_in_every_encoding(sample: TaskList, encoding: str) -> None:
    data = csv_text(long_form_rows(sample.tasks)).encode(encoding)
    parsed = parse_task_file(data, "tasks.csv", plan_year=2021)
    assert parsed.problems == []
    assert parsed.sheet is None
    assert parsed.tasks == sample.tasks


def test_tab_separated_with_list_separators(sample: TaskList) -> None:
    data = csv_text(long_form_rows(sample.tasks, joiner="、"), delimiter="\t").encode()
    parsed = parse_task_file(data, "tasks.txt", plan_year=2021)
    assert parsed.problems == []
    assert parsed.tasks == sample.tasks


def test_utf16_excel_unicode_text(sample: TaskList) -> None:
    data = csv_text(long_form_rows(sample.tasks), delimiter="\t").encode("utf-16")
    parsed = parse_task_file(data, "tasks.txt", plan_year=2021)
    assert parsed.tasks == sample.tasks


def test_format_is_sniffed_not_taken_from_the_name(sample: TaskList, sample_bytes: bytes) -> None:
    assert parse_task_file(sample_bytes, "tasks.csv", plan_year=2021).tasks == sample.tasks
    data = csv_text(long_form_rows(sample.tasks)).encode()
    assert parse_task_file(data, "tasks.xlsx", plan_year=2021).tasks == sample.tasks


def test_stage_rows_may_leave_task_columns_blank() -> None:
    data = csv_text(
        [
            ["1", "国际交流工作组", "参加“福州日”活动", "前期对接", "1-9月", "区外事办", "林武星"],
            ["", "", "", "随团参加活动", "10月", "区外事办", "林武星"],
        ]
    ).encode()
    parsed = parse_task_file(data, "t.csv", plan_year=2021)
    assert parsed.problems == []
    assert [str(s.end) for s in parsed.tasks[0].stages] == ["2021-09", "2021-10"]
