"""Cells written through services.xlsx are never formulas and read back as written."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from services.xlsx import looks_like_formula, put_value

TEXTS = [
    '=HYPERLINK("http://evil.example","点击领取")',
    "=1+1",
    "+86 138 0000 0000",
    "-3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    "鼓东街道",
    "1-3月",
]


def _round_trip(values: list[object]) -> list[object]:
    book = Workbook()
    sheet = book.active
    for row, value in enumerate(values, start=1):
        put_value(sheet.cell(row=row, column=1), value)
    buffer = io.BytesIO()
    book.save(buffer)
    return [c for (c,) in load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows()]


def test_text_reads_back_unchanged_and_never_as_formula_or_error() -> None:
    cells = _round_trip(list(TEXTS))
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in TEXTS]  # XML has no CR
    assert all(c.data_type == "s" for c in cells)
    assert [c.quotePrefix for c in cells] == [looks_like_formula(t) for t in TEXTS]
    assert [c.quotePrefix for c in cells[:7]] == [True] * 7
    assert not cells[8].quotePrefix and not cells[9].quotePrefix


def test_other_values_keep_their_type() -> None:
    moment = datetime(2021, 7, 4, 9, 30)
    cells = _round_trip([42, 3.5, moment, None])
    assert [c.value for c in cells[:3]] == [42, 3.5, moment]
    assert cells[2].is_date


@pytest.mark.parametrize("text", ["abc\x00def", "a\x1fb"])
def test_control_characters_are_dropped_not_fatal(text: str) -> None:
    (cell,) = _round_trip([text])
    assert "\x00" not in cell.value and "\x1f" not in cell.value and cell.value.startswith("a")
