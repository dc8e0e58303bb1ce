"""/start (with invitation deep links), the binding card, /help and /whoami."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import menus
from bot.deps import get_deps
from handlers.guards import guarded
from handlers.permissions import PERMISSIONS
from services import invitations
from services.chats import remember_chat
from services.hq import resolve_hq
from services.people import tasks_of
from services.roles import Identity, Role


@guarded("start")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """Greet the user; with a deep-link code, show the "are you …?" card."""
    deps = get_deps(context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    async with deps.sessions() as session:
        await remember_chat(
            session,
            chat_id=chat.id,
            chat_type=chat.type,
            title=chat.title or chat.full_name,
            username=chat.username,
            now=deps.clock.now(),
        )
        code = (context.args or [""])[0]
        claim = await invitations.claim(session, code, user.id, deps.clock.now()) if code else None
    if claim is None:
        await menus.refresh_menu(deps, context.bot, user.id)
        await deps.outbound.send(
            chat.id,
            "start",
            name=user.full_name,
            is_admin=ident.has(Role.admin),
            person=ident.person.name if ident.person else None,
        )
        return
    if claim.status is not invitations.ClaimStatus.ok:
        await deps.outbound.send(chat.id, "invite_invalid", status=claim.status.value)
        return
    if claim.already_bound:
        await deps.outbound.send(chat.id, "invite_already_bound", name=claim.person.name)  # type: ignore[union-attr]
        return
    invitation_id = claim.invitation.id  # type: ignore[union-attr]
    yes = InlineKeyboardButton(
        deps.renderer.render("button_bind_yes"), callback_data=f"bind:ok:{invitation_id}"
    )
    no = InlineKeyboardButton(
        deps.renderer.render("button_bind_no"), callback_data=f"bind:no:{invitation_id}"
    )
    await deps.outbound.send(
        chat.id,
        "invite_confirm",
        name=claim.person.name,  # type: ignore[union-attr]
        unit=claim.unit,
        reply_markup=InlineKeyboardMarkup([[yes, no]]),
    )


@guarded("start")
async def on_bind_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """确认 binds the account to the invited person; 不是我 releases the link."""
    deps = get_deps(context)
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return
    _, action, raw_id = query.data.split(":", 2)
    invitation_id = int(raw_id) if raw_id.isdigit() else -1
    user = query.from_user
    async with deps.sessions() as session:
        if action != "ok":
            released = await invitations.decline(session, invitation_id, user.id)
            await deps.outbound.answer(query)
            if released:
                await deps.outbound.edit(query.message, "invite_declined")
            return
        result = await invitations.confirm(
            session, invitation_id, user.id, user.username, deps.clock.now()
        )
    if result.status is not invitations.ConfirmStatus.bound:
        await deps.outbound.answer(query, "invite_refused", alert=True, status=result.status.value,
                                   other=result.other_person)  # fmt: skip
        if result.status is invitations.ConfirmStatus.invalid:
            await deps.outbound.edit(query.message, "invite_invalid", status="expired")
        return
    await menus.refresh_menu(deps, context.bot, user.id)
    if result.previous_account is not None:
        await menus.refresh_menu(deps, context.bot, result.previous_account)
    await deps.outbound.answer(query)
    await deps.outbound.edit(
        query.message,
        "invite_bound",
        name=result.person.name,  # type: ignore[union-attr]
        rebound=result.previous_account is not None,
    )


@guarded("help")
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """List the commands this person may use."""
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    usable = {a for a, rule in PERMISSIONS.items() if ident.has(*rule.roles)}
    commands = [(c, d) for c, d in deps.renderer.command_menu() if c in usable]
    await deps.outbound.send(chat.id, "help", commands=commands, is_admin=ident.has(Role.admin))


@guarded("whoami")
async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """Show a person their roles and tasks (including the ones they report as a liaison)."""
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    async with deps.sessions() as session:
        hq = (await resolve_hq(session, None)).hq
        tasks = []
        if hq is not None and ident.person is not None:
            people = [ident.person, *ident.principals]
            names = {p.id: p.name for p in ident.principals}
            tasks = await tasks_of(session, hq.id, [p.id for p in people], names)  # type: ignore[arg-type,misc]
    await deps.outbound.send(
        chat.id,
        "whoami",
        ident=ident,
        roles=sorted(r.value for r in ident.roles),
        hq_name=hq.name if hq else None,
        tasks=tasks,
        user_id=update.effective_user.id if update.effective_user else None,
    )


def register(application: Application) -> None:
    """Add this area's handlers."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_bind_button, pattern=r"^bind:(ok|no):"))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("whoami", whoami))
