"""What handlers and jobs are given: settings, clock, database sessions, renderer, outbound."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from bot.templating import Renderer
from models.database import SessionFactory
from services.clock import Clock

if TYPE_CHECKING:
    from bot.outbound import Outbound

DEPS_KEY = "hqbot.deps"


@dataclass
class Deps:
    """The application's collaborators, built once in `main` or a test fixture."""

    settings: Settings
    clock: Clock
    sessions: SessionFactory
    renderer: Renderer
    outbound: Outbound | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a Telegram user is a bootstrap admin from the config."""
        return user_id is not None and user_id in self.settings.telegram.admins


def get_deps(context: Any) -> Deps:
    """Fetch the Deps stored on the PTB application from a handler's context."""
    return context.application.bot_data[DEPS_KEY]
