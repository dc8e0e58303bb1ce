"""Each headquarters' own schedule: the [cycle] defaults with the admins' /schedule set changes."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, time
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.schedule import ScheduleSetting
from services.schedule import ScheduleRules, is_quiet_time


@dataclass(frozen=True)
class Rules:
    """The settings a headquarters' month runs by (satisfies services.schedule.ScheduleRules)."""

    due_day: int
    open_day: int
    open_time: time
    remind_days_before: int
    remind_time: time
    escalate_time: time
    close_time: time
    holidays: bool
    quiet_start: time
    quiet_end: time
    quiet_weekends: bool
    max_reminders: int
    auto: bool = True

    @classmethod
    def of(cls, settings: ScheduleRules) -> Rules:
        """Copy the fields from the [cycle] settings (or any object with them)."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)
                      if hasattr(settings, f.name)})  # fmt: skip


class Setting(StrEnum):
    """What `/schedule set NAME VALUE` can change (NAME as typed, in English or Chinese)."""

    open = "open"
    due = "due"
    remind = "remind"
    reminders = "reminders"
    open_time = "open_time"
    remind_time = "remind_time"
    escalate_time = "escalate_time"
    close_time = "close_time"
    quiet = "quiet"
    weekends = "weekends"
    holidays = "holidays"
    auto = "auto"


ALIASES = {
    "开启": Setting.open, "开月": Setting.open, "截止": Setting.due, "截止日": Setting.due,
    "提醒": Setting.remind, "提醒次数": Setting.reminders, "开启时间": Setting.open_time,
    "提醒时间": Setting.remind_time, "督办时间": Setting.escalate_time,
    "关账时间": Setting.close_time, "免打扰": Setting.quiet, "周末": Setting.weekends,
    "节假日": Setting.holidays, "自动": Setting.auto,
}  # fmt: skip
_ON = frozenset({"on", "true", "yes", "1", "开", "是"})
_OFF = frozenset({"off", "false", "no", "0", "关", "否"})
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


class SettingError(ValueError):
    """A /schedule set that cannot be taken; `reason` names what is wrong."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def setting_named(text: str) -> Setting | None:
    """The setting a typed name means, or None."""
    name = text.strip().lower().replace("-", "_")
    if name in Setting.__members__:
        return Setting(name)
    return ALIASES.get(text.strip())


def _clock(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise SettingError("time")
    return time(int(match[1]), int(match[2]))


def _switch(text: str) -> bool:
    word = text.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise SettingError("switch")


def _number(text: str, low: int, high: int) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise SettingError("range", low=low, high=high)
    return int(value)


def apply(rules: Rules, setting: Setting, value: str) -> Rules:
    """`rules` with one setting changed; SettingError when the value or the result is invalid."""
    if setting is Setting.open:
        changed = replace(rules, open_day=_number(value, 1, 28))
    elif setting is Setting.due:
        changed = replace(rules, due_day=_number(value, 1, 28))
    elif setting is Setting.remind:
        changed = replace(rules, remind_days_before=_number(value, 0, 10))
    elif setting is Setting.reminders:
        changed = replace(rules, max_reminders=_number(value, 0, 10))
    elif setting in (Setting.open_time, Setting.remind_time, Setting.escalate_time,
                     Setting.close_time):  # fmt: skip
        moments = {setting.value: _clock(value)}
        changed = replace(rules, **moments)  # type: ignore[arg-type]
    elif setting is Setting.quiet:
        if value.strip().lower() in _OFF:
            changed = replace(rules, quiet_start=time(0), quiet_end=time(0))
        else:
            start, sep, end = value.replace("–", "-").replace("~", "-").partition("-")
            if not sep:
                raise SettingError("quiet")
            changed = replace(rules, quiet_start=_clock(start), quiet_end=_clock(end))
    elif setting is Setting.weekends:
        changed = replace(rules, quiet_weekends=_switch(value))
    elif setting is Setting.holidays:
        changed = replace(rules, holidays=_switch(value))
    else:
        changed = replace(rules, auto=_switch(value))
    check(changed)
    return changed


def check(rules: Rules) -> None:
    """Refuse rules the month cannot run by (the same checks as the [cycle] settings)."""
    if rules.open_day >= rules.due_day:
        raise SettingError("open_after_due", open=rules.open_day, due=rules.due_day)
    if rules.escalate_time <= rules.remind_time:
        raise SettingError("escalate_before_remind")
    for name in ("open_time", "remind_time", "escalate_time", "close_time"):
        if is_quiet_time(getattr(rules, name), rules.quiet_start, rules.quiet_end):
            raise SettingError("in_quiet_hours", name=name)


async def rules_for(session: AsyncSession, hq_id: int, defaults: ScheduleRules) -> Rules:
    """The headquarters' rules: the defaults with its saved changes applied in order."""
    rules = Rules.of(defaults)
    rows = await session.exec(select(ScheduleSetting).where(ScheduleSetting.hq_id == hq_id))
    for row in sorted(rows.all(), key=lambda r: r.changed_at):
        try:
            rules = apply(rules, Setting(row.name), row.value)
        except (SettingError, ValueError):
            continue  # a change the new defaults no longer allow: the default stands
    return rules


async def save_setting(
    session: AsyncSession, *, hq_id: int, setting: Setting, value: str, by: int | None,
    now: datetime, defaults: ScheduleRules,
) -> Rules:  # fmt: skip
    """Check and keep one change; returns the new rules (SettingError: nothing kept); commit."""
    rules = apply(await rules_for(session, hq_id, defaults), setting, value)
    row = await session.get(ScheduleSetting, (hq_id, setting.value))
    if row is None:
        row = ScheduleSetting(hq_id=hq_id, name=setting.value, value=value.strip())
    row.value, row.changed_by, row.changed_at = value.strip(), by, now
    session.add(row)
    await session.commit()
    return rules


async def reset_settings(session: AsyncSession, *, hq_id: int) -> int:
    """Drop every change of a headquarters: back to the defaults; commit."""
    rows = (await session.exec(
        select(ScheduleSetting).where(ScheduleSetting.hq_id == hq_id))).all()  # fmt: skip
    for row in rows:
        await session.delete(row)
    await session.commit()
    return len(rows)
