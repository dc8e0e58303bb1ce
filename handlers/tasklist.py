"""Task list in the bot: admins upload the Excel/CSV file, confirm the preview, browse tasks."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.deps import Deps, get_deps
from handlers.guards import guarded
from handlers.paging import paginate
from services import importer, pending
from services.hq import latest_plan_year, resolve_hq
from services.roles import Identity
from services.tasklist import Limits
from services.tasks import load_tasks

log = logging.getLogger(__name__)

PAGE_SIZE = 10
UPLOAD_LIMIT = Limits().max_file_bytes
YEAR_RE = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _label(deps: Deps, name: str) -> str:
    """A button label from the templates."""
    return deps.renderer.render(f"button_{name}")


@guarded("upload")
async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """An admin sent a file: parse it, show the preview, offer 确认导入 / 取消."""
    deps = get_deps(context)
    message = update.effective_message
    if message is None or message.document is None or update.effective_user is None:
        return
    document = message.document
    chat_id = message.chat_id
    if document.file_size and document.file_size > UPLOAD_LIMIT:
        await deps.outbound.send(
            chat_id, "import_too_large", size=document.file_size, limit=UPLOAD_LIMIT
        )
        return
    filename = document.file_name or "upload"
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    async with deps.sessions() as session:
        choice = await resolve_hq(session, None)
        if choice.ambiguous:
            await deps.outbound.send(chat_id, "import_pick_hq", names=choice.candidates)
            return
        hq_name = choice.hq.name if choice.hq else ""
        plan_year = await _plan_year(
            session, choice.hq, [message.caption, filename], deps.clock.now().year
        )
    parsed = await asyncio.to_thread(importer.parse_upload, data, filename, plan_year)
    if not hq_name:
        hq_name = deps.renderer.render_text("default_hq_name")
    async with deps.sessions() as session:
        preview = await importer.preview_upload(session, hq_name, parsed)
        if not preview.ok or preview.is_noop:
            await deps.outbound.send(
                chat_id, "import_preview", preview=preview, filename=filename, pending=False
            )
            return
        stored = await pending.create_pending(
            session,
            uploaded_by=update.effective_user.id,
            hq_name=hq_name,
            plan_year=plan_year,
            filename=filename,
            data=data,
            now=deps.clock.now(),
        )
    token = stored.token
    ok = InlineKeyboardButton(_label(deps, "confirm_import"), callback_data=f"imp:ok:{token}")
    no = InlineKeyboardButton(_label(deps, "cancel"), callback_data=f"imp:no:{token}")
    buttons = InlineKeyboardMarkup([[ok, no]])
    await deps.outbound.send(
        chat_id,
        "import_preview",
        preview=preview,
        filename=filename,
        pending=True,
        reply_markup=buttons,
    )


async def _plan_year(session, hq, hints: list[str | None], this_year: int) -> int:  # type: ignore[no-untyped-def]
    """A year named in the caption or file name, else the HQ's latest plan year, else this year."""
    for hint in hints:
        if hint and (match := YEAR_RE.search(hint)):
            return int(match.group(1))
    if hq is not None and (year := await latest_plan_year(session, hq.id)):
        return year
    return this_year


@guarded("upload")
async def on_import_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """确认导入 applies the stored file; 取消 drops it. Only the uploader may decide."""
    deps = get_deps(context)
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return
    _, action, token = query.data.split(":", 2)
    now = deps.clock.now()
    async with deps.sessions() as session:
        stored = await pending.get_pending(session, token)
        if stored is None or stored.uploaded_by != query.from_user.id:
            await deps.outbound.answer(query, "import_unknown", alert=True)
            return
        if stored.status != "pending":
            await deps.outbound.answer(query, "import_already", status=stored.status, alert=True)
            return
        if pending.is_expired(stored, now):
            await pending.decide(session, stored, "expired", now)
            await deps.outbound.answer(query, "import_expired", alert=True)
            await deps.outbound.edit(query.message, "import_expired")
            return
        if action != "ok":
            await pending.decide(session, stored, "cancelled", now)
            await deps.outbound.answer(query)
            await deps.outbound.edit(query.message, "import_cancelled", filename=stored.filename)
            return
        data, filename, hq_name, year = (
            stored.data,
            stored.filename,
            stored.hq_name,
            stored.plan_year,
        )
        parsed = await asyncio.to_thread(importer.parse_upload, data, filename, year)
        result = await importer.apply_upload(session, hq_name, parsed, now=now)
    async with deps.sessions() as session:
        stored = await pending.get_pending(session, token)
        await pending.decide(session, stored, "applied", now)  # type: ignore[arg-type]
    await deps.outbound.answer(query)
    await deps.outbound.edit(query.message, "import_applied", preview=result, filename=filename)


@guarded("tasks")
async def tasks_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """/tasks [小组]: the task list, ten to a page."""
    group = " ".join(context.args or []) or None
    await _send_tasks_page(update, context, page=0, group=group, edit=False)


@guarded("tasks")
async def on_tasks_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """◀ / ▶ on a /tasks page."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    parts = query.data.split(":", 2)
    page = int(parts[1]) if parts[1].isdigit() else 0
    group = parts[2] if len(parts) > 2 and parts[2] else None
    await get_deps(context).outbound.answer(query)
    await _send_tasks_page(update, context, page=page, group=group, edit=True)


async def _send_tasks_page(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, page: int, group: str | None, edit: bool
) -> None:
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    async with deps.sessions() as session:
        choice = await resolve_hq(session, None)
        hq = choice.hq
        year = await latest_plan_year(session, hq.id) if hq else None
        tasks = await load_tasks(session, hq.id, year, group=group) if hq and year else []  # type: ignore[arg-type]
    paged = paginate(tasks, page, PAGE_SIZE, "tasks", group or "")
    markup = paged.markup
    context_vars = dict(
        tasks=paged.items, page=paged.number, pages=paged.pages, total=paged.total, group=group,
        hq_name=hq.name if hq else None, plan_year=year, ambiguous=choice.ambiguous,
    )  # fmt: skip
    if edit and update.callback_query and update.callback_query.message:
        await deps.outbound.edit(
            update.callback_query.message, "tasks_page", reply_markup=markup, **context_vars
        )
    else:
        await deps.outbound.send(chat.id, "tasks_page", reply_markup=markup, **context_vars)


@guarded("task")
async def task_command(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """/task 序号: one task with its stages, periods and responsible persons."""
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    arg = (context.args or [""])[0]
    number = int(arg) if arg.isdigit() else None
    if number is None:
        await deps.outbound.send(chat.id, "task_usage", value=arg)
        return
    async with deps.sessions() as session:
        choice = await resolve_hq(session, None)
        hq = choice.hq
        year = await latest_plan_year(session, hq.id) if hq else None
        found = (
            await load_tasks(session, hq.id, year, number=number, include_withdrawn=True)  # type: ignore[arg-type]
            if hq and year
            else []
        )
    if not found:
        await deps.outbound.send(chat.id, "task_not_found", number=number)
        return
    await deps.outbound.send(chat.id, "task_detail", task=found[0])


def register(application: Application) -> None:
    """Add the task-list handlers (the permission matrix decides who and where)."""
    # Files in groups are evidence or chatter, not uploads: only private files are read.
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
    application.add_handler(CallbackQueryHandler(on_import_button, pattern=r"^imp:(ok|no):"))
    application.add_handler(CallbackQueryHandler(on_tasks_button, pattern=r"^tasks:"))
    application.add_handler(CommandHandler("tasks", tasks_command))
    application.add_handler(CommandHandler("task", task_command))
