"""The month by the clock: every minute, ask the database what is owed now and do it.

Opening a month queues the asks; reminders, escalation and notices are queued too, each in the
transaction that records the run, and the outbox sender delivers them. `/cycle open`, `/remind`
and `hqbot cycle` call the same functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.deps import Deps
from bot.languages import languages_for
from bot.queue import queue
from bot.templating import Renderer
from handlers.callbacks import ReportRevise, ReportStart
from jobs.digest import post_at_close
from models.outbox import OutboxKind
from models.reporting import Cycle
from models.tables import Headquarters
from services import outbox, schedule
from services.digest.runs import unposted_close
from services.people import admin_chat_ids
from services.reporting.cycles import close_cycle, open_cycle_of
from services.reporting.month import asks_to_send, record_ask
from services.reporting.office import MonthOpen, MonthOpenKind, open_month
from services.reporting.reports import Item, ItemState, items_for
from services.reporting.runs import (
    Owed,
    group_leads,
    missing_by_group,
    owed_runs,
    record_run,
    reminder_round,
)
from services.schedule import RunKind
from services.schedule_settings import Rules, rules_for

log = logging.getLogger(__name__)

BUTTON_NAME = 14  # characters of a task name on its button


@dataclass
class AskTally:
    """How the month's asks went: queued for delivery, or why not."""

    queued: int = 0
    not_bound: int = 0
    unreachable: int = 0


@dataclass
class RemindTally:
    """A reminder round: queued, already at the month's bound, not reachable."""

    queued: int = 0
    at_bound: int = 0
    not_reachable: int = 0


@dataclass
class TickReport:
    """What one tick did, per headquarters: the runs done."""

    runs: list[tuple[int, str, int, int]] = field(default_factory=list)  # hq, kind, ym, n
    asks: int = 0


def _button(label: str, data: ReportStart | ReportRevise) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def ask_keyboard(renderer: Renderer, cycle: Cycle, items: list[Item]) -> InlineKeyboardMarkup:
    """开始填报 and one button per task (修改 for those submitted), in the renderer's language."""
    assert cycle.id is not None
    begin = renderer.render("button_report_begin")
    rows = [[_button(begin, ReportStart(cycle.id, 0, 0))]]
    for item in items:
        label = renderer.render_text("button_report_task", item=item, width=BUTTON_NAME)
        payload: ReportStart | ReportRevise = ReportStart(
            cycle.id, item.due.stage_id, item.due.person_id
        )
        if item.state in (ItemState.submitted, ItemState.late):
            payload = ReportRevise(cycle.id, item.due.stage_id, item.due.person_id)
        rows.append([_button(label, payload)])
    return InlineKeyboardMarkup(rows)


async def queue_asks(
    deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime, rules: Rules | None = None
) -> AskTally:
    """Queue the ask of every due person not asked yet (once each, restarts included); commit."""
    assert cycle.id is not None
    hq = await session.get(Headquarters, cycle.hq_id)
    tally = AskTally()
    plans = await asks_to_send(session, cycle, now)
    languages = await languages_for(deps, session, [p.chat_id for p in plans if p.chat_id])
    for plan in plans:
        chat_id = plan.chat_id
        if chat_id is None:
            error = "not_bound" if plan.person.telegram_user_id is None else "unreachable"
            await record_ask(session, plan.ask, chat_id=None, message_id=None, now=now, error=error)
            tally.not_bound += error == "not_bound"
            tally.unreachable += error == "unreachable"
            continue
        key = f"ask:{cycle.id}:{plan.person.id}"
        if plan.ask.error is not None:  # asked again once they can be reached
            key += f":again:{now:%Y%m%d%H%M}"
        await record_ask(session, plan.ask, chat_id=chat_id, message_id=None, now=now)
        await session.flush()
        items = await items_for(session, cycle, [plan.person.id or 0, *plan.principals])
        language = languages[chat_id]
        keyboard = ask_keyboard(deps.renderers.for_language(language), cycle, items)
        await queue(
            deps, session, key=key, kind=OutboxKind.ask, chat_id=chat_id, template="report_ask",
            now=now, rules=rules, hq_id=cycle.hq_id, person_id=plan.person.id,
            ref_id=plan.ask.id, reply_markup=keyboard, language=language, hq=hq, cycle=cycle,
            person=plan.person, items=items,
        )  # fmt: skip
        tally.queued += 1
    await session.commit()
    deps.wake_sender()
    return tally


