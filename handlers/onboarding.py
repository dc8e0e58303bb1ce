"""/start (with invitation deep links), the binding card, /help, /whoami, and plain text."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import menus, notify
from bot.context import HQApplication
from handlers.args import pasted_code
from handlers.callbacks import BindChoice
from handlers.guards import guarded, pressed
from handlers.permissions import usable_commands
from handlers.request import Press, Request
from services import invitations
from services.chats import remember_chat
from services.people import tasks_of
from services.roles import Role


@guarded("start")
async def start(req: Request) -> None:
    """Greet the user; with a deep-link code, show the "are you …?" card."""
    await remember_chat(
        req.session, chat_id=req.chat.id, chat_type=req.chat.type,
        title=req.chat.title or req.chat.full_name, username=req.chat.username, now=req.now,
    )  # fmt: skip
    code = req.args[0] if req.args else ""
    if code:
        await _claim(req, code)
        return
    await menus.show_menu(req.deps, req.context.bot, req.user.id, req.ident.roles, req.language)
    await req.reply(
        "start",
        name=req.ident.person.name if req.ident.person else req.user.full_name,
        is_admin=req.ident.has(Role.admin),
        person=req.ident.person.name if req.ident.person else None,
        hq_name=req.hq.name if req.hq else None,
    )


async def _claim(req: Request, code: str) -> None:
    """Open an invitation: show whom it is for, with 确认 / 不是我 (and a warning where due)."""
    claim = await invitations.claim(req.session, code, req.user.id, req.now,
                                    config_admins=req.deps.settings.telegram.admins)  # fmt: skip
    if claim.status is invitations.ClaimStatus.held and claim.person is not None:
        hq_id = claim.invitation.hq_id if claim.invitation else None  # the link's headquarters
        await notify.notify_admins(
            req.deps, hq_id, "admin_invite_contested", session=req.session,
            name=claim.person.name, unit=claim.unit, opener_id=req.user.id,
            opener_name=req.user.full_name,
        )  # fmt: skip
    if claim.status is not invitations.ClaimStatus.ok or claim.person is None:
        await req.reply("invite_invalid", status=claim.status.value)
        return
    if claim.already_bound:
        await req.reply("invite_already_bound", name=claim.person.name)
        return
    assert claim.invitation is not None and claim.invitation.id is not None
    invitation_id = claim.invitation.id
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(req.render("button_bind_yes"),
                             callback_data=BindChoice(True, invitation_id).pack()),
        InlineKeyboardButton(req.render("button_bind_no"),
                             callback_data=BindChoice(False, invitation_id).pack()),
    ]])  # fmt: skip
    await req.reply("invite_confirm", name=claim.person.name, unit=claim.unit,
                    bound_as=claim.opener_bound_as, opener_is_admin=claim.opener_is_admin,
                    reply_markup=buttons)  # fmt: skip


@pressed("start", BindChoice)
async def on_bind_button(press: Press[BindChoice]) -> None:
    """确认 binds the account to the invited person; 不是我 releases the link."""
    if not press.data.ok:
        released = await invitations.decline(press.session, press.data.invitation_id, press.user.id)
        await press.answer()
        if released:
            await press.edit("invite_declined")
        return
    result = await invitations.confirm(
        press.session, press.data.invitation_id, press.user.id, press.user.username, press.now
    )
    if result.status is not invitations.ConfirmStatus.bound or result.person is None:
        await press.answer("invite_refused", alert=True, status=result.status.value,
                           other=result.other_person)  # fmt: skip
        if result.status is invitations.ConfirmStatus.invalid:
            await press.edit("invite_invalid", status="expired")
        return
    await menus.refresh_menu(press.deps, press.context.bot, press.user.id, press.session)
    if result.previous_account is not None:
        await menus.refresh_menu(
            press.deps, press.context.bot, result.previous_account, press.session
        )
    await press.answer()
    await press.edit("invite_bound", name=result.person.name,
                     rebound=result.previous_account is not None)  # fmt: skip


@guarded("help")
async def help_command(req: Request) -> None:
    """List the commands this person may use in this kind of chat."""
    usable = usable_commands(req.ident.roles, req.where)
    commands = [(c, d) for c, d in req.renderer.command_menu() if c in usable]
    await req.reply("help", commands=commands, is_admin=req.ident.has(Role.admin),
                    in_group=req.chat.type != req.chat.PRIVATE)  # fmt: skip


@guarded("whoami")
async def whoami(req: Request) -> None:
    """Show a person their roles and tasks (including the ones they report as a liaison)."""
    ident, hq = req.ident, req.hq
    tasks = []
    if hq is not None and hq.id is not None and ident.person is not None:
        people = [ident.person, *ident.principals]
        names = {p.id: p.name for p in ident.principals if p.id is not None}
        ids = [p.id for p in people if p.id is not None]
        tasks = await tasks_of(req.session, hq.id, ids, names)
    await req.reply("whoami", ident=ident, roles=sorted(r.value for r in ident.roles),
                    hq_name=hq.name if hq else None, tasks=tasks, user_id=req.user.id)  # fmt: skip


@guarded("start")
async def plain_text(req: Request) -> None:
    """Text that is no command: a pasted invitation opens it; anything else gets a pointer."""
    text = req.message.text if req.message and req.message.text else ""
    code = pasted_code(text)
    if code is not None:
        await _claim(req, code)
        return
    await req.reply("plain_text", is_admin=req.ident.has(Role.admin))


def register(application: HQApplication) -> None:
    """Add this area's handlers."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_bind_button, pattern=BindChoice.matches()))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("whoami", whoami))


def register_fallbacks(application: HQApplication) -> None:
    """Plain private text, after every other handler had its chance."""
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, plain_text)
    )
