"""/start and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.deps import get_deps
from services.chats import remember_chat


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user and remember the chat."""
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
    await deps.outbound.send(chat.id, "start", name=user.full_name, is_admin=deps.is_admin(user.id))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands."""
    deps = get_deps(context)
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    await deps.outbound.send(
        chat.id,
        "help",
        commands=deps.renderer.command_menu(),
        is_admin=deps.is_admin(user.id if user else None),
    )


def register(application: Application) -> None:
    """Add this area's handlers."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
