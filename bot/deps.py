"""What handlers and jobs are given: settings, clock, database sessions, renderers, outbound."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.outbound import Outbound
from bot.templating import Renderer, Renderers
from models.database import SessionFactory
from services.clock import Clock

DEPS_KEY = "hqbot.deps"


@dataclass
class Deps:
    """The application's collaborators, built once in `build_application` (or a test fixture)."""

    settings: Settings
    clock: Clock
    sessions: SessionFactory
    renderers: Renderers
    outbound: Outbound
    # Per chat: the language and the commands of the "/" menu last shown there.
    menus_shown: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # Tells the outbox sender that messages were queued (set once the sender exists).
    wake_sender: Callable[[], None] = lambda: None

    @property
    def renderer(self) -> Renderer:
        """The renderer of the configured language (`app.language`)."""
        return self.renderers.default
