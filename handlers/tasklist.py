"""Task list in the bot: admins upload the Excel/CSV file, confirm the preview, browse tasks."""

from __future__ import annotations

import asyncio
import logging
import re

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import HQApplication
from handlers.args import parse_number
from handlers.callbacks import ImportChoice, TasksPage
from handlers.guards import guarded, pressed
from handlers.paging import paginate
from handlers.request import Press, Request
from models.tables import Headquarters
from services import importer, pending
from services.hq import latest_plan_year
from services.plans import Plan, PlanStatus, current_plan
from services.tasklist import Limits

log = logging.getLogger(__name__)

PAGE_SIZE = 10
UPLOAD_LIMIT = Limits().max_file_bytes
YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


@guarded("upload")
async def on_document(req: Request) -> None:
    """An admin sent a file: parse it, show the preview, offer 确认导入 / 取消."""
    message = req.message
    if message is None or message.document is None:
        return
    document = message.document
    if document.file_size and document.file_size > UPLOAD_LIMIT:
        await req.reply("import_too_large", size=document.file_size, limit=UPLOAD_LIMIT)
        return
    if req.hq_choice.ambiguous:
        await req.reply("import_pick_hq", names=req.hq_choice.candidates)
        return
    filename = document.file_name or "upload"
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    hq = req.hq
    hq_name = hq.name if hq else req.deps.renderer.render_text("default_hq_name")
    plan_year = await _plan_year(req.session, hq, [message.caption, filename], req.now.year)
    parsed = await asyncio.to_thread(importer.parse_upload, data, filename, plan_year)
    preview = await importer.preview_upload(req.session, hq_name, parsed)
    if not preview.ok or preview.is_noop:
        await req.reply("import_preview", preview=preview, filename=filename, pending=False)
        return
    stored = await pending.create_pending(
        req.session, uploaded_by=req.user.id, hq_name=hq_name, plan_year=plan_year,
        filename=filename, data=data, now=req.now,
    )  # fmt: skip
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(req.render("button_confirm_import"),
                             callback_data=ImportChoice(True, stored.token).pack()),
        InlineKeyboardButton(req.render("button_cancel"),
                             callback_data=ImportChoice(False, stored.token).pack()),
    ]])  # fmt: skip
    await req.reply("import_preview", preview=preview, filename=filename, pending=True,
                    reply_markup=buttons)  # fmt: skip


async def _plan_year(
    session: AsyncSession, hq: Headquarters | None, hints: list[str | None], this_year: int
) -> int:
    """A year named in the caption or file name, else the HQ's latest plan year, else this year."""
    for hint in hints:
        if hint and (match := YEAR_RE.search(hint)):
            return int(match.group(1))
    if hq is not None and hq.id is not None and (year := await latest_plan_year(session, hq.id)):
        return year
    return this_year


@pressed("upload", ImportChoice)
async def on_import_button(press: Press[ImportChoice]) -> None:
    """确认导入 applies the stored file; 取消 drops it. Only the uploader may decide."""
    session, now = press.session, press.now
    stored = await pending.get_pending(session, press.data.token)
    if stored is None or stored.uploaded_by != press.user.id:
        await press.answer("import_unknown", alert=True)
        return
    if stored.status != "pending":
        await press.answer("import_already", status=stored.status, alert=True)
        return
    if pending.is_expired(stored, now):
        await pending.decide(session, stored, "expired", now)
        await press.answer("import_expired", alert=True)
        await press.edit("import_expired")
        return
    if not press.data.ok:
        await pending.decide(session, stored, "cancelled", now)
        await press.answer()
        await press.edit("import_cancelled", filename=stored.filename)
        return
    data, filename, hq_name, year = stored.data, stored.filename, stored.hq_name, stored.plan_year
    parsed = await asyncio.to_thread(importer.parse_upload, data, filename, year)
    result = await importer.apply_upload(session, hq_name, parsed, now=now)
    stored = await pending.get_pending(session, press.data.token)
    assert stored is not None
    await pending.decide(session, stored, "applied", now)
    await press.answer()
    await press.edit("import_applied", preview=result, filename=filename)


@guarded("tasks")
async def tasks_command(req: Request) -> None:
    """/tasks [小组]: the task list, ten to a page."""
    group = " ".join(req.args) or None
    plan = await current_plan(req.session, choice=req.hq_choice, group=group)
    await _tasks_page(req, None, plan, page=0)


@pressed("tasks", TasksPage)
async def on_tasks_button(press: Press[TasksPage]) -> None:
    """◀ / ▶ on a /tasks page."""
    plan = await current_plan(press.session, choice=press.hq_choice, group_id=press.data.group_id)
    await press.answer()
    await _tasks_page(press, press, plan, page=press.data.page)


async def _tasks_page(
    req: Request, press: Press[TasksPage] | None, plan: Plan, *, page: int
) -> None:
    paged = paginate(plan.tasks, page, PAGE_SIZE, lambda n: TasksPage(n, plan.group_id))
    view = dict(
        tasks=paged.items, page=paged.number, pages=paged.pages, total=paged.total,
        group=plan.group, hq_name=plan.hq.name if plan.hq else None, plan_year=plan.plan_year,
        ambiguous=plan.status is PlanStatus.ambiguous,
    )  # fmt: skip
    if press is not None:
        await press.edit("tasks_page", reply_markup=paged.markup, **view)
    else:
        await req.reply("tasks_page", reply_markup=paged.markup, **view)


@guarded("task")
async def task_command(req: Request) -> None:
    """/task 序号: one task with its stages, periods and responsible persons."""
    arg = req.args[0] if req.args else ""
    number = parse_number(arg)
    if number is None:
        await req.reply("task_usage", value=arg)
        return
    plan = await current_plan(req.session, choice=req.hq_choice, number=number)
    if not plan.tasks:
        await req.reply("task_not_found", number=number)
        return
    await req.reply("task_detail", task=plan.tasks[0])


def register(application: HQApplication) -> None:
    """Add the task-list handlers (the permission matrix decides who and where)."""
    # Files in groups are evidence or chatter, not uploads: only private files are read.
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
    application.add_handler(CallbackQueryHandler(on_import_button, pattern=ImportChoice.matches()))
    application.add_handler(CallbackQueryHandler(on_tasks_button, pattern=TasksPage.matches()))
    application.add_handler(CommandHandler("tasks", tasks_command))
    application.add_handler(CommandHandler("task", task_command))
