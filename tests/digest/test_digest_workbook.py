"""The digest's Excel file: four sheets a leader can print and filter, and the quarter's sheet."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.digest_book_labels import (
    digest_book_filename,
    digest_book_labels,
    quarter_book_filename,
    quarter_book_labels,
)
from bot.templating import Renderer
from services.digest.model import Digest, Light
from services.digest.workbook import month_workbook, quarter_workbook
from tests.digest.factory import digest, quarter

EVIL = '=HYPERLINK("http://evil.example","点击领取")'
ZH_ITEMS = ["序号", "工作小组", "项目名称", "阶段要求", "时限", "责任单位", "责任人", "状态",
            "本月工作进展", "存在问题", "下阶段工作目标", "指标", "计量单位", "计划", "完成",
            "完成率", "序时进度", "灯", "填报人", "填报时间", "是否逾期报送"]  # fmt: skip
EN_ITEMS = ["No.", "Working group", "Task", "Stage requirement", "Period", "Unit", "Responsible",
            "Status", "Progress this month", "Problems", "Next goal", "Metric", "Metric unit",
            "Plan", "Done", "Done %", "Time-based target", "Light", "Filled in by", "Submitted",
            "Late"]  # fmt: skip
HEADER = 2  # the row under the title
FIRST = 3  # the first data row


def _book(lang: str = "zh", month: Digest | None = None, *, with_quarter: bool = False) -> Workbook:
    renderer = Renderer(lang)
    month = month or digest()
    q = quarter() if with_quarter else None
    data = month_workbook(
        month, digest_book_labels(renderer, month), quarter=q,
        quarter_labels=quarter_book_labels(renderer, q) if q is not None else None,
    )  # fmt: skip
    return load_workbook(io.BytesIO(data))


def _row(ws: Worksheet, at: int) -> list[object]:
    return [cell.value for cell in ws[at]]


def _data_rows(ws: Worksheet, first: int = FIRST) -> list[list[object]]:
    return [list(row) for row in ws.iter_rows(min_row=first, values_only=True)]


def _item_row(ws: Worksheet, number: int) -> int:
    """The sheet row of the item with this 序号."""
    return next(at for at in range(FIRST, ws.max_row + 1) if ws.cell(at, 1).value == number)


@pytest.mark.parametrize(
    ("lang", "sheets", "headers", "overall"),
    [("zh", ["明细", "未报送", "问题", "分组"], ZH_ITEMS, "全指挥部"),
     ("en", ["Items", "Not reported", "Problems", "Groups"], EN_ITEMS, "Whole HQ")],
)  # fmt: skip
def test_four_sheets_with_headers_in_the_readers_language(
    lang: str, sheets: list[str], headers: list[str], overall: str
) -> None:
    book = _book(lang)
    assert book.sheetnames == sheets
    assert _row(book[sheets[0]], HEADER) == headers
    assert "构建对外开放新高地项目指挥部" in str(book[sheets[0]]["A1"].value)
    missing, problems, groups = (book[name] for name in sheets[1:])
    assert len(_row(missing, HEADER)) == 5 and len(_row(problems, HEADER)) == 7
    assert _row(groups, HEADER)[6:10] == ["🟢", "🟡", "🔴", "⚪"]
    assert groups.cell(groups.max_row, 2).value == overall


def test_zh_headers_of_the_other_sheets() -> None:
    book = _book()
    assert _row(book["未报送"], HEADER) == [
        "责任人",
        "责任单位",
        "工作小组",
        "序号",
        "未报送的任务",
    ]
    assert _row(book["问题"], HEADER) == ["序号", "项目名称", "工作小组", "责任单位", "责任人",
                                         "状态", "存在问题/需指挥部协调事项"]  # fmt: skip
    assert _row(book["分组"], HEADER) == [
        "排名", "工作小组", "组长", "应报", "已报", "报送率", "🟢", "🟡", "🔴", "⚪",
        "年度投资完成（万元）", "年度投资计划（万元）", "年度投资完成率", "年度投资序时进度",
    ]  # fmt: skip


def test_every_sheet_prints_a4_landscape_with_its_header_on_each_page_and_frozen() -> None:
    book = _book(with_quarter=True)
    frozen = {"明细": "B3", "未报送": "B3", "问题": "B3", "分组": "C3", "季度评估": "B4"}
    titles = {"季度评估": "$2:$3"}
    for ws in book.worksheets:
        assert ws.freeze_panes == frozen[ws.title], ws.title
        assert ws.print_title_rows == titles.get(ws.title, "$2:$2"), ws.title
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", int(ws.PAPERSIZE_A4))
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        header_row = int(titles.get(ws.title, "$2:$2").split(":")[1].strip("$"))
        last = get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A{header_row}:{last}{ws.max_row}", ws.title
        assert ws.column_dimensions["B"].width > 5
        assert ws.cell(header_row, 2).alignment.wrap_text


def test_row_counts_equal_the_digest() -> None:
    month = digest()
    book = _book(month=month)
    assert len(_data_rows(book["明细"])) == len(month.items) == 6
    assert len(_data_rows(book["未报送"])) == len(month.submission.missing) == 1
    assert len(_data_rows(book["问题"])) == len(month.problems) == 2
    assert len(_data_rows(book["分组"])) == len(month.groups) + 1 == 4


def test_an_item_behind_schedule_shows_its_metric_and_light() -> None:
    ws = _book()["明细"]
    at = _item_row(ws, 3)
    row = dict(zip(ZH_ITEMS, _row(ws, at), strict=True))
    assert row["状态"] == "按计划推进" and row["灯"] == "🟡 低于序时进度"
    assert (row["指标"], row["计量单位"], row["计划"], row["完成"]) == (
        "年度投资",
        "万元",
        7083,
        3200,
    )
    assert row["完成率"] == pytest.approx(0.4518) and row["序时进度"] == pytest.approx(0.9167)
    assert ws.cell(at, ZH_ITEMS.index("完成率") + 1).number_format == "0.0%"
    assert row["是否逾期报送"] == "是"
    # 24 Nov 2021 02:00 UTC is 10:00 in Shanghai; Excel has no zones, so the cell is local
    assert row["填报时间"] == datetime(2021, 11, 24, 10, 0)
    assert ws.cell(at, ZH_ITEMS.index("填报时间") + 1).number_format == "yyyy-mm-dd hh:mm"


def test_a_missing_item_is_named_with_its_stage_schedule() -> None:
    ws = _book()["明细"]
    row = dict(zip(ZH_ITEMS, _row(ws, _item_row(ws, 18)), strict=True))
    assert row["状态"] == "未报送" and row["灯"] == "⚪ 未报送"
    assert row["序时进度"] == pytest.approx(0.9167)  # no metric: the stage's 序时进度
    assert row["本月工作进展"] is None and row["填报时间"] is None and row["是否逾期报送"] is None
    blocked = dict(zip(ZH_ITEMS, _row(ws, _item_row(ws, 15)), strict=True))
    assert blocked["填报人"] == "王联络" and blocked["灯"] == "🔴 受阻需协调"
    assert blocked["存在问题"] == "征迁需区里协调 <b>急</b>"  # the text as typed, not escaped


def test_light_colours_differ_by_light() -> None:
    month = digest()
    ws = _book(month=month)["明细"]
    status = ZH_ITEMS.index("状态") + 1
    light = ZH_ITEMS.index("灯") + 1
    fills: dict[Light, str] = {}
    for item in month.items:
        at = _item_row(ws, item.number)
        colour = ws.cell(at, status).fill.fgColor.rgb
        assert ws.cell(at, light).fill.fgColor.rgb == colour
        assert fills.setdefault(item.light, colour) == colour
    assert len(set(fills.values())) == 4
    assert ws.cell(_item_row(ws, 1), 3).fill.fill_type is None  # other cells are not coloured


def test_formula_like_text_stays_text() -> None:
    month = digest()
    month.items[0] = replace(month.items[0], task_name=EVIL, progress="+86 138 0000 0000")
    month.problems[0] = replace(month.problems[0], text=EVIL)
    book = _book(month=month)
    ws = book["明细"]
    at = _item_row(ws, month.items[0].number)
    for cell in (ws.cell(at, 3), ws.cell(at, 9), book["问题"].cell(FIRST, 7)):
        assert cell.data_type == "s" and cell.quotePrefix
    assert ws.cell(at, 3).value == EVIL and book["问题"].cell(FIRST, 7).value == EVIL
    assert ws.cell(at, 9).value == "+86 138 0000 0000"


def test_missing_and_problems_sheets() -> None:
    book = _book()
    assert _data_rows(book["未报送"]) == [
        ["高勇坤", "区商务局", "国际贸易和国际投资组", "18", "任务18<&>"]
    ]
    problems = _data_rows(book["问题"])
    assert [p[0] for p in problems] == [12, 15]
    assert problems[1][5] == "受阻需协调" and problems[1][3] == "区东街口商圈管委会"


def test_groups_sheet_ranks_groups_and_adds_the_whole_headquarters() -> None:
    month = digest()
    month.groups[0].rank, month.groups[1].rank = 2, 1
    ws = _book(month=month)["分组"]
    rows = _data_rows(ws)
    assert [(r[0], r[1]) for r in rows[:3]] == [
        (1, "第一家园建设工作组"), (2, "海丝引领专项组"), (3, "国际贸易和国际投资组")]  # fmt: skip
    assert rows[0][2] == "郑榕、林叶成"
    assert rows[0][3:10] == [3, 3, 1, 0, 1, 2, 0]  # due, reported, rate, 🟢 🟡 🔴 ⚪
    assert rows[0][10:] == [None, None, None, None]  # this group has no summed metric
    overall = rows[3]
    assert overall[0] is None and overall[3:5] == [6, 5]
    assert overall[5] == pytest.approx(0.8333) and overall[6:10] == [1, 2, 2, 1]
    assert overall[10:12] == [6800, 10983]
    assert overall[12] == pytest.approx(0.6191) and overall[13] == pytest.approx(0.9167)
    assert ws.cell(FIRST, 6).number_format == "0.0%"


def test_interim_month_says_so_in_titles_and_file_name() -> None:
    month = digest()
    month.closed = False
    book = _book(month=month)
    assert all("阶段性" in str(ws["A1"].value) for ws in book.worksheets)
    assert digest_book_filename(Renderer("zh"), month) == "工作进展汇总-2021年11月-阶段性.xlsx"
    assert digest_book_filename(Renderer("en"), digest()) == "progress-digest-2021-11.xlsx"


def test_many_items_are_all_written() -> None:
    month = digest()
    month.items = [replace(item, number=n) for n in range(1, 601)
                   for item in month.items[n % 6: n % 6 + 1]]  # fmt: skip
    ws = _book(month=month)["明细"]
    assert ws.max_row == 2 + 600
    assert [ws.cell(at, 1).value for at in (FIRST, ws.max_row)] == [1, 600]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quarter_sheet_puts_three_months_side_by_side(lang: str) -> None:
    renderer = Renderer(lang)
    q = quarter()
    book = load_workbook(io.BytesIO(quarter_workbook(q, quarter_book_labels(renderer, q))))
    assert book.sheetnames == [{"zh": "季度评估", "en": "Quarter review"}[lang]]
    ws = book.worksheets[0]
    months = _row(ws, 2)
    if lang == "zh":
        assert months[0] == "工作小组" and months[-1] == "趋势"
        assert [months[1], months[5], months[9]] == [
            "2021年10月（未开展）",
            "2021年11月",
            "2021年12月",
        ]
        assert _row(ws, 3)[1:5] == ["报送率", "🟢 占比", "得分", "排名"]
    else:
        assert [months[1], months[5], months[9]] == ["October 2021 (no cycle)", "November 2021",
                                                     "December 2021"]  # fmt: skip
    assert "B2:E2" in {str(r) for r in ws.merged_cells.ranges}
    rows = _data_rows(ws, first=4)
    assert len(rows) == len(q.groups) + 1
    first = rows[0]
    assert first[0] == "海丝引领专项组" and first[1:5] == [None] * 4  # no cycle in October
    assert first[5] == 1 and first[6] == pytest.approx(0.5) and first[8] == 1  # November
    assert first[9:13] == first[5:9]  # December is the same in the factory
    assert first[13] == {"zh": "→ 持平", "en": "→ flat"}[lang]
    assert rows[-1][0] == {"zh": "全指挥部", "en": "Whole HQ"}[lang]
    assert rows[-1][5] == pytest.approx(0.8333)
    assert ws.cell(4, 7).number_format == "0.0%"


def test_month_workbook_can_carry_the_quarter_sheet() -> None:
    book = _book(with_quarter=True)
    assert book.sheetnames == ["明细", "未报送", "问题", "分组", "季度评估"]
    assert quarter_book_filename(Renderer("zh"), quarter()) == "季度评估-2021年第四季度.xlsx"
