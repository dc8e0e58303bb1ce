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
