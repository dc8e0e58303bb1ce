"""Names, units and multi-value cells read the way the office means them."""

from __future__ import annotations

import pytest

from services.tasklist import normalize_name, normalize_title, normalize_unit, split_cell


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("郑 榕", "郑榕"),
        ("郑\u3000榕", "郑榕"),
        ("郑\u00a0榕", "郑榕"),
        ("  张  林 ", "张林"),
        ("Li  Ming", "Li Ming"),
        ("Ｌｉ Ｍｉｎｇ", "Li Ming"),
        ("林\u200b叶成", "林叶成"),
        (None, ""),
    ],
)
def test_names(raw: object, clean: str) -> None:
    assert normalize_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("区委组织部(人才科)", "区委组织部（人才科）"),
        ("区委组织部 （人才科）", "区委组织部（人才科）"),
        ("区委组织部（人才科）", "区委组织部（人才科）"),
        (" 区 商务局 ", "区商务局"),
        ("区委台港澳办\u3000", "区委台港澳办"),
    ],
)
def test_units(raw: str, clean: str) -> None:
    assert normalize_unit(raw) == clean


def test_project_names_keep_their_wording() -> None:
    assert normalize_title(" 组织开展  RCEP 专题学习 ") == "组织开展 RCEP 专题学习"
    assert (
        normalize_title("深化国际友城合作，\n完成 1对友城签约")
        == "深化国际友城合作，完成 1对友城签约"
    )


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("区委台港澳办\n区商务局", ["区委台港澳办", "区商务局"]),
        ("区委台港澳办\r\n区商务局\n", ["区委台港澳办", "区商务局"]),
        (
            "郑榕、高勇坤，朱嘉希,叶艺芳；林武星;苏林",
            ["郑榕", "高勇坤", "朱嘉希", "叶艺芳", "林武星", "苏林"],
        ),
        ("区委统战部（侨办、外事办）、区发改局", ["区委统战部（侨办、外事办）", "区发改局"]),
        ("", []),
        (None, []),
    ],
)
def test_split_cell(raw: object, parts: list[str]) -> None:
    assert split_cell(raw) == parts


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("张玉珍 13805012345", "张玉珍"),
        ("张玉珍（副主任）", "张玉珍"),
        ("张玉珍(副主任) 电话：0591-87654321", "张玉珍"),
        ("朱嘉希【团区委】", "朱嘉希"),
        ("John Smith", "John Smith"),
    ],
)
def test_titles_and_phone_numbers_are_not_part_of_a_name(raw: str, name: str) -> None:
    assert normalize_name(raw) == name


def test_phone_numbers_beside_names_do_not_become_persons() -> None:
    from services.tasklist import parse_task_file
    from tests.tasklist.helpers import row, task_sheet

    data = task_sheet(
        [row(1, "甲", person="张玉珍，13805012345"), row(2, "乙", person="13805012345")]
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert [a.person for a in parsed.tasks[0].stages[0].assignments] == ["张玉珍"]
    assert [(p.code, p.row) for p in parsed.problems] == [("missing_value", 5)]
