"""Task list in the bot: admins upload the Excel/CSV file, confirm the preview, browse tasks."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import HQApplication
from handlers.args import parse_number
from handlers.callbacks import ImportChoice, TasksPage
from handlers.guards import guarded, pressed
from handlers.hqbuttons import hq_keyboard
from handlers.paging import paginate
from handlers.request import Press, Request
from services import importer
from services.hq import HQSource, hq_named_in
from services.importer import DecisionKind, StageKind
from services.plans import Plan, PlanStatus, current_plan
from services.reporting.history import MONTHS_SHOWN, task_months
from services.tasklist import Limits, Problem

log = logging.getLogger(__name__)

PAGE_SIZE = 10
UPLOAD_LIMIT = Limits().max_file_bytes


async def stage_document(req: Request, data: bytes | None = None) -> None:
    """An admin sent a file: parse it, show the preview, offer 确认导入 / 取消.

    Called by handlers/reportbook.on_document, which routes every private file and has checked
    the "upload" permission; `data` is the file when it was already downloaded to look inside.
    """
    message = req.message
    if message is None or message.document is None:
        return
    document = message.document
    if document.file_size and document.file_size > UPLOAD_LIMIT:
        await req.reply("import_too_large", size=document.file_size, limit=UPLOAD_LIMIT)
        return
    if data is None:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    choice = req.hq_choice
    named = None
    if choice.hq is not None and choice.source is not HQSource.only:
        named = choice.hq  # chosen with /hq, or the only one this admin belongs to
    elif choice.ambiguous:
        named = hq_named_in(message.caption, choice.options)
    staged = await importer.stage_upload(
        req.session, hq_name=named.name if named else None, uploaded_by=req.user.id,
        filename=document.file_name or "upload", data=data, caption=message.caption,
        default_hq_name=req.deps.renderer.render_text("default_hq_name"), now=req.now,
    )  # fmt: skip
    if staged.kind is StageKind.ambiguous_hq:
        names = [h.name for h in choice.options] or staged.candidates
        await req.reply("import_pick_hq", names=names,
                        reply_markup=hq_keyboard(req, choice.options, current=None))  # fmt: skip
        return
    buttons = None
    if staged.kind is StageKind.preview and staged.token is not None:
        buttons = InlineKeyboardMarkup([[
            InlineKeyboardButton(req.render("button_confirm_import"),
                                 callback_data=ImportChoice(True, staged.token).pack()),
            InlineKeyboardButton(req.render("button_cancel"),
                                 callback_data=ImportChoice(False, staged.token).pack()),
        ]])  # fmt: skip
    preview = staged.preview
    attach = preview is not None and bool(preview.more_problems)
    await req.reply("import_preview", preview=preview, filename=staged.filename,
                    pending=buttons is not None, reply_markup=buttons, problems_attached=attach,
                    year_source=staged.plan_year.source if staged.plan_year else None)  # fmt: skip
    if attach and preview is not None:
        await _send_problems(req, preview.problems, staged.filename)


async def _send_problems(req: Request, problems: list[Problem], filename: str) -> None:
    """The full list of a file's problems as a workbook (the message shows only the first)."""
    renderer = req.renderer
    texts = [html.unescape(renderer.render("import_problem", p=p)) for p in problems]
    sheet, *header = renderer.render_text("import_problems_sheet").splitlines()
    data = importer.problems_workbook(problems, texts, header=header, sheet_name=sheet)
    stem = filename.rsplit(".", 1)[0][:60] or "upload"
    await req.deps.outbound.send_document(
        req.chat.id, data, f"{stem}-problems.xlsx", renderer=renderer
    )


@pressed("upload", ImportChoice)
async def on_import_button(press: Press[ImportChoice]) -> None:
    """确认导入 applies the stored file; 取消 drops it. Only the uploader may decide."""
    decision = await importer.decide_upload(press.session, token=press.data.token,
                                            user_id=press.user.id, confirm=press.data.ok,
                                            now=press.now)  # fmt: skip
    kind = decision.kind
    if kind is DecisionKind.unknown:
        await press.answer("import_unknown", alert=True)
    elif kind is DecisionKind.already:
        await press.answer("import_already", status=decision.status, alert=True)
    elif kind is DecisionKind.expired:
        await press.answer("import_expired", alert=True)
        await press.edit("import_expired")
    elif kind is DecisionKind.stale:
        await press.answer()
        await press.edit("import_stale", filename=decision.filename)
    elif kind is DecisionKind.cancelled:
        await press.answer()
        await press.edit("import_cancelled", filename=decision.filename)
    else:
        await press.answer()
        await press.edit("import_applied", preview=decision.preview, filename=decision.filename)


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
    """/task 序号: one task with its stages and responsible persons, then its monthly reports."""
    arg = req.args[0] if req.args else ""
    number = parse_number(arg)
    if number is None:
        await req.reply("task_usage", value=arg)
        return
    plan = await current_plan(req.session, choice=req.hq_choice, number=number)
    if not plan.tasks:
        await req.reply("task_not_found", number=number)
        return
    task = plan.tasks[0]
    history = await task_months(req.session, task.id, metric_unit=task.metric_unit,
                                target=task.metric_annual_target)  # fmt: skip
    await req.reply("task_detail", task=task, history=history, months=MONTHS_SHOWN)


def register(application: HQApplication) -> None:
    """Add the task-list handlers (the permission matrix decides who and where).

    Files come through handlers/reportbook.on_document, which calls `stage_document`.
    """
    application.add_handler(CallbackQueryHandler(on_import_button, pattern=ImportChoice.matches()))
    application.add_handler(CallbackQueryHandler(on_tasks_button, pattern=TasksPage.matches()))
    application.add_handler(CommandHandler("tasks", tasks_command))
    application.add_handler(CommandHandler("task", task_command))
