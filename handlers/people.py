"""Admins manage people: invitations, /people, /grant, /revoke, /delegate."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot import menus
from bot.deps import Deps, get_deps
from handlers.guards import guarded
from handlers.paging import paginate
from models.access import GrantedRole
from models.people import Person
from models.tables import Headquarters
from services import invitations, people, roles
from services.hq import resolve_hq
from services.roles import Identity

PAGE_SIZE = 20
# Role words admins may type (parsing vocabulary), mapped to (kind, title).
ROLE_WORDS: dict[str, tuple[str, str]] = {
    "admin": ("admin", ""),
    "管理员": ("admin", ""),
    "hq_leader": ("hq_leader", ""),
    "指挥部领导": ("hq_leader", ""),
    "指挥长": ("hq_leader", "指挥长"),
    "副指挥长": ("hq_leader", "副指挥长"),
    "group_leader": ("group_leader", ""),
    "组长": ("group_leader", ""),
    "liaison": ("liaison", ""),
    "联络员": ("liaison", ""),
}


def invite_link(bot_username: str, code: str) -> str:
    """The deep link a person opens to bind their account."""
    return f"https://t.me/{bot_username}?start={code}"


async def _hq(deps: Deps) -> Headquarters | None:
    async with deps.sessions() as session:
        return (await resolve_hq(session, None)).hq


def _split_name(args: list[str]) -> tuple[str, str | None, list[str]]:
    """`姓名/单位 rest…` or `姓名 rest…` → (name, unit, rest)."""
    first = args[0]
    name, _, unit = first.partition("/")
    return name, unit or None, args[1:]


async def _one_person(deps: Deps, chat_id: int, name: str, unit: str | None) -> Person | None:
    """The single person so named, or a reply saying none / which ones."""
    async with deps.sessions() as session:
        found = await roles.find_persons(session, name, unit)
        units = await people.unit_names(session, [p.unit_id for p in found if p.unit_id])
    if len(found) == 1:
        return found[0]
    choices = [(p.name, units.get(p.unit_id)) for p in found]  # type: ignore[arg-type]
    await deps.outbound.send(chat_id, "person_lookup", name=name, unit=unit, choices=choices)
    return None


@guarded("invite")
async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """/invite 姓名 [单位] | all — deep links to forward to the persons."""
    deps = get_deps(context)
    chat = update.effective_chat
    args = context.args or []
    if chat is None:
        return
    hq = await _hq(deps)
    if not args or hq is None:
        await deps.outbound.send(chat.id, "invite_usage", no_hq=hq is None)
        return
    if args[0].lower() in ("all", "全部", "所有人"):
        async with deps.sessions() as session:
            rows = await people.people_of(session, hq.id, deps.clock.now())  # type: ignore[arg-type]
            unbound = [r.id for r in rows if r.status in (people.Status.not_invited,
                                                          people.Status.invited)]  # fmt: skip
            targets = await people.persons_by_id(session, unbound)
    else:
        name, unit, rest = _split_name(args)
        unit = unit or (rest[0] if rest else None)
        person = await _one_person(deps, chat.id, name, unit)
        if person is None:
            return
        targets = [person]
    await _send_invites(deps, update, hq, targets, ident)


async def _send_invites(
    deps: Deps, update: Update, hq: Headquarters, targets: list[Person], ident: Identity
) -> None:
    chat = update.effective_chat
    assert chat is not None
    ttl = timedelta(days=deps.settings.app.invite_ttl_days)
    async with deps.sessions() as session:
        issued = await invitations.issue(
            session, hq.id, targets, now=deps.clock.now(), ttl=ttl,  # type: ignore[arg-type]
            created_by=ident.telegram_user_id,
        )  # fmt: skip
    username = update.get_bot().username
    sent = await deps.outbound.send(
        chat.id,
        "invite_links",
        invites=[(i, invite_link(username, i.code)) for i in issued],
        tz=deps.settings.app.tz,
    )
    now = deps.clock.now()
    if sent is not None:  # the new links reached the admin: only now void the older ones
        async with deps.sessions() as session:
            await invitations.supersede(session, [i.invitation_id for i in issued], now)


@guarded("people")
async def people_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """/people: everyone with their status, paged."""
    await _people_page(update, context, page=0, edit=False)


@guarded("people")
async def on_people_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity
) -> None:
    """◀ / ▶ under /people."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    raw = query.data.split(":", 1)[1]
    await get_deps(context).outbound.answer(query)
    await _people_page(update, context, page=int(raw) if raw.isdigit() else 0, edit=True)


