"""Terminal output for the CLI (tables drawn with rich, texts from templates) and its workbooks."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import unescape

from openpyxl import Workbook
from openpyxl.styles import Font
from rich.console import Console
from rich.table import Table

from bot.templating import Renderer
from services.tasks import TaskView
from services.xlsx import put_value

TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    """Telegram HTML to terminal text."""
    return unescape(TAG.sub("", html))


def labels(renderer: Renderer, template: str) -> list[str]:
    """A `a|b|c` plain-text template (table headers) as its labels."""
    return [label.strip() for label in renderer.render_text(template).split("|")]


def print_config(console: Console, renderer: Renderer, rows: list[tuple[str, str]]) -> None:
    """The configuration as a key/value table, then the verdict."""
    table = Table(*labels(renderer, "cli_config_headers"),
                  title=renderer.render_text("cli_config_title"))  # fmt: skip
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)
    console.print(renderer.render_text("cli_config_ok"), style="green", highlight=False)


def print_tasks(
    console: Console, renderer: Renderer, hq_name: str, plan_year: int, tasks: list[TaskView]
) -> None:
    """The task list as a table: one row per stage."""
    title = renderer.render_text("cli_tasks_title", hq_name=hq_name, plan_year=plan_year)
    table = Table(title=title)
    for header in labels(renderer, "cli_tasks_headers"):
        table.add_column(header, overflow="fold")
    for task in tasks:
        for index, stage in enumerate(task.stages):
            table.add_row(
                str(task.number) if index == 0 else "",
                task.group if index == 0 else "",
                task.name if index == 0 else "",
                f"{stage.start}..{stage.end}",
                "\n".join(f"{unit} {person}" for unit, person in stage.assignments),
            )
    console.print(table)


@dataclass(frozen=True)
class InviteRow:
    """One invitation as the CLI shows and writes it."""

    name: str
    unit: str
    link: str
    expires_at: datetime
    task_numbers: tuple[int, ...] = ()
    invitation_id: int | None = None


def _local(moment: datetime, tz: tzinfo) -> datetime:
    """A naive local time (spreadsheets hold no time zones)."""
    return moment.astimezone(tz).replace(tzinfo=None)


def print_invites(console: Console, renderer: Renderer, rows: list[InviteRow], tz: tzinfo) -> None:
    """Who is invited (a table), then each link whole on a line of its own, to copy."""
    table = Table(title=renderer.render_text("cli_invites_title", count=len(rows)))
    name, unit, tasks, expires = labels(renderer, "cli_invites_headers")
    table.add_column(name, no_wrap=True)
    table.add_column(unit, overflow="fold")
    table.add_column(tasks, overflow="fold")
    table.add_column(expires, no_wrap=True)
    for row in rows:
        numbers = renderer.render_text("cli_task_numbers", numbers=row.task_numbers, spaced=True)
        when = _local(row.expires_at, tz).strftime("%Y-%m-%d %H:%M")
        table.add_row(row.name, row.unit, numbers, when)
    console.print(table)
    console.print(renderer.render_text("cli_invites_links"), highlight=False, markup=False)
    for index, row in enumerate(rows, start=1):
        person = renderer.render_text("cli_invite_person", index=index, name=row.name,
                                      unit=row.unit)  # fmt: skip
        console.print(person, highlight=False, markup=False, soft_wrap=True)
        # A link must never be wrapped, folded or cut: it is copied from the terminal.
        console.print(row.link, highlight=False, markup=False, soft_wrap=True)


def write_invites_xlsx(renderer: Renderer, rows: list[InviteRow], tz: tzinfo) -> bytes:
    """The invitations as a workbook for printing or mail merge: bold frozen header row,
    clickable links, expiry as a real date-time; no cell can turn into a formula."""
    sheet_title, *headers = labels(renderer, "cli_invites_sheet")
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column)
        put_value(cell, header)
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        numbers = renderer.render_text("cli_task_numbers", numbers=row.task_numbers, spaced=False)
        values = (row.name, row.unit, numbers, row.link, _local(row.expires_at, tz))
        for column, value in enumerate(values, start=1):
            put_value(sheet.cell(row=number, column=column), value)
        link = sheet.cell(row=number, column=4)
        link.hyperlink = row.link
        link.style = "Hyperlink"
        sheet.cell(row=number, column=5).number_format = "yyyy-mm-dd hh:mm"
    for letter, width in zip("ABCDE", (12, 24, 14, 70, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
