"""The HQ group (/sethq, moving it, supergroup migration) and the bot's own membership."""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import notify
from bot.context import BotContext, HQApplication
from bot.languages import renderer_of
from handlers.callbacks import MoveHQGroup
from handlers.guards import guarded, pressed
from handlers.request import Press, Request
from models.tables import Headquarters
from services.hq import HQSource, ensure_hq, hq_for, rename_hq, resolve_hq, set_hq_chat
from services.people import set_reachable
from services.roles import Role, identify

log = logging.getLogger(__name__)


@guarded("sethq")
async def sethq(req: Request) -> None:
    """Make this group the headquarters' group; moving it from another group asks first."""
    choice = req.hq_choice
    if req.args:
        choice = await resolve_hq(req.session, " ".join(req.args))
    if choice.ambiguous or (req.args and choice.hq is None):
        await req.reply("sethq_which", names=choice.candidates)
        return
    hq = choice.hq or await ensure_hq(
        req.session, req.deps.renderer.render_text("default_hq_name"), req.now
    )
    assert hq.id is not None
    if not await _admin_of(req, hq):
        await req.reply("refuse_role", action="sethq")
        return
    if req.hq_choice.source is HQSource.group and req.hq is not None and req.hq.id != hq.id:
        await req.reply("sethq_taken", hq_name=req.hq.name)  # one group, one headquarters
        return
    if hq.hq_chat_id is not None and hq.hq_chat_id != req.chat.id:
        buttons = InlineKeyboardMarkup([[
            InlineKeyboardButton(req.render("button_move_here"),
                                 callback_data=MoveHQGroup(True, hq.id).pack()),
            InlineKeyboardButton(req.render("button_cancel"),
                                 callback_data=MoveHQGroup(False, hq.id).pack()),
        ]])  # fmt: skip
        await req.reply("sethq_move", hq_name=hq.name, title=req.chat.title, reply_markup=buttons)
        return
    await set_hq_chat(req.session, hq, req.chat.id)
    await req.reply("sethq_done", hq_name=hq.name, title=req.chat.title)


async def _admin_of(req: Request, hq: Headquarters) -> bool:
    """Whether the sender is an admin of `hq` (the request's roles are the current one's)."""
    if req.hq is not None and req.hq.id == hq.id:
        return req.ident.has(Role.admin)
    ident = await identify(req.session, hq, req.user.id, req.deps.settings.telegram.admins)
    return ident.has(Role.admin)


@guarded("hqname")
async def hqname(req: Request) -> None:
    """/hqname shows the headquarters' name; /hqname NEW renames it (it heads every digest)."""
    hq = req.hq
    if hq is None or hq.id is None:
        await req.reply("invite_usage", no_hq=True)
        return
    if not req.args:
        await req.reply("hq_name_usage", name=hq.name)
        return
    outcome = await rename_hq(req.session, hq.id, " ".join(req.args))
    await req.reply("hq_rename", outcome=outcome)


@pressed("sethq", MoveHQGroup)
async def on_move_button(press: Press[MoveHQGroup]) -> None:
    """移到本群 moves the HQ group here and tells the old group; 取消 leaves it where it was."""
    hq = await press.session.get(Headquarters, press.data.hq_id)
    if hq is None or not await _admin_of(press, hq):
        await press.answer("button_stale", alert=True)
        return
    if not press.data.ok:
        await press.edit("sethq_kept", hq_name=hq.name)
        return
    previous = await set_hq_chat(press.session, hq, press.chat.id)
    log.info("HQ group of %s moved to %s (was %s)", hq.id, press.chat.id, previous)
    await press.edit("sethq_done", hq_name=hq.name, title=press.chat.title)
    if previous is not None:
        await press.deps.outbound.send(
            previous, "sethq_moved_away", renderer=await press.renderer_for(previous),
            hq_name=hq.name, title=press.chat.title,
        )  # fmt: skip


async def on_migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: the HQ group follows it to the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    await notify.on_migrated(context.deps, old, new)


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """The bot was added to a group (hint at /sethq), or a person blocked / unblocked it."""
    change = update.my_chat_member
    if change is None:
        return
    deps = context.deps
    status = change.new_chat_member.status
    if change.chat.type != "private":
        joined = status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR)
        was_out = change.old_chat_member.status in (ChatMember.LEFT, ChatMember.BANNED)
        if joined and was_out:
            async with deps.sessions() as session:
                choice = await hq_for(session, chat_id=change.chat.id, telegram_user_id=None,
                                      config_admins=[])  # fmt: skip
                renderer = await renderer_of(deps, session, change.chat.id)
            hq = choice.hq
            is_hq = choice.source is HQSource.group
            await deps.outbound.send(change.chat.id, "group_hello", is_hq=is_hq, renderer=renderer,
                                     hq_name=hq.name if hq else None)  # fmt: skip
        return
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await notify.on_unreachable(deps, change.chat.id)
    elif status == ChatMember.MEMBER:
        async with deps.sessions() as session:
            person = await set_reachable(session, change.chat.id, True)
        if person is not None:
            log.info("person %s reachable again", person.id)
            await notify.notify_admins(deps, None, "admin_reachable", name=person.name)


def register(application: HQApplication) -> None:
    """Add the group and reachability handlers."""
    application.add_handler(CommandHandler("sethq", sethq))
    application.add_handler(CommandHandler("hqname", hqname))
    application.add_handler(CallbackQueryHandler(on_move_button, pattern=MoveHQGroup.matches()))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
