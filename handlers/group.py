"""The HQ group (/sethq, supergroup migration) and reachability (blocked / unblocked bot)."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import notify
from bot.deps import get_deps
from handlers.guards import guarded
from services.hq import ensure_hq, resolve_hq, set_hq_chat
from services.people import set_reachable
from services.roles import Identity

log = logging.getLogger(__name__)


@guarded("sethq")
async def sethq(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """Make the group this is sent in the headquarters' group (digests go here)."""
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    async with deps.sessions() as session:
        choice = await resolve_hq(session, " ".join(context.args or []) or None)
        if choice.ambiguous or (context.args and choice.hq is None):
            await deps.outbound.send(chat.id, "sethq_which", names=choice.candidates)
            return
        hq = choice.hq or await ensure_hq(
            session, deps.renderer.render_text("default_hq_name"), deps.clock.now()
        )
        previous = await set_hq_chat(session, hq, chat.id)
    log.info("HQ group of %s set to %s (was %s)", hq.id, chat.id, previous)
    await deps.outbound.send(chat.id, "sethq_done", hq_name=hq.name, title=chat.title)


async def on_migration(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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
    await notify.on_migrated(get_deps(context), old, new)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A person blocked or unblocked the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    deps = get_deps(context)
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await notify.on_unreachable(deps, change.chat.id)
    elif status == ChatMember.MEMBER:
        async with deps.sessions() as session:
            person = await set_reachable(session, change.chat.id, True)
        if person is not None:
            log.info("person %s reachable again", person.id)
            await notify.notify_admins(deps, None, "admin_reachable", name=person.name)


def register(application: Application) -> None:
    """Add the group and reachability handlers."""
    application.add_handler(CommandHandler("sethq", sethq))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
