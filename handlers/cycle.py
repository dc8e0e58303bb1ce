"""The office runs the month: /cycle open [YYYY-MM], /cycle close, /cycle, /reopen 姓名 序号."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CommandHandler

from bot.context import HQApplication
from handlers.args import parse_number
from handlers.callbacks import ReportRevise
from handlers.guards import guarded
from handlers.request import Request
from jobs import month
from services import schedule
from services.names import parse_person_args
from services.people import LookupKind
from services.reporting.cycles import latest_cycle, open_cycle_of, parse_month, this_month
from services.reporting.month import ReopenKind, ReopenOutcome, cycle_progress, reopen_report
from services.reporting.office import due_item, has_task_list, open_month
from services.reporting.runs import Owed
from services.schedule import RunKind
from services.schedule_settings import rules_for


class Notice(StrEnum):
    """How the person was told that a report was reopened."""

    sent = "sent"
    not_bound = "not_bound"  # no Telegram account bound yet: the office tells them
    unreachable = "unreachable"  # they blocked the bot


OPEN_WORDS = frozenset({"open", "开启", "开始"})
CLOSE_WORDS = frozenset({"close", "关闭", "结束"})


@guarded("cycle")
async def cycle_command(req: Request) -> None:
    """/cycle open [YYYY-MM] | /cycle close | /cycle: open, close or show the reporting month."""
    args = req.args
    verb = args[0].lower() if args else ""
    if not args:
        action = "show"
    elif verb in OPEN_WORDS:
        action = "open"
    elif verb in CLOSE_WORDS and len(args) == 1:
        action = "close"
    else:
        await req.reply("cycle_usage", value=" ".join(args))
        return
    ym = this_month(req.now)
    if action == "open" and len(args) > 1:
        typed = "".join(args[1:])
        parsed = parse_month(typed)
        if parsed is None:
            await req.reply("cycle_usage", value=typed)
            return
        ym = parsed
    hq_id = await req.hq_id_or_say("cycle_no_hq")
    if hq_id is None:
        return
    if action == "open":
        await _open(req, hq_id, ym)
    elif action == "close":
        await _close(req, hq_id)
    else:
        await _show(req, hq_id)


async def _open(req: Request, hq_id: int, ym: int) -> None:
    rules = await rules_for(req.session, hq_id, req.deps.settings.cycle)
    due = schedule.due_on(ym, rules)  # the due day, moved off holidays
    opened = await open_month(req.session, hq_id=hq_id, ym=ym, now=req.now, by=req.user.id,
                              due_on=due)  # fmt: skip
    tally = progress = held = None
    if opened.cycle is not None and opened.asks:
        rules = await rules_for(req.session, hq_id, req.deps.settings.cycle)
        tally = await month.queue_asks(req.deps, req.session, opened.cycle, req.now, rules)
        progress = await cycle_progress(req.session, opened.cycle)
        after = schedule.after_quiet_hours(req.now, rules, tz=req.deps.clock.tz)
        held = after if after > req.now else None
    await req.reply("cycle_opened", kind=opened.kind.value, ym=ym, cycle=opened.cycle,
                    tally=tally, progress=progress, held=held)  # fmt: skip


async def _close(req: Request, hq_id: int) -> None:
    cycle = await open_cycle_of(req.session, hq_id)
    if cycle is None:
        latest = await latest_cycle(req.session, hq_id)
        await req.reply("cycle_closed", cycle=None, latest=latest, progress=None)
        return
    owed = Owed(RunKind.close, cycle.ym, req.now)
    closed = await month.close_month(req.deps, req.session, cycle, req.now, owed=owed,
                                     by=req.user.id)  # fmt: skip
    assert closed is not None
    progress = await cycle_progress(req.session, closed)
    await req.reply("cycle_closed", cycle=closed, latest=None, progress=progress)


async def _show(req: Request, hq_id: int) -> None:
    cycle = await latest_cycle(req.session, hq_id)
    if cycle is None:
        tasks = await has_task_list(req.session, hq_id)
        await req.reply("cycle_none", tasks=tasks, ym=this_month(req.now))
        return
    progress = await cycle_progress(req.session, cycle)
    await req.reply("cycle_status", progress=progress, cycle=cycle)


@guarded("reopen")
async def reopen_command(req: Request) -> None:
    """/reopen 姓名[/单位] 序号 [YYYY-MM]: one report of a closed month may be revised once more."""
    parsed = parse_person_args(req.args)
    number = parse_number(parsed.rest[0]) if parsed.rest else None
    ym = None
    if len(parsed.rest) > 1:
        ym = parse_month("".join(parsed.rest[1:]))
    if not parsed.name or number is None or (len(parsed.rest) > 1 and ym is None):
        await req.reply("reopen_usage", value=" ".join(req.args))
        return
    hq_id = await req.hq_id_or_say("cycle_no_hq")
    if hq_id is None:
        return
    outcome = await reopen_report(req.session, hq_id=hq_id, query=parsed.query, number=number,
                                  ym=ym, by=req.user.id, now=req.now)  # fmt: skip
    if outcome.kind is ReopenKind.person and outcome.lookup is not None:
        lookup = outcome.lookup
        await req.reply("person_lookup", name=lookup.query.name, unit=lookup.query.unit,
                        choices=lookup.choices,
                        invalid=lookup.kind is LookupKind.invalid_name)  # fmt: skip
        return
    told = None
    if outcome.kind is ReopenKind.granted:
        told = await _tell_person(req, outcome)
    await req.reply("reopen_result", kind=outcome.kind.value, o=outcome, ym=ym, told=told)


@dataclass(frozen=True)
class Told:
    """What the admin hears about a granted reopen: the task, and whether the person was told."""

    notice: Notice
    unit: str
    task_name: str
    reported: bool  # False: nothing was reported, so the leave is to report late


async def _tell_person(req: Request, outcome: ReopenOutcome) -> Told:
    """Tell the person they may revise (or, with no report yet, give) the report once."""
    cycle, person, reopen = outcome.cycle, outcome.person, outcome.reopen
    assert cycle is not None and person is not None and reopen is not None
    assert person.id is not None and cycle.id is not None and outcome.number is not None
    item = await due_item(req.session, cycle, person.id, outcome.number)
    unit, task_name = (item.due.unit, item.due.task_name) if item else ("", "")
    reported = item is not None and item.report is not None
    if person.telegram_user_id is None:
        return Told(Notice.not_bound, unit, task_name, reported)
    if not person.reachable:
        return Told(Notice.unreachable, unit, task_name, reported)
    button = ReportRevise(cycle.id, reopen.stage_id, person.id)
    renderer = await req.renderer_for(person.telegram_user_id)  # the person's language
    label = renderer.render("button_report_revise")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=button.pack())]])
    sent = await req.deps.outbound.send(
        person.telegram_user_id, "reopen_notice", reply_markup=markup, renderer=renderer,
        cycle=cycle, number=outcome.number, task_name=task_name, hq=req.hq, reported=reported,
    )  # fmt: skip
    notice = Notice.sent if sent is not None else Notice.unreachable
    return Told(notice, unit, task_name, reported)


def register(application: HQApplication) -> None:
    """Add /cycle and /reopen (admins, private chat)."""
    application.add_handler(CommandHandler("cycle", cycle_command))
    application.add_handler(CommandHandler("reopen", reopen_command))
