"""Shared helpers for the import use-case tests: database dumps and edited copies of the sample."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook
from sqlmodel import SQLModel, func, select

from models.database import SessionFactory
from tests.tasklist.helpers import SAMPLE

DEFAULT_HQ = "项目指挥部"
HQ = "构建对外开放新高地项目指挥部"
ADMIN = 1001


async def dump(sessions: SessionFactory) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, ordered: the database's whole logical content."""
    out: dict[str, list[tuple[str, ...]]] = {}
    async with sessions() as session:
        conn = await session.connection()
        for table in SQLModel.metadata.sorted_tables:
            rows = (await conn.execute(table.select())).all()
            out[table.name] = sorted(tuple(map(repr, r)) for r in rows)
    return out


async def count(sessions: SessionFactory, model: type[SQLModel]) -> int:
    """Rows in a table."""
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


def edited_sample(edit: Callable[[Any], None]) -> bytes:
    """The sample task list with its sheet edited by `edit(worksheet)`."""
    book = load_workbook(SAMPLE)
    edit(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def set_task_content(number: int, old: str, new: str) -> Callable[[Any], None]:
    """An edit replacing text in one task's 具体内容."""

    def edit(ws: Any) -> None:
        for r in ws.iter_rows(min_row=4):
            if r[0].value == number:
                r[3].value = r[3].value.replace(old, new)

    return edit
