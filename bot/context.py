"""The typed handler context: PTB's CallbackContext that knows the application's Deps."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.deps import DEPS_KEY, Deps


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every hqbot handler receives (registered through `ContextTypes`)."""

    @property
    def deps(self) -> Deps:
        """The application's collaborators."""
        return cast(Deps, self.bot_data[DEPS_KEY])


CONTEXT_TYPES = ContextTypes(context=BotContext)

HQApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[BotContext]
]
