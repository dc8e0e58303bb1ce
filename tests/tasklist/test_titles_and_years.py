"""What a file says before it is read against a plan year: its title, the HQ's name the title
implies, and the plan year its title or periods suggest."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.importer import PlanYear, YearSource, choose_plan_year
from services.tasklist import YearHints, hq_name_from_title, parse_structure_file, scan_file
from services.tasklist.periods import YearMark, YearMarkKind, plan_year_from_marks, year_mark
from services.tasklist.writer import HEADER
from tests.tasklist.helpers import row, xlsx

NOW = datetime(2026, 3, 5, 9, 0)


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("构建对外开放新高地项目指挥部架构", "构建对外开放新高地项目指挥部"),
        ("构建对外开放新高地实施项目（任务）清单", "构建对外开放新高地项目指挥部"),
        ("2021年构建对外开放新高地实施项目(任务)清单", "构建对外开放新高地项目指挥部"),
        ("附件2 数字经济重点项目清单", "数字经济项目指挥部"),
        ("鼓楼区数字经济发展项目指挥部成员名单", "鼓楼区数字经济发展项目指挥部"),
        ("任务清单", None),
        ("项目指挥部", None),
        ("关于印发实施方案的通知", None),
        ("", None),
        (None, None),
    ],
)
def test_hq_name_from_title(title: str | None, name: str | None) -> None:
    assert hq_name_from_title(title) == name


def test_titles_are_exposed(sample_bytes: bytes, structure_bytes: bytes) -> None:
    scanned = scan_file(sample_bytes, "x.xlsx")
    assert scanned.task_list(2021).title == "构建对外开放新高地实施项目（任务）清单"
    assert (
        parse_structure_file(structure_bytes, "hq.xlsx").title == "构建对外开放新高地项目指挥部架构"
    )


def test_the_sample_implies_2021(sample_bytes: bytes) -> None:
    """Its only written year is task 29's "2022 年 5 月" after "5月": a spill into 2022."""
    hints = scan_file(sample_bytes, "x.xlsx").hints
    assert hints.title_year is None and hints.period_year == 2021


@pytest.mark.parametrize(
    ("value", "mark"),
    [
        ("1-12 月", None),
        ("次年3月", None),
        ("2022 年 5 月", YearMark(YearMarkKind.deadline, 2022)),
        ("2021年底", YearMark(YearMarkKind.deadline, 2021)),
        (date(2021, 5, 31), YearMark(YearMarkKind.deadline, 2021)),
        ("2021年6月-2022年5月", YearMark(YearMarkKind.start, 2021)),
        ("2021.6-2022.5", YearMark(YearMarkKind.start, 2021)),
        ("2021年全年", YearMark(YearMarkKind.start, 2021)),
        ("10月-2022年3月", YearMark(YearMarkKind.spill, 2022)),
    ],
)
def test_year_marks(value: object, mark: YearMark | None) -> None:
    assert year_mark(value) == mark


def test_plan_year_from_marks() -> None:
    start, spill, deadline = YearMarkKind.start, YearMarkKind.spill, YearMarkKind.deadline
    assert plan_year_from_marks([]) is None
    assert plan_year_from_marks([YearMark(spill, 2022), YearMark(start, 2022)]) == 2022
    assert plan_year_from_marks([YearMark(spill, 2022)]) == 2021
    assert plan_year_from_marks([YearMark(deadline, 2023), YearMark(spill, 2023)]) == 2022


def test_a_year_in_the_title_rows() -> None:
    data = xlsx({"s": [["附件2"], ["2024年度重点任务清单"], list(HEADER), row(1, "甲")]})
    hints = scan_file(data, "x.xlsx").hints
    assert (hints.title, hints.title_year) == ("2024年度重点任务清单", 2024)


def test_choose_plan_year_order() -> None:
    hints = YearHints(title_year=2023, period_year=2022)
    assert choose_plan_year(given=2020, caption="2025", filename="a-2024.xlsx", hints=hints,
                            latest=2019, now=NOW) == PlanYear(2020, YearSource.given)  # fmt: skip
    assert choose_plan_year(caption="2025年", filename="a-2024.xlsx", hints=hints, now=NOW) == (
        PlanYear(2025, YearSource.caption)
    )
    assert choose_plan_year(filename="a-2024.xlsx", hints=hints, latest=2019, now=NOW) == (
        PlanYear(2024, YearSource.filename)
    )
    assert choose_plan_year(filename="a.xlsx", hints=hints, now=NOW) == (
        PlanYear(2023, YearSource.file_title)
    )
    assert choose_plan_year(hints=YearHints(period_year=2022), latest=2019, now=NOW) == (
        PlanYear(2022, YearSource.periods)
    )
    assert choose_plan_year(latest=2019, now=NOW) == PlanYear(2019, YearSource.latest)
    assert choose_plan_year(caption="请导入", filename="清单.xlsx", now=NOW) == (
        PlanYear(2026, YearSource.clock)
    )
