"""/hq: which headquarters this chat works on, and buttons to pick another one."""

from __future__ import annotations

import logging

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import menus
from bot.context import HQApplication
from handlers.callbacks import PickHQ
from handlers.guards import guarded, pressed
from handlers.hqbuttons import hq_keyboard
from handlers.request import Press, Request
from services.hq import ChooseKind, HQSource, choose_hq, hqs_of

log = logging.getLogger(__name__)


@guarded("hq")
async def hq_command(req: Request) -> None:
    """The current headquarters, with one button per headquarters the account belongs to."""
    choice = req.hq_choice
    if choice.source is HQSource.only or (choice.hq is None and not choice.options):
        await req.reply("hq_current", hq_name=req.hq.name if req.hq else None, names=[],
                        single=choice.source is HQSource.only)  # fmt: skip
        return
    mine = await hqs_of(req.session, req.user.id, req.deps.settings.telegram.admins)
    await req.reply("hq_current", hq_name=req.hq.name if req.hq else None,
                    names=[h.name for h in mine], single=False,
                    reply_markup=hq_keyboard(req, mine, current=req.hq))  # fmt: skip


@pressed("hq", PickHQ)
async def on_pick(press: Press[PickHQ]) -> None:
    """Remember the pressed headquarters for this chat, if the presser belongs to it."""
    outcome = await choose_hq(
        press.session, chat_id=press.chat.id, hq_id=press.data.hq_id,
        telegram_user_id=press.user.id, config_admins=press.deps.settings.telegram.admins,
        now=press.now,
    )  # fmt: skip
    if outcome.hq is None or outcome.kind not in (ChooseKind.chosen, ChooseKind.same):
        log.warning("refused headquarters %s for user %s (%s)", press.data.hq_id,
                    press.user.id, outcome.kind.value)  # fmt: skip
        await press.answer("hq_refused", alert=True)
        return
    await press.answer()
    await press.edit("hq_chosen", hq_name=outcome.hq.name)
    await menus.refresh_menu(press.deps, press.context.bot, press.user.id, press.session)


def register(application: HQApplication) -> None:
    """Add /hq and its buttons."""
    application.add_handler(CommandHandler("hq", hq_command))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=PickHQ.matches()))