async def _people_page(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, page: int, edit: bool
) -> None:
    deps = get_deps(context)
    chat = update.effective_chat
    if chat is None:
        return
    hq = await _hq(deps)
    rows = []
    if hq is not None:
        async with deps.sessions() as session:
            rows = await people.people_of(session, hq.id, deps.clock.now())  # type: ignore[arg-type]
    paged = paginate(rows, page, PAGE_SIZE, "people")
    markup = paged.markup
    counts = {s.value: sum(1 for r in rows if r.status == s) for s in people.Status}
    view = dict(
        rows=paged.items, page=paged.number, pages=paged.pages, total=paged.total,
        counts=counts, offset=paged.offset,
    )  # fmt: skip
    if edit and update.callback_query and update.callback_query.message:
        await deps.outbound.edit(update.callback_query.message, "people_page", reply_markup=markup,
                                 **view)  # fmt: skip
    else:
        await deps.outbound.send(chat.id, "people_page", reply_markup=markup, **view)


@guarded("grant")
async def grant(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """/grant 姓名[/单位] 角色 [工作小组]."""
    await _change_role(update, context, ident, on=True)


@guarded("revoke")
async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """/revoke 姓名[/单位] 角色 [工作小组]."""
    await _change_role(update, context, ident, on=False)


async def _change_role(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity, *, on: bool
) -> None:
    deps = get_deps(context)
    chat = update.effective_chat
    args = context.args or []
    command = "grant" if on else "revoke"
    if chat is None:
        return
    if len(args) < 2 or args[1].lower() not in ROLE_WORDS:
        await deps.outbound.send(chat.id, "role_usage", command=command)
        return
    kind, title = ROLE_WORDS[args[1].lower()]
    group = " ".join(args[2:]) or None
    if kind == "group_leader" and not group:
        await deps.outbound.send(chat.id, "role_usage", command=command)
        return
    if kind == "liaison" and on:
        await deps.outbound.send(chat.id, "role_use_delegate")
        return
    name, unit, _ = _split_name(args)
    person = await _one_person(deps, chat.id, name, unit)
    hq = await _hq(deps)
    if person is None or hq is None:
        return
    now = deps.clock.now()
    async with deps.sessions() as session:
        person = await session.get(Person, person.id)
        if kind == "admin":
            changed = (
                await roles.grant_admin(session, hq.id, person, by=ident.telegram_user_id, now=now)  # type: ignore[arg-type]
                if on
                else bool(await roles.revoke_granted(session, hq.id, person, GrantedRole.admin))  # type: ignore[arg-type]
            )
        elif kind == "liaison":
            changed = bool(await roles.revoke_granted(session, hq.id, person, GrantedRole.liaison))  # type: ignore[arg-type]
        elif kind == "hq_leader":
            changed = (await roles.set_hq_leader(session, hq.id, person, title, on=on)).changed  # type: ignore[arg-type]
        else:
            outcome = await roles.set_group_leader(session, hq.id, person, group or "", on=on)  # type: ignore[arg-type]
            changed = None if outcome is roles.RoleChangeKind.group_unknown else outcome.changed
    if changed and person.telegram_user_id is not None:  # type: ignore[union-attr]
        await menus.refresh_menu(deps, context.bot, person.telegram_user_id)  # type: ignore[union-attr]
    await deps.outbound.send(
        chat.id, "role_changed", on=on, changed=changed, name=person.name, kind=kind,  # type: ignore[union-attr]
        group=group,
    )  # fmt: skip


@guarded("delegate")
async def delegate(update: Update, context: ContextTypes.DEFAULT_TYPE, ident: Identity) -> None:
    """/delegate 责任人[/单位] 联络员姓名 — the liaison may report on the principal's tasks."""
    deps = get_deps(context)
    chat = update.effective_chat
    args = context.args or []
    if chat is None:
        return
    if len(args) != 2:
        await deps.outbound.send(chat.id, "delegate_usage")
        return
    name, unit, rest = _split_name(args)
    principal = await _one_person(deps, chat.id, name, unit)
    hq = await _hq(deps)
    if principal is None or hq is None:
        return
    now = deps.clock.now()
    async with deps.sessions() as session:
        liaison = await people.liaison_for(session, principal, rest[0], now=now)
        if liaison.id == principal.id:
            await deps.outbound.send(chat.id, "delegate_usage")
            return
        changed = await roles.grant_liaison(session, hq.id, liaison, principal,  # type: ignore[arg-type]
                                            by=ident.telegram_user_id, now=now)  # fmt: skip
        bound = liaison.telegram_user_id is not None
    await deps.outbound.send(chat.id, "delegated", principal=principal.name,
                             liaison=liaison.name, changed=changed, bound=bound)  # fmt: skip
    if not bound:
        await _send_invites(deps, update, hq, [liaison], ident)


def register(application: Application) -> None:
    """Add the people-management handlers."""
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("people", people_command))
    application.add_handler(CallbackQueryHandler(on_people_button, pattern=r"^people:\d+$"))
    application.add_handler(CommandHandler("grant", grant))
    application.add_handler(CommandHandler("revoke", revoke))
    application.add_handler(CommandHandler("delegate", delegate))
