"""Filling a downloaded 填报表 the way a person does in Excel (by its visible headers)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.templating import Renderer
from handlers.reportbook import book_labels
from models.database import SessionFactory
from services.reporting.cycles import open_cycle_of
from services.reporting.workbook import plan_book, write_book
from tests.reporting.helpers import person, the_hq

HEADER_ROW = 5


@dataclass
class Sheet:
    """A loaded 填报表: the workbook, its form sheet and the column of each visible header."""

    book: Workbook
    ws: Worksheet
    columns: dict[str, int]

    @property
    def rows(self) -> list[int]:
        """The sheet rows holding tasks."""
        found = []
        row = HEADER_ROW + 1
        while self.ws.cell(row, 1).value is not None:
            found.append(row)
            row += 1
        return found

    def column(self, header: str) -> int:
        """The column whose header starts with `header`."""
        return next(c for h, c in self.columns.items() if h.startswith(header))

    def get(self, row: int, header: str) -> object:
        """A cell's value under a header."""
        return self.ws.cell(row, self.column(header)).value

    def put(self, row: int, header: str, value: object) -> None:
        """Type a value under a header."""
        self.ws.cell(row, self.column(header)).value = value

    def number(self, row: int) -> int:
        """The row's 序号."""
        value = self.ws.cell(row, 1).value
        assert isinstance(value, int)
        return value

    def save(self) -> bytes:
        """The workbook as the person sends it back."""
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def open_sheet(data: bytes) -> Sheet:
    """A downloaded 填报表, loaded for filling in."""
    book = load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    columns = {
        str(ws.cell(HEADER_ROW, c).value): c
        for c in range(1, ws.max_column + 1)
        if ws.cell(HEADER_ROW, c).value
    }
    return Sheet(book, ws, columns)


async def download(
    sessions: SessionFactory, name: str, *, language: str = "zh", principals: tuple[str, ...] = ()
) -> bytes:
    """The 填报表 `name` would download now (their own tasks and their principals')."""
    async with sessions() as session:
        hq = await the_hq(session)
        assert hq.id is not None
        cycle = await open_cycle_of(session, hq.id)
        assert cycle is not None
        filler = await person(session, name)
        others = [(await person(session, p)).id or 0 for p in principals]
        book = await plan_book(session, cycle=cycle, filler=filler, principal_ids=others)
        return write_book(book, book_labels(Renderer(language), book))


def fill_all(sheet: Sheet, fill: Callable[[Sheet, int, int], None] | None = None) -> None:
    """Every row reported 按计划推进 with its own texts (then `fill` changes what it wants)."""
    for row in sheet.rows:
        n = sheet.number(row)
        sheet.put(row, "状态", "按计划推进")
        sheet.put(row, "本月工作进展", f"任务{n}本月进展")
        sheet.put(row, "下阶段工作目标", f"任务{n}下阶段目标")
        if fill is not None:
            fill(sheet, row, n)
