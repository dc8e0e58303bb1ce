"""Thin Telegram layer: parse the update, check the role, call a service, render, reply."""

from __future__ import annotations

from bot.context import HQApplication
from handlers import (
    aliases,
    cycle,
    digest,
    errors,
    group,
    hq,
    lang,
    onboarding,
    people,
    reportbook,
    reporting,
    schedule,
    tasklist,
)


def register_all(application: HQApplication) -> None:
    """Register every area's handlers, then the catch-alls."""
    onboarding.register(application)
    tasklist.register(application)
    reportbook.register(application)
    reporting.register(application)
    cycle.register(application)
    schedule.register(application)
    digest.register(application)
    aliases.register(application)
    people.register(application)
    group.register(application)
    hq.register(application)
    lang.register(application)
    errors.register(application)
    errors.register_fallbacks(application)
    onboarding.register_fallbacks(application)
