"""Terminal output for the CLI: previews and task tables drawn with rich, texts from templates."""

from __future__ import annotations

import io
import re
from datetime import datetime, tzinfo
from html import unescape

from openpyxl import Workbook
from rich.console import Console
from rich.table import Table

from bot.templating import Renderer
from services.importer import ImportPreview
from services.tasks import TaskView

TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    """Telegram HTML to terminal text."""
    return unescape(TAG.sub("", html))


def print_preview(
    console: Console, renderer: Renderer, preview: ImportPreview, *, dry_run: bool
) -> None:
    """The import preview: a summary table, every change, every problem."""
    if preview.problems:
        console.print(f"{len(preview.problems)} problem(s); nothing was imported:", highlight=False)
        for i, problem in enumerate(preview.problems, start=1):
            text = plain(renderer.render("import_problem", p=problem))
            console.print(f"{i:>4}. {text}", highlight=False, markup=False, soft_wrap=True)
        return
    summary = Table(title=f"{preview.hq_name} · {preview.plan_year or ''}", show_header=False)
    summary.add_row("tasks / stages / groups in file", f"{preview.task_count} / "
                    f"{preview.stage_count} / {preview.group_count}")  # fmt: skip
    summary.add_row("added", str(len(preview.added)))
    summary.add_row("changed", str(len(preview.changed)))
    summary.add_row("withdrawn", str(len(preview.withdrawn)))
    summary.add_row("restored", str(len(preview.reactivated)))
    summary.add_row("unchanged", str(preview.unchanged))
    summary.add_row("new units / persons", f"{len(preview.new_units)} / {len(preview.new_persons)}")
    console.print(summary)
    changes = Table("change", "No.", "task", "fields")
    for number, name in preview.added:
        changes.add_row("added", str(number), name, "")
    for change in preview.changed:
        changes.add_row("changed", str(change.number), change.name, ", ".join(change.fields))
    for number, name in preview.withdrawn:
        changes.add_row("withdrawn", str(number), name, "")
    for number, name in preview.reactivated:
        changes.add_row("restored", str(number), name, "")
    if changes.row_count:
        console.print(changes)
    if preview.is_noop:
        console.print("nothing changes", highlight=False)
    elif dry_run:
        console.print("dry run: nothing was written", highlight=False)
    elif preview.applied:
        console.print("[green]applied[/green]")


def print_tasks(
    console: Console, renderer: Renderer, hq_name: str, plan_year: int, tasks: list[TaskView]
) -> None:
    """The task list as a table: one row per stage."""
    table = Table(title=f"{hq_name} · {plan_year}")
    for header in ("No.", "group", "task", "months", "units / persons"):
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


def print_invites(console: Console, rows: list[tuple[str, str, str, datetime]], tz: tzinfo) -> None:
    """Invitation links as a table (name, unit, link, expiry)."""
    table = Table(title=f"{len(rows)} invitation(s)")
    for header in ("name", "unit", "link", "expires"):
        table.add_column(header, overflow="fold")
    for name, unit, link, expires in rows:
        table.add_row(name, unit, link, expires.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def write_invites_xlsx(rows: list[tuple[str, str, str, datetime]], tz: tzinfo) -> bytes:
    """The same table as a workbook, for printing or mail merge."""
    book = Workbook()
    sheet = book.active
    sheet.title = "invitations"
    sheet.append(["name", "unit", "link", "expires"])
    for name, unit, link, expires in rows:
        sheet.append([name, unit, link, expires.astimezone(tz).strftime("%Y-%m-%d %H:%M")])
    for column, width in zip("ABCD", (12, 24, 70, 18), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