async def queue_reminders(
    deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime, rules: Rules,
    *, owed: Owed | None = None, by: int | None = None,
) -> RemindTally:  # fmt: skip
    """Queue a reminder to everyone still missing something, within the month's bound; commit.

    With `owed` (a scheduled reminder) the run is recorded in the same transaction.
    """
    assert cycle.id is not None
    hq = await session.get(Headquarters, cycle.hq_id)
    plan = await reminder_round(session, cycle, rules.max_reminders)
    tally = RemindTally(at_bound=len(plan.at_bound), not_reachable=len(plan.not_reachable))
    chat_ids = [r.person.telegram_user_id for r in plan.to_send if r.person.telegram_user_id]
    languages = await languages_for(deps, session, chat_ids)
    for reminder in plan.to_send:
        person = reminder.person
        assert person.telegram_user_id is not None and person.id is not None
        items = await items_for(session, cycle, [person.id, *reminder.principals])
        owing = [i for i in items if i.state in (ItemState.todo, ItemState.draft)]
        language = languages[person.telegram_user_id]
        label = deps.renderers.for_language(language).render("button_report_continue")
        button = _button(label, ReportStart(cycle.id, 0, 0))
        await queue(
            deps, session, key=f"remind:{cycle.id}:{person.id}:{reminder.n}",
            kind=OutboxKind.remind, chat_id=person.telegram_user_id, template="report_remind",
            now=now, rules=rules, hq_id=cycle.hq_id, person_id=person.id,
            reply_markup=InlineKeyboardMarkup([[button]]), language=language, hq=hq, cycle=cycle,
            person=person, items=owing, n=reminder.n, bound=rules.max_reminders,
        )  # fmt: skip
        tally.queued += 1
    if owed is not None:
        record_run(session, cycle, owed, now=now, by=by)
    await session.commit()
    deps.wake_sender()
    return tally


async def queue_escalation(
    deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime, rules: Rules, owed: Owed
) -> int:
    """On the due day: each group leader gets their group's missing, the admins all; commit."""
    assert cycle.id is not None
    hq = await session.get(Headquarters, cycle.hq_id)
    missing = await missing_by_group(session, cycle)
    queued = 0
    leads = await group_leads(session, cycle.hq_id)
    admins = await admin_chat_ids(session, cycle.hq_id, deps.settings.telegram.admins)
    lead_chats = [lead.person.telegram_user_id for lead in leads if lead.person.telegram_user_id]
    languages = await languages_for(deps, session, [*lead_chats, *admins])
    for lead in leads:
        owing = missing.get(lead.group)
        if not owing or lead.person.telegram_user_id is None:
            continue
        queued += await queue(
            deps, session, key=f"escalate:{cycle.id}:{lead.person.id}:{lead.group}",
            kind=OutboxKind.escalate, chat_id=lead.person.telegram_user_id,
            template="escalate_leader", now=now, rules=rules, hq_id=cycle.hq_id,
            person_id=lead.person.id, language=languages[lead.person.telegram_user_id], hq=hq,
            cycle=cycle, group=lead.group, owing=owing,
        )  # fmt: skip
    for chat_id in admins:
        queued += await queue(
            deps, session, key=f"escalate:{cycle.id}:admin:{chat_id}", kind=OutboxKind.escalate,
            chat_id=chat_id, template="escalate_admin", now=now, rules=rules,
            hq_id=cycle.hq_id, language=languages[chat_id], hq=hq, cycle=cycle, missing=missing,
        )  # fmt: skip
    record_run(session, cycle, owed, now=now)
    await session.commit()
    deps.wake_sender()
    return queued


async def close_month(
    deps: Deps, session: AsyncSession, cycle: Cycle, now: datetime, *, owed: Owed | None,
    by: int | None = None,
) -> Cycle | None:  # fmt: skip
    """Close the cycle; asks and reminders not yet sent are dropped; the run is recorded; commit.

    Then the digest is posted (`[digest] post`), in its own transaction: a crash in between
    is caught up by the next tick (`unposted_close`).
    """
    assert cycle.id is not None
    if owed is not None:
        record_run(session, cycle, owed, now=now, by=by)
    await outbox.cancel_pending(session, f"remind:{cycle.id}:")
    await outbox.cancel_pending(session, f"ask:{cycle.id}:")
    closed = await close_cycle(session, hq_id=cycle.hq_id, now=now, by=by)  # commits
    if closed.cycle is not None:
        rules = await rules_for(session, cycle.hq_id, deps.settings.cycle)
        await post_at_close(deps, session, closed.cycle, now, rules)
    return closed.cycle


