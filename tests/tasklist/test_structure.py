"""附件1: working groups with leaders and member units, and the HQ leadership."""

from __future__ import annotations

from services.tasklist import Structure, parse_structure_file, parse_task_file
from services.tasklist.writer import HEADER
from tests.tasklist.helpers import row, xlsx

GROUP_HEADER = ["工作小组", "组长", "组长职务", "成员单位"]


def test_the_office_structure(structure_bytes: bytes) -> None:
    structure = parse_structure_file(structure_bytes, "hq.xlsx")
    assert structure.problems == []
    groups = {g.name: g for g in structure.groups}
    assert list(groups) == [
        "综合协调组",
        "海丝引领专项组",
        "国际交流工作组",
        "国际贸易和国际投资组",
        "第一家园建设工作组",
    ]
    assert groups["海丝引领专项组"].leaders == ["陈旭"]
    assert groups["海丝引领专项组"].leader_titles == ["区发改局局长"]
    home = groups["第一家园建设工作组"]
    assert home.leaders == ["郑榕", "林叶成"]
    assert home.leader_titles == ["区委台港澳办主任", "东街口商圈管委会主任"]
    assert "区委组织部（人才办）" in home.member_units
    assert groups["综合协调组"].member_units[0] == "区委统战部（侨办）"
    assert len(groups["海丝引领专项组"].member_units) == 12


def test_the_headquarters_leaders(structure_bytes: bytes) -> None:
    leaders = parse_structure_file(structure_bytes, "hq.xlsx").leaders
    assert len(leaders) == 8
    assert (leaders[0].role, leaders[0].name, leaders[0].title) == (
        "指挥长",
        "黄瑞忠",
        "区委常委、区政府党组成员",
    )
    assert [leader.role for leader in leaders[1:]] == ["副指挥长"] * 7
    assert "陈旭" in {leader.name for leader in leaders}


def test_structure_sheets_inside_the_task_workbook() -> None:
    data = xlsx(
        {
            "任务清单": [list(HEADER), row(1, "任务一")],
            "附件1": [
                ["附件1"],
                ["构建对外开放新高地项目指挥部架构"],
                GROUP_HEADER,
                ["海丝引领专项组", "陈 旭", "区发改局局长", "区发改局、软件园"],
            ],
            "领导": [
                ["职务", "姓名", "单位职务"],
                ["指挥长", "黄瑞忠", "区委常委"],
                ["副指挥长", "林武星", "区政府办主任"],
                [None, "陈旭", "区发改局局长"],
            ],
        }
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert parsed.problems == []
    assert [t.name for t in parsed.tasks] == ["任务一"]
    structure = parsed.structure
    assert isinstance(structure, Structure)
    assert [(g.name, g.leaders, g.member_units) for g in structure.groups] == [
        ("海丝引领专项组", ["陈旭"], ["区发改局", "软件园"])
    ]
    assert [(leader.role, leader.name) for leader in structure.leaders] == [
        ("指挥长", "黄瑞忠"),
        ("副指挥长", "林武星"),
        ("副指挥长", "陈旭"),
    ]


def test_the_structure_file_is_not_a_task_list(structure_bytes: bytes) -> None:
    parsed = parse_task_file(structure_bytes, "hq.xlsx", plan_year=2021)
    assert [p.code for p in parsed.problems] == ["no_header"]
    assert parsed.structure is not None and len(parsed.structure.groups) == 5


def test_structure_problems() -> None:
    data = xlsx(
        {
            "工作小组": [
                GROUP_HEADER,
                ["综合协调组", "林武星\n于梦镌", "区政府办主任\n区政府办副主任\n多余", "区商务局"],
                ["综合协调组", "林武星", "区政府办主任", "区商务局"],
                ["国际交流工作组", None, None, "区外事办"],
            ]
        }
    )
    structure = parse_structure_file(data, "hq.xlsx")
    assert [(p.code, p.row, p.column) for p in structure.problems] == [
        ("title_count_mismatch", 2, "组长职务"),
        ("duplicate_group", 3, "工作小组"),
        ("missing_value", 4, "组长"),
    ]


def test_a_task_list_is_not_a_structure(sample_bytes: bytes) -> None:
    structure = parse_structure_file(sample_bytes, "t.xlsx")
    assert [p.code for p in structure.problems] == ["no_header"]
    assert structure.problems[0].params["missing"] == ("工作小组", "组长", "成员单位")


def test_a_broken_structure_sheet_blocks_the_task_import() -> None:
    data = xlsx(
        {
            "任务清单": [list(HEADER), row(1, "任务一")],
            "工作小组": [GROUP_HEADER, ["综合协调组", None, None, "区商务局"]],
        }
    )
    parsed = parse_task_file(data, "t.xlsx", plan_year=2021)
    assert [(p.code, p.sheet, p.row) for p in parsed.problems] == [("missing_value", "工作小组", 2)]
    assert parsed.structure is not None and parsed.structure.problems == parsed.problems
