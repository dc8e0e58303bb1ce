"""Thin Telegram layer: parse the update, check the role, call a service, render, reply."""

from __future__ import annotations

from telegram.ext import Application, MessageHandler, filters

from handlers import errors, group, onboarding, people, tasklist


def register_all(application: Application) -> None:
    """Register every area's handlers, then the catch-all for unknown commands."""
    onboarding.register(application)
    tasklist.register(application)
    people.register(application)
    group.register(application)
    errors.register(application)
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, errors.unknown_command)
    )
