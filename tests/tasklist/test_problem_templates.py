"""Every problem code renders, in both languages, as one line naming where and what."""

from __future__ import annotations

import pytest

from bot.templating import LANGUAGES, Renderer
from services.tasklist import ALL_CODES, FILE_CODES
from services.tasklist.problems import problem

PARAMS: dict[str, dict] = {
    "too_large": {"size": 12_000_000, "limit": 10_485_760},
    "not_a_spreadsheet": {"kind": "pdf"},
    "save_as_xlsx": {"format": "xls"},
    "zip_bomb": {"reason": "size", "limit": 100},
    "empty": {"reason": "no_data"},
    "no_header": {"missing": ["责任人"], "expected": ["项目名称", "责任人"]},
    "too_many_rows": {"limit": 20000},
    "duplicate_number": {"number": 3, "first_row": 5, "first_name": "任务"},
    "count_mismatch": {"units": 3, "persons": 2},
    "too_long": {"length": 4001, "limit": 4000},
    "month_out_of_range": {"month": 13},
    "year_out_of_range": {"year": 2012, "plan_year": 2021},
    "period_reversed": {"start": "2021-07", "end": "2021-03"},
    "period_before_previous_stage": {"end": "2021-02", "previous_start": "2021-04"},
    "duplicate_group": {"first_row": 2},
    "title_count_mismatch": {"leaders": 2, "titles": 3},
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", ALL_CODES)
def test_every_code_renders(lang: str, code: str) -> None:
    p = problem(
        code, sheet="任务清单", row=17, column="完成时限", value="13月", **PARAMS.get(code, {})
    )
    text = Renderer(lang).render("import_problem", p=p)
    assert "\n" not in text
    assert f"({code})" not in text  # a real sentence, not the fallback
    if code not in FILE_CODES or code in ("empty", "no_header", "too_many_rows"):
        assert "17" in text


def test_chinese_wording() -> None:
    p = problem("month_out_of_range", row=17, column="完成时限", value="13月", month=13)
    assert Renderer("zh").render("import_problem", p=p) == "第 17 行 完成时限 '13月' 不是有效月份。"
    p = problem("count_mismatch", sheet="任务清单", row=5, column="责任人", units=3, persons=2)
    assert (
        Renderer("zh")
        .render("import_problem", p=p)
        .startswith("工作表「任务清单」第 5 行 责任人：3 个责任单位对应 2 个责任人")
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_user_text_is_escaped(lang: str) -> None:
    p = problem("bad_period", sheet="<b>表</b>", row=4, column="完成时限", value="<i>&</i>")
    text = Renderer(lang).render("import_problem", p=p)
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;i&gt;&amp;&lt;/i&gt;" in text
