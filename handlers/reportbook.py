"""The Excel 填报表 in the chat: download it from /myreports, send it back filled, confirm.

Every private file arrives here first (`on_document`): a 填报表 from a reporter goes to the
form's flow, anything else to the task-list upload (handlers/tasklist.py) — one place decides.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext, HQApplication
from bot.templating import Renderer
from handlers import tasklist
from handlers.callbacks import BookChoice, BookDownload
from handlers.guards import open_request, pressed, refusal
from handlers.permissions import PERMISSIONS
from handlers.request import Press, Request
from models.reporting import Cycle, CycleStatus, ReportStatus
from services.reporting.answers import MAX_TEXT
from services.reporting.book_sheet import MAX_BOOK_BYTES, Column, is_book
from services.reporting.book_upload import (
    DecisionKind,
    StageKind,
    decide_book,
    stage_book,
)
from services.reporting.workbook import Book, BookLabels, plan_book, write_book

log = logging.getLogger(__name__)

BOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PROBLEMS_SHOWN = 30  # row problems listed in the reply; the rest are counted
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _principal_ids(req: Request) -> list[int]:
    return [p.id for p in req.ident.principals if p.id is not None]


def _pairs(text: str) -> dict[str, str]:
    """`key|text` lines of a template as a dict."""
    pairs = {}
    for line in text.splitlines():
        key, _, value = line.partition("|")
        if value:
            pairs[key.strip()] = value.strip()
    return pairs


def book_labels(renderer: Renderer, book: Book) -> BookLabels:
    """Every text of the workbook, from the templates in the renderer's language."""
    render = renderer.render_text
    others = []
    for row in book.rows:
        name = row.item.due.person_name
        if row.item.due.person_id != book.filler.id and name not in others:
            others.append(name)
    words = _pairs(render("book_labels", hq=book.hq, cycle=book.cycle, filler=book.filler,
                          others=others, count=len(book.rows)))  # fmt: skip
    statuses = _pairs(render("book_statuses"))
    return BookLabels(
        sheet=words["sheet"], title=words["title"], subtitle=words["subtitle"],
        note=words["note"], headers={c: words[c.value] for c in Column if c.value in words},
        metric_headers={key: render("book_metric_header", name=key.name, unit=key.unit)
                        for key in book.metrics},
        statuses={s: statuses[s.value] for s in ReportStatus},
        invalid_title=words["invalid_title"], invalid=words["invalid"],
        prompt_title=words["prompt_title"], prompt=words["prompt"],
    )  # fmt: skip


def book_filename(renderer: Renderer, book: Book) -> str:
    """The file's name, e.g. 填报表-2021年11月-高勇坤.xlsx."""
    name = _UNSAFE_NAME.sub("", book.filler.name) or str(book.filler.id)
    return renderer.render_text("book_filename", cycle=book.cycle, name=name)


@pressed("myreports", BookDownload)
async def on_download(press: Press[BookDownload]) -> None:
    """下载填报表: the presser's (and their principals') due tasks this month as an .xlsx."""
    filler, hq = press.ident.person, press.hq
    cycle = await press.session.get(Cycle, press.data.cycle_id)
    if filler is None or hq is None or cycle is None or cycle.hq_id != hq.id:
        await press.answer("book_alert", alert=True, kind="stale", status=None)
        return
    if cycle.status != CycleStatus.open:
        await press.answer("book_alert", alert=True, kind="month", status=None)
        return
    book = await plan_book(press.session, cycle=cycle, filler=filler,
                           principal_ids=_principal_ids(press))  # fmt: skip
    await press.answer()
    if not book.rows:
        await press.reply("book_none", cycle=cycle)
        return
    data = await asyncio.to_thread(write_book, book, book_labels(press.renderer, book))
    filename = book_filename(press.renderer, book)
    await press.deps.outbound.send_document(
        press.chat.id,
        data,
        filename,
        "book_sent",
        renderer=press.renderer,
        cycle=cycle,
        count=len(book.rows),
    )


async def _download(document: Document) -> bytes:
    telegram_file = await document.get_file()
    return bytes(await telegram_file.download_as_bytearray())


