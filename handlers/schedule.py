"""The month's timetable and delivery for the office: /schedule [set NAME VALUE | reset],
/remind, /outbox [retry]."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import HQApplication
from handlers.callbacks import OutboxRetry
from handlers.guards import guarded, pressed
from handlers.request import Press, Request
from jobs import month
from models.outbox import OutboxStatus
from services import outbox
from services.reporting.cycles import open_cycle_of
from services.schedule import after_quiet_hours
from services.schedule_settings import (
    Setting,
    SettingError,
    reset_settings,
    rules_for,
    save_setting,
    setting_named,
)
from services.schedule_view import DueFollow, follow_due_day, schedule_overview

SET_WORDS = frozenset({"set", "设置", "修改"})
RESET_WORDS = frozenset({"reset", "重置", "恢复默认"})
RETRY_WORDS = frozenset({"retry", "重试"})


@guarded("schedule")
async def schedule_command(req: Request) -> None:
    """/schedule | /schedule set NAME VALUE | /schedule reset: the month's runs and settings."""
    args = req.args
    verb = args[0].lower() if args else ""
    setting = setting_named(args[1]) if len(args) >= 3 and verb in SET_WORDS else None
    resetting = len(args) == 1 and verb in RESET_WORDS
    if args and setting is None and not resetting:
        typed = args[1:] if verb in SET_WORDS else args
        await req.reply("schedule_usage", value=" ".join(typed), names=list(Setting))
        return
    hq_id = await req.hq_id_or_say("schedule_no_hq")
    if hq_id is None:
        return
    if setting is not None:
        await _set(req, hq_id, setting, " ".join(args[2:]))
    elif resetting:
        dropped = await reset_settings(req.session, hq_id=hq_id)
        await _show(req, hq_id, "schedule_reset", dropped=dropped)
    else:
        await _show(req, hq_id, "schedule_show")


async def _set(req: Request, hq_id: int, setting: Setting, value: str) -> None:
    """Keep one change (or say what is wrong with it), then show the new schedule."""
    defaults = req.deps.settings.cycle
    try:
        await save_setting(req.session, hq_id=hq_id, setting=setting, value=value,
                           by=req.user.id, now=req.now, defaults=defaults)  # fmt: skip
    except SettingError as error:
        rules = await rules_for(req.session, hq_id, defaults)
        await req.reply("schedule_refused", setting=setting.value, value=value,
                        reason=error.reason, details=error.details, rules=rules)  # fmt: skip
        return
    await _show(req, hq_id, "schedule_changed", setting=setting.value, value=value)


async def _show(req: Request, hq_id: int, template: str, **context: Any) -> None:
    """The schedule as it stands; after a change, the open month's due day follows it."""
    defaults = req.deps.settings.cycle
    rules = await rules_for(req.session, hq_id, defaults)
    follow: DueFollow | None = None
    if template != "schedule_show":
        follow = await follow_due_day(req.session, hq_id, rules)
    overview = await schedule_overview(req.session, hq_id=hq_id, rules=rules, defaults=defaults,
                                       now=req.now, tz=req.deps.clock.tz)  # fmt: skip
    await req.reply(template, o=overview, now=req.now, tz=req.deps.clock.tz, follow=follow,
                    **context)  # fmt: skip


@guarded("remind")
async def remind_command(req: Request) -> None:
    """/remind: a reminder round now to everyone still missing something, within the bound."""
    hq_id = await req.hq_id_or_say("schedule_no_hq")
    if hq_id is None:
        return
    cycle = await open_cycle_of(req.session, hq_id)
    if cycle is None:
        await req.reply("remind_result", cycle=None, tally=None, held=None, bound=0)
        return
    rules = await rules_for(req.session, hq_id, req.deps.settings.cycle)
    tally = await month.queue_reminders(req.deps, req.session, cycle, req.now, rules,
                                        by=req.user.id)  # fmt: skip
    after = after_quiet_hours(req.now, rules, tz=req.deps.clock.tz)
    held = after if after > req.now else None
    await req.reply("remind_result", cycle=cycle, tally=tally, held=held,
                    bound=rules.max_reminders)  # fmt: skip


def _retry_keyboard(req: Request, hq_id: int) -> InlineKeyboardMarkup:
    label = req.render("button_outbox_retry")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=OutboxRetry(hq_id).pack())]]
    )


@guarded("outbox")
async def outbox_command(req: Request) -> None:
    """/outbox: pending, sent and failed messages and the last errors; /outbox retry."""
    args = req.args
    if args and not (len(args) == 1 and args[0].lower() in RETRY_WORDS):
        await req.reply("outbox_usage", value=" ".join(args))
        return
    hq_id = await req.hq_id_or_say("schedule_no_hq")
    if hq_id is None:
        return
    if args:
        queued = await outbox.retry_failed(req.session, hq_id=hq_id, now=req.now)
        req.deps.wake_sender()
        await req.reply("outbox_retried", queued=queued)
        return
    found = await outbox.summary(req.session, hq_id=hq_id)
    retryable = found.counts.get(OutboxStatus.failed, 0) > 0
    markup = _retry_keyboard(req, hq_id) if retryable else None
    await req.reply("outbox_summary", s=found, tz=req.deps.clock.tz, reply_markup=markup)


@pressed("outbox", OutboxRetry)
async def on_retry_button(press: Press[OutboxRetry]) -> None:
    """重试失败消息: queue the refused messages again and say how many."""
    hq = press.hq
    if hq is None or hq.id != press.data.hq_id:
        await press.answer("button_stale", alert=True)
        return
    queued = await outbox.retry_failed(press.session, hq_id=hq.id, now=press.now)
    press.deps.wake_sender()
    await press.answer()
    await press.edit("outbox_retried", queued=queued)


def register(application: HQApplication) -> None:
    """Add /schedule, /remind and /outbox (admins, private chat) and the retry button."""
    application.add_handler(CommandHandler("schedule", schedule_command))
    application.add_handler(CommandHandler("remind", remind_command))
    application.add_handler(CommandHandler("outbox", outbox_command))
    application.add_handler(CallbackQueryHandler(on_retry_button, pattern=OutboxRetry.matches()))
