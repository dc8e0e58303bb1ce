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
from services import invitations, people, roles
from services.invitations import ALL_WORDS, InviteKind, invite_link
from services.names import parse_person_args
from services.roles import ROLE_WORDS, RoleKind

PAGE_SIZE = 20


@guarded("invite")
async def invite(req: Request) -> None:
    """/invite 姓名[/单位] | all — deep links to forward to the persons."""
    hq, args = req.hq, req.args
    if not args or hq is None or hq.id is None:
        await req.reply("invite_usage", no_hq=hq is None)
        return
    who = None if args[0].lower() in ALL_WORDS else parse_person_args(args).query
    ttl = timedelta(days=req.deps.settings.app.invite_ttl_days)
    outcome = await invitations.invite(req.session, hq_id=hq.id, who=who, now=req.now, ttl=ttl,
                                       by=req.user.id)  # fmt: skip
    await _deliver(req, outcome)


async def _deliver(req: Request, outcome: invitations.InviteOutcome) -> None:
    """Reply with the links (or why there are none); void older links once they arrived."""
    if outcome.kind in (InviteKind.not_found, InviteKind.ambiguous, InviteKind.invalid_name):
        assert outcome.lookup is not None
        lookup = outcome.lookup
        await req.reply("person_lookup", name=lookup.query.name, unit=lookup.query.unit,
                        choices=lookup.choices,
                        invalid=outcome.kind is InviteKind.invalid_name)  # fmt: skip
        return
    if outcome.kind is InviteKind.withdrawn:
        name = outcome.person.name if outcome.person else ""
        await req.reply("invite_withdrawn", name=name, unit=outcome.unit)
        return
    username = req.context.bot.username
    links = [(i, invite_link(username, i.code)) for i in outcome.issued]
    sent = await req.reply("invite_links", tz=req.deps.settings.app.tz, invites=links)
    if sent is not None and outcome.issued:
        await invitations.supersede(req.session, outcome.invitation_ids, req.now)


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
    parsed = parse_person_args(req.args, stop_words=ROLE_WORDS)
    role_word = parsed.rest[0].lower() if parsed.rest else ""
    hq = req.hq
    if not parsed.name or role_word not in ROLE_WORDS or hq is None or hq.id is None:
        await req.reply("role_usage", command="grant" if on else "revoke")
        return
    kind, title = ROLE_WORDS[role_word]
    group = " ".join(parsed.rest[1:]) or None
    change = await roles.change_role(
        req.session, hq_id=hq.id, person=parsed.query, kind=kind, title=title,
        group=group if kind is RoleKind.group_leader else None, on=on, by=req.user.id,
        now=req.now,
    )  # fmt: skip
    if change.account is not None:
        await menus.refresh_menu(req.deps, req.context.bot, change.account, req.session)
    await req.reply("role_change", change=change)


@guarded("delegate")
async def delegate(req: Request) -> None:
    """/delegate 责任人[/单位] 联络员[/单位] — the liaison may report on the principal's tasks."""
    principal = parse_person_args(req.args)
    liaison = parse_person_args(principal.rest)
    hq = req.hq
    if not principal.name or not liaison.name or liaison.rest or hq is None or hq.id is None:
        await req.reply("delegate_usage")
        return
    result = await roles.delegate(req.session, hq_id=hq.id, principal=principal.query,
                                  liaison=liaison.query, by=req.user.id, now=req.now)  # fmt: skip
    await req.reply("delegation", delegation=result)
    if result.needs_invite and result.liaison is not None:
        ttl = timedelta(days=req.deps.settings.app.invite_ttl_days)
        issued = await invitations.issue(req.session, hq.id, [result.liaison], now=req.now,
                                         ttl=ttl, created_by=req.user.id)  # fmt: skip
        await _deliver(req, invitations.InviteOutcome(InviteKind.issued, issued))


def register(application: HQApplication) -> None:
    """Add the people-management handlers."""
    application.add_handler(CommandHandler("invite", invite))
    application.add_handler(CommandHandler("people", people_command))
    application.add_handler(CallbackQueryHandler(on_people_button, pattern=PeoplePage.matches()))
    application.add_handler(CommandHandler("grant", grant))
    application.add_handler(CommandHandler("revoke", revoke))
    application.add_handler(CommandHandler("delegate", delegate))