async def _upload(req: Request, document: Document, data: bytes | None) -> None:
    """A reporter sent a 填报表: check every row, then preview it with 确认 / 取消."""
    filler, hq = req.ident.person, req.hq
    filename = document.file_name or "upload.xlsx"
    if filler is None or filler.id is None or hq is None or hq.id is None:
        await req.reply("book_refused", kind="no_cycle", filename=filename, code=None,
                        file_ym=None, cycle=None)  # fmt: skip
        return
    if document.file_size and document.file_size > MAX_BOOK_BYTES:
        await req.reply("book_refused", kind="too_large", filename=filename,
                        size=document.file_size, limit=MAX_BOOK_BYTES)  # fmt: skip
        return
    if data is None:
        data = await _download(document)
    filler_id, principal_ids = filler.id, _principal_ids(req)
    staged = await stage_book(req.session, data=data, filename=filename, hq_id=hq.id,
                              filler=filler, principal_ids=principal_ids,
                              uploaded_by=req.user.id, now=req.now)  # fmt: skip
    if staged.kind is StageKind.preview and staged.token is not None:
        buttons = InlineKeyboardMarkup([[
            InlineKeyboardButton(req.render("button_book_confirm"),
                                 callback_data=BookChoice(True, staged.token).pack()),
            InlineKeyboardButton(req.render("button_book_cancel"),
                                 callback_data=BookChoice(False, staged.token).pack()),
        ]])  # fmt: skip
        await req.reply("book_preview", reply_markup=buttons, filename=filename,
                        cycle=staged.cycle, check=staged.check, filler=filler_id)  # fmt: skip
    elif staged.kind is StageKind.problems and staged.check is not None:
        await req.reply("book_problems", filename=filename, problems=staged.check.problems,
                        shown=PROBLEMS_SHOWN, max_text=MAX_TEXT)  # fmt: skip
    elif staged.kind is StageKind.nothing:
        await req.reply("book_nothing", filename=filename, cycle=staged.cycle,
                        check=staged.check)  # fmt: skip
    else:
        await req.reply("book_refused", kind=staged.kind.value, filename=filename,
                        code=staged.code, file_ym=staged.file_ym, cycle=staged.cycle)  # fmt: skip


@pressed("report", BookChoice)
async def on_choice(press: Press[BookChoice]) -> None:
    """确认 saves every report of the previewed 填报表 at once; 取消 drops it."""
    filler = press.ident.person
    filler_id = filler.id if filler is not None else None
    decision = await decide_book(press.session, token=press.data.token, user_id=press.user.id,
                                 filler=filler, principal_ids=_principal_ids(press),
                                 confirm=press.data.ok, now=press.now)  # fmt: skip
    kind = decision.kind
    if kind in (DecisionKind.unknown, DecisionKind.already):
        await press.answer("book_alert", alert=True, kind=kind.value,
                           status=decision.status.value if decision.status else None)  # fmt: skip
        return
    if kind in (DecisionKind.closed, DecisionKind.stale):
        await press.answer("book_alert", alert=True, kind=kind.value, status=None)
    else:
        await press.answer()
    await press.edit("book_decided", kind=kind.value, filename=decision.filename,
                     cycle=decision.cycle, saved=decision.saved, remaining=decision.remaining,
                     filler=filler_id)  # fmt: skip


async def on_document(update: Update, context: BotContext) -> None:
    """Any file in a private chat: a reporter's 填报表, else a task-list upload (admins)."""
    async with open_request(update, context) as req:
        if req is None or req.message is None or req.message.document is None:
            return
        document = req.message.document
        reporter = req.ident.has(*PERMISSIONS["report"].roles)
        admin = req.ident.has(*PERMISSIONS["upload"].roles)
        name = document.file_name or ""
        book, data = False, None
        if reporter and name.lower().endswith(BOOK_SUFFIXES):
            book = not admin  # a reporter's spreadsheet can only be a 填报表
            if admin and (document.file_size or 0) <= MAX_BOOK_BYTES:
                data = await _download(document)  # both roles: look inside
                book = await asyncio.to_thread(is_book, data, name)
        action = "report" if book else "upload"
        why = refusal(action, req.ident, req.where)
        if why is not None:
            log.info("refused %s for user %s in %s", action, req.user.id, req.where.value)
            await req.deps.outbound.send(req.chat.id, why, action=action,
                                         bot_username=context.bot.username,
                                         renderer=req.renderer,
                                         reply_to=req.message.message_id)  # fmt: skip
            return
        if book:
            await _upload(req, document, data)
        else:
            await tasklist.stage_document(req, data)


def register(application: HQApplication) -> None:
    """Add the 填报表 handlers and the one handler every private file goes through."""
    # Files in groups are evidence or chatter, not uploads: only private files are read.
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, on_document)
    )
    application.add_handler(CallbackQueryHandler(on_download, pattern=BookDownload.matches()))
    application.add_handler(CallbackQueryHandler(on_choice, pattern=BookChoice.matches()))