async def _open(deps: Deps, session: AsyncSession, hq_id: int, owed: Owed, rules: Rules,
                now: datetime) -> MonthOpen:  # fmt: skip
    plan = schedule.month_schedule(owed.ym, rules, deps.clock.tz)
    opened = await open_month(session, hq_id=hq_id, ym=owed.ym, now=now, by=None,
                              due_on=plan.due_on)  # fmt: skip
    if opened.kind is MonthOpenKind.opened and opened.cycle is not None:
        record_run(session, opened.cycle, owed, now=now)
        await session.commit()
        tally = await queue_asks(deps, session, opened.cycle, now, rules)
        await _tell_admins(
            deps,
            session,
            hq_id,
            "admin_month_opened",
            now,
            rules,
            key=f"opened:{opened.cycle.id}",
            cycle=opened.cycle,
            tally=tally,
        )
    return opened


async def _tell_admins(
    deps: Deps,
    session: AsyncSession,
    hq_id: int,
    template: str,
    now: datetime,
    rules: Rules,
    *,
    key: str,
    **context: Any,
) -> None:
    hq = await session.get(Headquarters, hq_id)
    admins = await admin_chat_ids(session, hq_id, deps.settings.telegram.admins)
    languages = await languages_for(deps, session, admins)
    for chat_id in admins:
        await queue(deps, session, key=f"{key}:{chat_id}", kind=OutboxKind.notice,
                    chat_id=chat_id, template=template, now=now, rules=rules, hq_id=hq_id,
                    language=languages[chat_id], hq=hq, **context)  # fmt: skip
    await session.commit()
    deps.wake_sender()


async def run_hq(deps: Deps, hq_id: int, now: datetime, report: TickReport) -> None:
    """Do what one headquarters owes now."""
    async with deps.sessions() as session:
        rules = await rules_for(session, hq_id, deps.settings.cycle)
        if rules.auto:
            for owed in await owed_runs(session, hq_id, rules, now, deps.clock.tz):
                await _do(deps, session, hq_id, owed, rules, now)
                report.runs.append((hq_id, owed.kind.value, owed.ym, owed.n))
        unposted = await unposted_close(session, hq_id, now)
        if unposted is not None:
            await post_at_close(deps, session, unposted, now, rules)
        cycle = await open_cycle_of(session, hq_id)
        if cycle is not None and not schedule.in_quiet_hours(now, rules, tz=deps.clock.tz):
            report.asks += (await queue_asks(deps, session, cycle, now, rules)).queued


async def _do(deps: Deps, session: AsyncSession, hq_id: int, owed: Owed, rules: Rules,
              now: datetime) -> None:  # fmt: skip
    log.info("hq %s: %s %s%s", hq_id, owed.kind.value, owed.ym, f" #{owed.n}" if owed.n else "")
    if owed.kind is RunKind.open:
        await _open(deps, session, hq_id, owed, rules, now)
        return
    cycle = owed.cycle
    assert cycle is not None and cycle.id is not None
    if owed.kind is RunKind.remind:
        await queue_reminders(deps, session, cycle, now, rules, owed=owed)
    elif owed.kind is RunKind.escalate:
        await queue_escalation(deps, session, cycle, now, rules, owed)
    else:
        closed = await close_month(deps, session, cycle, now, owed=owed)
        if closed is not None:
            await _tell_admins(deps, session, hq_id, "admin_month_closed", now, rules,
                               key=f"closed:{cycle.id}", cycle=closed)  # fmt: skip


async def tick(deps: Deps, now: datetime | None = None) -> TickReport:
    """One tick: every headquarters does what it owes at `now` (the injected clock's now)."""
    now = now or deps.clock.now()
    report = TickReport()
    async with deps.sessions() as session:
        hq_ids = list((await session.exec(select(Headquarters.id).order_by(
            col(Headquarters.id)))).all())  # fmt: skip
    for hq_id in hq_ids:
        if hq_id is None:
            continue
        try:
            await run_hq(deps, hq_id, now, report)
        except IntegrityError:  # another tick (or process) did the same run first
            log.info("hq %s: a run was already done elsewhere", hq_id)
    return report
