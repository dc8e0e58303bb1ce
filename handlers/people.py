"""Admins manage people: invitations, /people, /grant, /revoke, /delegate."""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import menus
from bot.context import HQApplication
from handlers.callbacks import PeoplePage
from handlers.guards import guarded, pressed
from handlers.paging import paginate
from handlers.request import Press, Request
from models.access import GrantedRole
from models.people import Person
from models.tables import Headquarters
from services import invitations, people, roles

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


def _split_name(args: list[str]) -> tuple[str, str | None, list[str]]:
    """`姓名/单位 rest…` or `姓名 rest…` → (name, unit, rest)."""
    first = args[0]
    name, _, unit = first.partition("/")
    return name, unit or None, args[1:]


async def _one_person(req: Request, name: str, unit: str | None) -> Person | None:
    """The single person so named, or a reply saying none / which ones."""
    found = await roles.find_persons(req.session, name, unit)
    if len(found) == 1:
        return found[0]
    units = await people.unit_names(req.session, [p.unit_id for p in found if p.unit_id])
    choices = [(p.name, units.get(p.unit_id) if p.unit_id else None) for p in found]
    await req.reply("person_lookup", name=name, unit=unit, choices=choices)
    return None


@guarded("invite")
async def invite(req: Request) -> None:
    """/invite 姓名 [单位] | all — deep links to forward to the persons."""
    hq, args = req.hq, req.args
    if not args or hq is None or hq.id is None:
        await req.reply("invite_usage", no_hq=hq is None)
        return
    if args[0].lower() in ("all", "全部", "所有人"):
        rows = await people.people_of(req.session, hq.id, req.now)
        unbound = [r.id for r in rows if r.status in (people.Status.not_invited,
                                                      people.Status.invited)]  # fmt: skip
        targets = await people.persons_by_id(req.session, unbound)
    else:
        name, unit, rest = _split_name(args)
        person = await _one_person(req, name, unit or (rest[0] if rest else None))
        if person is None:
            return
        targets = [person]
    await _send_invites(req, hq, targets)


async def _send_invites(req: Request, hq: Headquarters, targets: list[Person]) -> None:
    assert hq.id is not None
    ttl = timedelta(days=req.deps.settings.app.invite_ttl_days)
    issued = await invitations.issue(req.session, hq.id, targets, now=req.now, ttl=ttl,
                                     created_by=req.user.id)  # fmt: skip
    username = req.context.bot.username
    await req.reply("invite_links", invites=[(i, invite_link(username, i.code)) for i in issued],
                    tz=req.deps.settings.app.tz)  # fmt: skip


@guarded("people")
async def people_command(req: Request) -> None:
    """/people: everyone with their status, paged."""
    await _people_page(req, None, page=0)


@pressed("people", PeoplePage)
async def on_people_button(press: Press[PeoplePage]) -> None:
    """◀ / ▶ under /people."""
    await press.answer()
    await _people_page(press, press, page=press.data.page)


async def _people_page(req: Request, press: Press[PeoplePage] | None, *, page: int) -> None:
    hq = req.hq
    rows = []
    if hq is not None and hq.id is not None:
        rows = await people.people_of(req.session, hq.id, req.now)
    paged = paginate(rows, page, PAGE_SIZE, PeoplePage)
    counts = {s.value: sum(1 for r in rows if r.status == s) for s in people.Status}
    view = dict(rows=paged.items, page=paged.number, pages=paged.pages, total=paged.total,
                counts=counts, offset=paged.offset)  # fmt: skip
    if press is not None:
        await press.edit("people_page", reply_markup=paged.markup, **view)
    else:
        await req.reply("people_page", reply_markup=paged.markup, **view)


@guarded("grant")
async def grant(req: Request) -> None:
    """/grant 姓名[/单位] 角色 [工作小组]."""
    await _change_role(req, on=True)


@guarded("revoke")
async def revoke(req: Request) -> None:
    """/revoke 姓名[/单位] 角色 [工作小组]."""
    await _change_role(req, on=False)


async def _change_role(req: Request, *, on: bool) -> None:
    args = req.args
    command = "grant" if on else "revoke"
    if len(args) < 2 or args[1].lower() not in ROLE_WORDS:
        await req.reply("role_usage", command=command)
        return
    kind, title = ROLE_WORDS[args[1].lower()]
    group = " ".join(args[2:]) or None
    if kind == "group_leader" and not group:
        await req.reply("role_usage", command=command)
        return
    if kind == "liaison" and on:
        await req.reply("role_use_delegate")
        return
    name, unit, _ = _split_name(args)
    person = await _one_person(req, name, unit)
    hq = req.hq
    if person is None or hq is None or hq.id is None:
        return
    session, now = req.session, req.now
    changed: bool | None
    if kind == "admin":
        changed = (
            await roles.grant_admin(session, hq.id, person, by=req.user.id, now=now)
            if on
            else bool(await roles.revoke_granted(session, hq.id, person, GrantedRole.admin))
        )
    elif kind == "liaison":
        changed = bool(await roles.revoke_granted(session, hq.id, person, GrantedRole.liaison))
    elif kind == "hq_leader":
        changed = await roles.set_hq_leader(session, hq.id, person, title, on=on)
    else:
        changed = await roles.set_group_leader(session, hq.id, person, group or "", on=on)
    if changed and person.telegram_user_id is not None:
        await menus.refresh_menu(req.deps, req.context.bot, person.telegram_user_id, session)
    await req.reply("role_changed", on=on, changed=changed, name=person.name, kind=kind,
                    group=group)  # fmt: skip


@guarded("delegate")
async def delegate(req: Request) -> None:
    """/delegate 责任人[/单位] 联络员姓名 — the liaison may report on the principal's tasks."""
    args = req.args
    if len(args) != 2:
        await req.reply("delegate_usage")
        return
    name, unit, rest = _split_name(args)
    principal = await _one_person(req, name, unit)
    hq = req.hq
    if principal is None or hq is None or hq.id is None:
        return
    liaison = await people.liaison_for(req.session, principal, rest[0], now=req.now)
    if liaison.id == principal.id:
        await req.reply("delegate_usage")
        return
    changed = await roles.grant_liaison(req.session, hq.id, liaison, principal,
                                        by=req.user.id, now=req.now)  # fmt: skip
    bound = liaison.telegram_user_id is not None
    await req.reply("delegated", principal=principal.name, liaison=liaison.name,
                    changed=changed, bound=bound)  # fmt: skip
    if not bound:
        await _send_invites(req, hq, [liaison])


def register(application: HQApplication) -> None:
    """Add the people-management handlers."""
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("people", people_command))
    application.add_handler(CallbackQueryHandler(on_people_button, pattern=PeoplePage.matches()))
    application.add_handler(CommandHandler("grant", grant))
    application.add_handler(CommandHandler("revoke", revoke))
    application.add_handler(CommandHandler("delegate", delegate))
