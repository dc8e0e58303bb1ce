"""The month's report for leaders and the office: /digest [preview] [YYYY-MM], the 发布到指挥部群
button, /overdue, /export [YYYY-MM]."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import HQApplication
from bot.digest_files import month_files
from handlers.callbacks import DigestPublish
from handlers.guards import guarded, pressed, refused
from handlers.request import Press, Request
from jobs.digest import post_digest
from models.reporting import Cycle
from services.digest.data import build_digest
from services.digest.model import Digest
from services.digest.runs import latest_month
from services.reporting.cycles import cycle_of, parse_month
from services.schedule_settings import rules_for

PREVIEW_WORDS = frozenset({"preview", "预览"})


async def _month(req: Request, words: list[str], usage: str) -> tuple[Cycle, Digest] | None:
    """The month named by `words` (or the latest) and its digest; None after saying why not."""
    ym = parse_month("".join(words)) if words else None
    if words and ym is None:
        await req.reply(usage, value=" ".join(words))
        return None
    hq_id = await req.hq_id_or_say("cycle_no_hq")
    if hq_id is None:
        return None
    session = req.session
    cycle = await cycle_of(session, hq_id, ym) if ym else await latest_month(session, hq_id)
    if cycle is None:
        await req.reply("digest_none", ym=ym)
        return None
    tolerance = req.deps.settings.digest.tolerance
    digest = await build_digest(session, hq_id=hq_id, ym=cycle.ym, tolerance=tolerance)
    if digest is None:
        await req.reply("digest_none", ym=cycle.ym)
        return None
    return cycle, digest


@guarded("digest")
async def digest_command(req: Request) -> None:
    """/digest [YYYY-MM]: the digest privately; /digest preview [YYYY-MM] (admins) with a
    发布到指挥部群 button."""
    args = req.args
    preview = bool(args) and args[0].lower() in PREVIEW_WORDS
    if preview and await refused(req, "digest_preview"):
        return
    found = await _month(req, args[1:] if preview else args, "digest_usage")
    if found is None:
        return
    cycle, digest = found
    files = await month_files(req.renderer, digest, req.deps.clock.tz)
    outbound = req.deps.outbound
    await outbound.send_parts(req.chat.id, files.parts)
    await outbound.send_file(req.chat.id, files.chart, files.chart_name,
                             caption=files.chart_caption, photo=True)  # fmt: skip
    if not preview:
        return
    await outbound.send_file(req.chat.id, files.book, files.book_name, caption=files.book_caption)
    assert cycle.id is not None
    label = req.render("button_digest_publish")
    button = InlineKeyboardButton(label, callback_data=DigestPublish(cycle.id).pack())
    hq_chat = req.hq.hq_chat_id if req.hq is not None else None
    await req.reply("digest_preview_ask", digest=digest, hq_chat=hq_chat,
                    reply_markup=InlineKeyboardMarkup([[button]]))  # fmt: skip


@pressed("digest_preview", DigestPublish)
async def on_publish(press: Press[DigestPublish]) -> None:
    """发布到指挥部群: queue the month's digest for the HQ group (a new posting each press)."""
    cycle = await press.session.get(Cycle, press.data.cycle_id)
    hq = press.hq
    if cycle is None or hq is None or cycle.hq_id != hq.id:
        await press.answer("button_stale", alert=True)
        return
    rules = await rules_for(press.session, cycle.hq_id, press.deps.settings.cycle)
    posting = await post_digest(press.deps, press.session, cycle, press.now, rules,
                                by=press.user.id)  # fmt: skip
    await press.answer()
    await press.edit("digest_published", posting=posting, ym=cycle.ym)


@guarded("overdue")
async def overdue_command(req: Request) -> None:
    """/overdue [YYYY-MM]: stages past their end month unfinished, and stalled tasks."""
    found = await _month(req, req.args, "overdue_usage")
    if found is not None:
        await req.reply("overdue", digest=found[1])


@guarded("export")
async def export_command(req: Request) -> None:
    """/export [YYYY-MM]: the month's Excel file (every report, missing, problems, groups)."""
    found = await _month(req, req.args, "export_usage")
    if found is None:
        return
    files = await month_files(req.renderer, found[1], req.deps.clock.tz)
    await req.deps.outbound.send_file(req.chat.id, files.book, files.book_name,
                                      caption=files.book_caption)  # fmt: skip


def register(application: HQApplication) -> None:
    """Add /digest, /overdue, /export and the publish button."""
    application.add_handler(CommandHandler("digest", digest_command))
    application.add_handler(CommandHandler("overdue", overdue_command))
    application.add_handler(CommandHandler("export", export_command))
    application.add_handler(CallbackQueryHandler(on_publish, pattern=DigestPublish.matches()))
