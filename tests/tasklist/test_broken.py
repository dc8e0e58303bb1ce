"""Broken uploads: each gets the right problem code, row and column, and nothing is imported."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import pytest

from services.tasklist import Limits, Problem, TaskList, parse_task_file
from tests.tasklist.helpers import csv_text, row, task_sheet, xlsx

FIRST = 4  # task_sheet(): 附件2, title, header, then data from row 4


def only(parsed: TaskList, code: str) -> Problem:
    """The single problem with `code` (and nothing imported)."""
    found = [p for p in parsed.problems if p.code == code]
    assert len(found) == 1, parsed.problems
    return found[0]


def parse(data: bytes, filename: str = "t.xlsx", **limits: int) -> TaskList:
    return parse_task_file(data, filename, plan_year=2021, limits=Limits(**limits))


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def declare_huge(data: bytes) -> bytes:
    """Patch every central-directory entry to claim a 4 GB uncompressed size."""
    patched = bytearray(data)
    offset = patched.find(b"PK\x01\x02")
    while offset != -1:
        struct.pack_into("<I", patched, offset + 24, 0xFFFFFFF0)
        offset = patched.find(b"PK\x01\x02", offset + 4)
    return bytes(patched)


WORKBOOK_PARTS = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.mark.parametrize(
    ("data", "filename", "code", "params"),
    [
        (random.Random(1).randbytes(4096), "tasks.xlsx", "not_a_spreadsheet", {"kind": "binary"}),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "tasks.pdf",
            "not_a_spreadsheet",
            {"kind": "pdf"},
        ),
        (
            zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
            "tasks.docx",
            "not_a_spreadsheet",
            {"kind": "document"},
        ),
        (
            zipped({"photo.jpg": b"\xff\xd8\xff"}),
            "tasks.zip",
            "not_a_spreadsheet",
            {"kind": "archive"},
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "tasks.xls",
            "save_as_xlsx",
            {"format": "xls"},
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            "tasks.xlsx",
            "encrypted",
            {},
        ),
        (zipped(WORKBOOK_PARTS), "tasks.xlsx", "corrupt", {}),
        (b"PK\x03\x04 truncated", "tasks.xlsx", "corrupt", {}),
        (b"", "tasks.csv", "empty", {"reason": "no_rows"}),
        ("\ufeff\n\n".encode(), "tasks.csv", "empty", {"reason": "no_rows"}),
        (xlsx({"Sheet": []}), "tasks.xlsx", "empty", {"reason": "no_rows"}),
        ("序号,项目名称\n1,".encode() + b"\xff\xfe\x80\x81 broken", "tasks.csv", "encoding", {}),
        (declare_huge(zipped(WORKBOOK_PARTS)), "tasks.xlsx", "zip_bomb", {"reason": "size"}),
        (
            zipped({**WORKBOOK_PARTS, "xl/sharedStrings.xml": b"0" * (2 * 1024 * 1024)}),
            "tasks.xlsx",
            "zip_bomb",
            {"reason": "ratio"},
        ),
    ],
    ids=[
        "random-bytes",
        "pdf",
        "docx",
        "plain-zip",
        "legacy-xls",
        "encrypted",
        "broken-xlsx",
        "truncated-zip",
        "empty-csv",
        "bom-only-csv",
        "empty-workbook",
        "undecodable-csv",
        "zip-declares-4gb",
        "zip-ratio",
    ],
)
def test_unusable_files(data: bytes, filename: str, code: str, params: dict) -> None:
    parsed = parse(data, filename)
    assert parsed.tasks == []
    assert [p.code for p in parsed.problems] == [code]
    assert {k: v for k, v in parsed.problems[0].params.items() if k in params} == params


def test_too_large(sample_bytes: bytes) -> None:
    problem = only(parse(sample_bytes, max_file_bytes=1000), "too_large")
    assert problem.params == {"size": len(sample_bytes), "limit": 1000}


def test_too_many_zip_entries(sample_bytes: bytes) -> None:
    assert only(parse(sample_bytes, max_zip_entries=3), "zip_bomb").params["reason"] == "entries"


def test_too_many_rows_stops_reading() -> None:
    data = task_sheet([row(n, f"任务{n}") for n in range(1, 50)])
    parsed = parse(data, max_rows=10)
    problem = only(parsed, "too_many_rows")
    assert (problem.row, problem.params["limit"]) == (11, 10)
    assert len(parsed.tasks) <= 10


def test_header_without_data() -> None:
    problem = only(parse(task_sheet([])), "empty")
    assert (problem.sheet, problem.row, problem.params["reason"]) == ("任务清单", 3, "no_data")


def test_no_header_at_all() -> None:
    problem = only(parse(xlsx({"S": [["一些文字"], ["1", "2", "3"]]})), "no_header")
    assert problem.params["missing"] == ("项目名称", "具体内容", "完成时限", "责任单位", "责任人")


def test_header_missing_a_column_names_it() -> None:
    data = xlsx(
        {"S": [["标题"], ["序号", "项目名称", "具体内容", "完成时限", "责任单位"], row(1, "x")[:5]]}
    )
    problem = only(parse(data), "no_header")
    assert (problem.sheet, problem.row, problem.params["missing"]) == ("S", 2, ("责任人",))


@pytest.mark.parametrize(
    ("rows", "code", "at_row", "column", "value"),
    [
        ([row(1, "任务一", "下周")], "bad_period", FIRST, "完成时限", "下周"),
        ([row(1, "任务一", "13月")], "month_out_of_range", FIRST, "完成时限", "13月"),
        ([row(1, "任务一", "7-3月")], "period_reversed", FIRST, "完成时限", "7-3月"),
        ([row(1, "任务一", "2012年5月")], "year_out_of_range", FIRST, "完成时限", "2012年5月"),
        (
            [
                row(1, "任务一", "4-7月"),
                [None, None, None, "第二阶段", "1-2月", "区外事办", "林武星"],
            ],
            "period_before_previous_stage",
            FIRST + 1,
            "完成时限",
            "1-2月",
        ),
        (
            [[None, None, None, "孤立阶段", "1-3月", "区外事办", "林武星"], row(1, "任务一")],
            "stage_before_task",
            FIRST,
            "项目名称",
            None,
        ),
        ([row(1, "任务一"), row(1, "另一个任务")], "duplicate_number", FIRST + 1, "序号", "1"),
        (
            [row(1, "任务一", unit="区商务局\n区外事办\n团区委", person="高勇坤\n林武星")],
            "count_mismatch",
            FIRST,
            "责任人",
            "高勇坤 林武星",
        ),
        ([row(1, "任务一", person=None)], "missing_value", FIRST, "责任人", None),
        ([row(1, None)], "missing_value", FIRST, "项目名称", None),
        ([row(1, "任务一", None)], "missing_value", FIRST, "完成时限", None),
        ([row(1, "任务一", content="  ")], "missing_value", FIRST, "具体内容", None),
        ([row("一", "任务一")], "bad_number", FIRST, "序号", "一"),
        ([row("1.5", "任务一")], "bad_number", FIRST, "序号", "1.5"),
        ([row(0, "任务一")], "bad_number", FIRST, "序号", "0"),
        ([row(1, "任务一", content="长" * 4001)], "too_long", FIRST, "具体内容", "长" * 59 + "…"),
        ([row(1, "任务一", person="名" * 51)], "too_long", FIRST, "责任人", "名" * 51),
        ([row(1, "项" * 201)], "too_long", FIRST, "项目名称", "项" * 59 + "…"),
    ],
)
def test_row_problems(
    rows: list[list[object]], code: str, at_row: int, column: str, value: str | None
) -> None:
    parsed = parse(task_sheet(rows))
    problem = only(parsed, code)
    assert (problem.sheet, problem.row, problem.column, problem.value) == (
        "任务清单",
        at_row,
        column,
        value,
    )


def test_duplicate_number_points_at_the_first_row() -> None:
    problem = only(parse(task_sheet([row(7, "任务一"), row(7, "另一个任务")])), "duplicate_number")
    assert problem.params == {"number": 7, "first_row": FIRST, "first_name": "任务一"}


def test_count_mismatch_gives_both_counts() -> None:
    data = task_sheet(
        [row(1, "任务一", unit="区商务局\n区外事办\n团区委", person="高勇坤、林武星")]
    )
    assert only(parse(data), "count_mismatch").params == {"units": 3, "persons": 2}


def test_every_problem_is_collected_in_row_order() -> None:
    data = task_sheet(
        [
            row(1, "任务一", "13月"),
            [None, None, None, "第二阶段", "下周", "区外事办", None],
            row("x", "任务二"),
            row(3, "任务三", unit="甲\n乙", person="丙\n丁\n戊"),
            row(4, "任务四"),
        ]
    )
    parsed = parse(data)
    assert [(p.row, p.code) for p in parsed.problems] == [
        (FIRST, "month_out_of_range"),
        (FIRST + 1, "bad_period"),
        (FIRST + 2, "bad_number"),
        (FIRST + 3, "count_mismatch"),
    ]


def test_csv_rows_are_numbered_like_a_spreadsheet() -> None:
    data = csv_text([row(1, "任务一"), row(2, "任务二", "十三月")]).encode("gb18030")
    problem = only(parse(data, "t.csv"), "month_out_of_range")
    assert (problem.sheet, problem.row, problem.column) == (None, 3, "完成时限")
