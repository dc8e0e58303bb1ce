"""The one place that opens the request context and enforces the permission matrix."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import wraps
from typing import Any, TypeVar

from telegram import Chat, InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.languages import chat_renderer, language_of
from handlers.callbacks import CallbackData
from handlers.hqbuttons import hq_keyboard
from handlers.permissions import PERMISSIONS, Where, action_in, command_of
from handlers.request import Press, Request
from services.hq import hq_for, hqs_of, identify_across, identify_in
from services.roles import Identity

log = logging.getLogger(__name__)

D = TypeVar("D", bound=CallbackData)
PTBHandler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


def classify(chat: Chat, hq_chat_id: int | None) -> Where:
    """Private chat, the HQ group, or some other group."""
    if chat.type == Chat.PRIVATE:
        return Where.private
    return Where.hq_group if hq_chat_id is not None and chat.id == hq_chat_id else Where.other_group


@asynccontextmanager
async def open_request(update: Update, context: BotContext) -> AsyncIterator[Request | None]:
    """The update's request context with its one session; None for updates with no chat/user.

    The chat's language is looked up once here: a private chat's is the person's, a group's the
    group's; every reply through the Request is written in it.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        yield None
        return
    deps = context.deps
    admins = deps.settings.telegram.admins
    async with deps.sessions() as session:
        choice = await hq_for(session, chat_id=chat.id, telegram_user_id=user.id,
                              config_admins=admins)  # fmt: skip
        ident = await identify_in(session, choice, user.id, admins)
        hq_chat = choice.hq.hq_chat_id if choice.hq else None
        language = await language_of(deps, session, chat.id)
        yield Request(update, context, deps, session, chat, user, ident, choice,
                      classify(chat, hq_chat), language)  # fmt: skip


def refusal(action: str, ident: Identity, where: Where) -> str | None:
    """The template that says why `action` is refused here, or None when it is allowed."""
    rule = PERMISSIONS[action]
    if where not in rule.where:
        if where is Where.private:
            return "refuse_group_only"
        if where is Where.other_group and Where.hq_group in rule.where:
            return "refuse_not_hq_group"
        return "refuse_private_only"
    if not ident.has(*rule.roles):
        return "refuse_role" if ident.bound else "refuse_not_bound"
    return None


async def check(action: str, req: Request) -> str | None:
    """`refusal` for this request; for an `any_hq` action, roles in any of the account's
    headquarters count (looked up only when the current one's do not allow it)."""
    why = refusal(action, req.ident, req.where)
    if why is None or not PERMISSIONS[action].any_hq or req.where not in PERMISSIONS[action].where:
        return why
    admins = req.deps.settings.telegram.admins
    mine = await hqs_of(req.session, req.user.id, admins)
    anywhere = await identify_across(req.session, mine, req.user.id, admins)
    return refusal(action, anywhere, req.where)


async def refused(req: Request, action: str) -> bool:
    """Inside a handler: whether the matrix refuses `action` here (after saying why), for a
    command whose variants need more than the command itself (/digest preview)."""
    why = await check(action, req)
    if why is None:
        return False
    _log_refusal(action, req)
    await req.reply(why, action=action, bot_username=req.context.bot.username)
    return True


def needs_pick(action: str, req: Request) -> bool:
    """Whether the action works on one headquarters and this update's is ambiguous."""
    return PERMISSIONS[action].needs_hq and req.hq_choice.ambiguous


async def ask_for_hq(req: Request) -> None:
    """Say that the headquarters is ambiguous, with one button per headquarters to pick."""
    options = req.hq_choice.options
    await req.reply("hq_pick", names=[h.name for h in options],
                    reply_markup=hq_keyboard(req, options, current=None))  # fmt: skip


def _log_refusal(action: str, req: Request) -> None:
    log.info("refused %s for user %s (%s) in %s", action, req.user.id,
             ",".join(sorted(req.ident.roles)), req.where.value)  # fmt: skip


def guarded(action: str) -> Callable[[Callable[[Request], Awaitable[None]]], PTBHandler]:
    """Run a handler with its request context when the matrix allows `action`; else say why.

    When the matrix has several actions for the command (`Rule.command`), the one for this kind
    of chat is checked.
    """
    if action not in PERMISSIONS:
        raise KeyError(f"{action!r} is not in the permission matrix")

    def decorate(func: Callable[[Request], Awaitable[None]]) -> PTBHandler:
        @wraps(func)
        async def wrapper(update: Update, context: BotContext) -> None:
            async with open_request(update, context) as req:
                if req is None:
                    return
                here = action_in(action, req.where)
                why = await check(here, req)
                if why is not None:
                    _log_refusal(here, req)
                    message = req.message
                    await req.deps.outbound.send(
                        req.chat.id, why, action=command_of(here), renderer=req.renderer,
                        bot_username=context.bot.username,
                        reply_to=message.message_id if message else None,
                    )  # fmt: skip
                    return
                if needs_pick(here, req):
                    await ask_for_hq(req)
                    return
                await func(req)

        return wrapper

    return decorate


def _offered(message: Message, data: str) -> bool:
    """Whether `message` really carries a button with this payload (a forged one does not)."""
    markup = message.reply_markup
    if not isinstance(markup, InlineKeyboardMarkup):
        return False
    return any(b.callback_data == data for row in markup.inline_keyboard for b in row)


def pressed(
    action: str, kind: type[D]
) -> Callable[[Callable[[Press[D]], Awaitable[None]]], PTBHandler]:
    """Run a button handler with its parsed payload when the press is genuine and allowed.

    Genuine: the payload parses as `kind` and the message it came from carries that very
    button, so a forged payload cannot turn one kind of message into another. Every press is
    answered, whatever happens.
    """
    if action not in PERMISSIONS:
        raise KeyError(f"{action!r} is not in the permission matrix")

    def decorate(func: Callable[[Press[D]], Awaitable[None]]) -> PTBHandler:
        @wraps(func)
        async def wrapper(update: Update, context: BotContext) -> None:
            query = update.callback_query
            if query is None:
                return
            data = kind.parse(query.data)
            message = query.message
            genuine = isinstance(message, Message) and _offered(message, query.data or "")
            if data is None or not genuine or not isinstance(message, Message):
                log.warning("refused button %r from user %s", query.data, query.from_user.id)
                await _answer_stale(update, context)
                return
            async with open_request(update, context) as req:
                if req is None:
                    await context.deps.outbound.answer(query, "button_stale", alert=True)
                    return
                press = Press(**vars(req), query=query, pressed=message, data=data)
                here = action_in(action, req.where)
                why = await check(here, req)
                if why is not None:
                    _log_refusal(here, req)
                    await press.answer(why, alert=True, action=command_of(here),
                                       bot_username=context.bot.username)  # fmt: skip
                    return
                if needs_pick(here, req):
                    await press.answer("hq_pick_alert", alert=True)
                    return
                try:
                    await func(press)
                finally:
                    await press.answer()

        return wrapper

    return decorate


async def _answer_stale(update: Update, context: BotContext) -> None:
    """Answer a press with "this button has expired", in the chat's language."""
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    renderer = await chat_renderer(context.deps, chat.id) if chat is not None else None
    await context.deps.outbound.answer(query, "button_stale", alert=True, renderer=renderer)


async def answer_stale(update: Update, context: BotContext) -> None:
    """Any press no handler took (an old layout, a forged payload): answer it, change nothing."""
    if update.callback_query is not None:
        log.info("unhandled button press %r", update.callback_query.data)
        await _answer_stale(update, context)
