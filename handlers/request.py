"""One request context per update: who, where, which headquarters, and one database session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.context import BotContext
from bot.deps import Deps
from bot.languages import renderer_of
from bot.outbound import ReplyMarkup
from bot.templating import Renderer
from handlers.callbacks import CallbackData
from handlers.permissions import Where
from models.tables import Headquarters
from services.hq import HQChoice
from services.roles import Identity

D = TypeVar("D", bound=CallbackData)


@dataclass
class Request:
    """Everything a handler needs about one update, resolved once by the guard.

    `session` is the update's only database session; services commit what a person gave as
    soon as it is given. `language` is the chat's (a private chat's is the person's): replies,
    edits, answers and `render` use it; a handler that changes it (/lang) sets it.
    """

    update: Update
    context: BotContext
    deps: Deps
    session: AsyncSession
    chat: Chat
    user: User
    ident: Identity
    hq_choice: HQChoice
    where: Where
    language: str

    @property
    def hq(self) -> Headquarters | None:
        """The headquarters this update is about (None before any exists, or when ambiguous)."""
        return self.hq_choice.hq

    @property
    def args(self) -> list[str]:
        """The words after the command."""
        return list(self.context.args or [])

    @property
    def now(self) -> datetime:
        """The injected clock's time."""
        return self.deps.clock.now()

    @property
    def message(self) -> Message | None:
        """The message this update carries, if any."""
        return self.update.effective_message

    @property
    def renderer(self) -> Renderer:
        """The renderer of this chat's language."""
        return self.deps.renderers.for_language(self.language)

    def render(self, template: str, /, **context: Any) -> str:
        """A template rendered in this chat's language (for button labels)."""
        return self.renderer.render(template, **context)

    def render_text(self, template: str, /, **context: Any) -> str:
        """A plain-text template rendered in this chat's language."""
        return self.renderer.render_text(template, **context)

    async def renderer_for(self, chat_id: int) -> Renderer:
        """The renderer of another chat's language (for a message sent there)."""
        if chat_id == self.chat.id:
            return self.renderer
        return await renderer_of(self.deps, self.session, chat_id)

    async def hq_id_or_say(self, template: str, /) -> int | None:
        """The headquarters' id; None after replying `template` (none yet, or which one?)."""
        hq = self.hq
        if hq is None or hq.id is None:
            await self.reply(template, ambiguous=self.hq_choice.ambiguous)
            return None
        return hq.id

    async def reply(
        self, template: str, /, *, reply_markup: ReplyMarkup | None = None, **context: Any
    ) -> Message | None:
        """Send a template to the chat the update came from."""
        return await self.deps.outbound.send(
            self.chat.id, template, reply_markup=reply_markup, renderer=self.renderer, **context
        )


@dataclass
class Press(Request, Generic[D]):
    """A button press: the parsed payload and the message the button sits under."""

    query: CallbackQuery = field(kw_only=True)
    pressed: Message = field(kw_only=True)
    data: D = field(kw_only=True)
    answered: bool = field(default=False, kw_only=True)

    async def answer(self, template: str | None = None, /, *, alert: bool = False,
                     **context: Any) -> None:  # fmt: skip
        """Answer the press (once), optionally with a toast or an alert from a template."""
        if self.answered:
            return
        self.answered = True
        await self.deps.outbound.answer(
            self.query, template, alert=alert, renderer=self.renderer, **context
        )

    async def edit(self, template: str, /, *, reply_markup: Any = None, **context: Any) -> None:
        """Replace the text of the message the button was pressed under."""
        await self.deps.outbound.edit(
            self.pressed, template, reply_markup=reply_markup, renderer=self.renderer, **context
        )
